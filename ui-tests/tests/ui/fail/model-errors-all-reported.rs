use capp_schema::{Models, PgEnum, TableModel};

// Every mistake of one item is reported, and the item still implements its trait, so the uses
// below add no errors of their own.

#[derive(PgEnum)]
#[pg_enum(nmae = "kyc_status")]
pub enum KycStatus {
    Pending,
    Verified(bool),
}

#[derive(TableModel)]
#[table(check(name = "ck_level"), index(columns(level)), primary(id))]
pub struct Account {
    #[column(primary_key, max_length = "255")]
    pub id: i64,
    #[column(default = "0", default_str = "zero")]
    pub level: i32,
    #[column(references = "users", on_update = "explode")]
    pub owner_id: i64,
    pub balance: rust_decimal_like::Decimal,
    #[column(pg_enum, colour = "blue")]
    pub kyc: KycStatus,
}

mod rust_decimal_like {
    pub struct Decimal;
}

fn main() {
    let _ = Models::default().table::<Account>().pg_enum::<KycStatus>();
    let _ = (Account::table(), KycStatus::NAME);
}
