use capp_schema::{ColumnType, Models, PgEnum, TableModel};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[derive(PgEnum)]
#[allow(dead_code)]
enum KycStatus {
    Pending,
    InReview,
    #[pg_enum(rename = "ok")]
    Verified,
}

#[derive(PgEnum)]
#[pg_enum(name = "payment_state")]
#[allow(dead_code)]
enum State {
    New,
}

#[derive(TableModel)]
#[table(name = "accounts")]
#[allow(dead_code)]
struct Account {
    #[column(primary_key)]
    id: i64,
    #[column(pg_enum)]
    kyc: KycStatus,
    #[column(pg_enum)]
    state: Option<State>,
}

fn main() {
    assert_eq!(KycStatus::NAME, "kyc_status");
    assert_eq!(KycStatus::VALUES, ["pending", "in_review", "ok"]);
    assert_eq!(State::NAME, "payment_state");
    let t = Account::table();
    assert_eq!(t.columns[1].ty, ColumnType::Enum("kyc_status".into()));
    assert!(t.columns[2].nullable);
    let schema = Models::default().table::<Account>().pg_enum::<KycStatus>().pg_enum::<State>().schema();
    assert_eq!(schema.enums["kyc_status"], ["pending", "in_review", "ok"]);
    // Registered where declared: the same schema without a list.
    assert_eq!(Models::of::<Migrations>().schema(), schema);
}
