use capp_schema::{PgEnum, TableModel};

#[derive(PgEnum)]
#[pg_enum(name = "kyc_status", name = "kyc_state")]
pub enum KycStatus {
    Pending,
    #[pg_enum(rename = "ok")]
    #[pg_enum(rename = "verified")]
    Verified,
}

#[derive(TableModel)]
#[table(name = "accounts", check(name = "ck_level", expr = "level >= 0", expr = "level < 10"))]
#[table(name = "users", index(name = "ix_level", columns(level), unique, unique))]
pub struct Account {
    #[column(primary_key, primary_key)]
    pub id: i64,
    #[column(max_length = 255)]
    #[column(max_length = 64)]
    pub email: String,
    #[column(references = "users.id", on_delete = "cascade", on_delete = "restrict")]
    pub owner_id: i64,
    pub level: i32,
}

fn main() {}
