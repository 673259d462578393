#[path = "v0002.rs"]
mod v0002;
