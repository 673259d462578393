//! The docs show code that compiles: docs/migrations.md's Rust data step is the same text as
//! `examples/data_step.rs`, which `cargo test` builds.

const MIGRATIONS_MD: &str = include_str!("../../docs/migrations.md");
const DATA_STEP: &str = include_str!("../examples/data_step.rs");

#[test]
fn the_data_step_in_the_guide_is_the_example_that_compiles() {
    let marker = "<!-- capp-migrations/examples/data_step.rs -->\n```rust\n";
    let start = MIGRATIONS_MD
        .find(marker)
        .expect("the guide marks the example")
        + marker.len();
    let shown = &MIGRATIONS_MD[start..start + MIGRATIONS_MD[start..].find("```").unwrap()];
    let begin = "// docs/migrations.md: begin\n";
    let from = DATA_STEP.find(begin).unwrap() + begin.len();
    let to = DATA_STEP.find("// docs/migrations.md: end").unwrap();
    assert_eq!(
        shown,
        &DATA_STEP[from..to],
        "docs/migrations.md shows the data step of examples/data_step.rs word for word"
    );
}
