use capp_schema::{Action, ColumnType, Models, TableModel};

/// The chain the models belong to, by default.
#[derive(capp_schema::Chain)]
pub struct Migrations;

/// A second chain, which a model names.
#[derive(capp_schema::Chain)]
pub struct Archive;

#[derive(TableModel)]
#[table(name = "archived", chain = crate::Archive)]
pub struct Archived {
    pub id: i64,
}

#[derive(TableModel)]
#[table(name = "accounts", check(name = "ck_accounts_level", expr = "level >= 0"), index(name = "ix_accounts_level", columns(level, id), unique))]
pub struct Account {
    #[column(primary_key)]
    pub id: i64,
    #[column(max_length = 255, unique = "uq_accounts_email", renamed_from = "mail")]
    pub email: String,
    pub nickname: Option<String>,
    #[column(default = "0")]
    pub level: i32,
    #[column(references = "users.id", on_delete = "cascade")]
    pub owner_id: i64,
    #[column(enum_type = "kyc_status", default_str = "pending")]
    pub kyc: String,
    #[column(skip)]
    pub cached: Vec<String>,
}

fn main() {
    let t = Account::table();
    assert_eq!(t.name, "accounts");
    let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "nickname", "level", "owner_id", "kyc"]);
    assert_eq!(t.columns[1].ty, ColumnType::Varchar(255));
    assert!(!t.columns[1].nullable && t.columns[2].nullable);
    assert_eq!(t.columns[5].default.as_deref(), Some("'pending'"));
    assert_eq!(t.primary_key, ["id"]);
    assert_eq!(t.foreign_keys[0].name, "fk_accounts_owner_id");
    assert_eq!(t.foreign_keys[0].on_delete, Action::Cascade);
    assert!(t.indexes[0].unique);
    assert_eq!(Account::renamed_columns(), &[("mail", "email")]);
    // Each model is registered with its chain where it is declared.
    let names = |models: Models| -> Vec<String> {
        models.tables.into_iter().map(|m| m.table.name).collect()
    };
    assert_eq!(names(Models::of::<Migrations>()), ["accounts"]);
    assert_eq!(names(Models::of::<Archive>()), ["archived"]);
}
