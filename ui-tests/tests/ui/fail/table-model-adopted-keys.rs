use capp_schema::TableModel;

pub struct Migrations;

// The keys an adopted schema needs, each misused.
#[derive(TableModel)]
#[table(
    name = "payments",
    primary_key(paid_at, id),
    // A partition needs its bound too.
    partition_of = "payments_all",
    // A composite foreign key needs what it references.
    foreign_key(name = "fk_payments_order", columns(order_id, paid_at)),
    row_security = "sometimes"
)]
pub struct Payment {
    // The key is the table's: not also the column's.
    #[column(primary_key)]
    pub id: i64,
    pub paid_at: i64,
    #[column(references = "orders.id", deferrable = "later")]
    pub order_id: i64,
}

fn main() {}

// Options of something the column does not have.
#[derive(TableModel)]
#[table(
    name = "invoices",
    index(name = "ix_invoices_lower_code", expression = "lower(code)", statistics = "first=3000")
)]
pub struct Invoice {
    #[column(primary_key, sequence = "START WITH 1000")]
    pub id: i64,
    #[column(deferrable = "initially deferred")]
    pub order_id: i64,
    pub code: String,
}
