#[derive(capp_schema::Chain)]
pub struct Migrations {
    name: String,
}

fn main() {}
