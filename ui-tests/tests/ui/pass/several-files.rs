//! Migrations spread over modules and files, declared in no particular order.

use capp_schema::Chain;

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[path = "several-files/v0003.rs"]
mod v0003;
#[path = "several-files/v0001.rs"]
mod v0001;

#[path = "several-files/nested.rs"]
mod nested;

fn main() {
    let chain = Migrations::load().expect("a valid chain");
    let revs: Vec<_> = chain.migrations().iter().map(|m| m.rev()).collect();
    assert_eq!(revs, ["0001", "0002", "0003"]);
    assert!(chain.migrations()[1].location().file.ends_with("v0002.rs"));
}
