use capp_schema::TableModel;

pub struct Money;

#[derive(TableModel)]
#[table(name = "accounts")]
pub struct Account {
    #[column(primary_key)]
    pub id: i64,
    // A Decimal needs its precision and scale.
    pub balance: rust_decimal_like::Decimal,
    // No column type is known for an arbitrary Rust type.
    pub money: Money,
    #[column(on_delete = "explode", references = "users.id")]
    pub owner_id: i64,
    #[column(colour = "blue")]
    pub name: String,
}

#[derive(TableModel)]
pub struct Unnamed {
    pub id: i64,
}

// A key's name without a key.
#[derive(TableModel)]
#[table(name = "tags", primary_key_name = "pk_tags")]
pub struct Tag {
    pub name: String,
}

mod rust_decimal_like {
    pub struct Decimal;
}

fn main() {}
