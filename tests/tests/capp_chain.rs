//! CAPP's own history: every file in the versions folder is part of the chain, in order.

use std::collections::BTreeSet;
use std::path::Path;

use capp_migrations::{Migrations, VERSIONS_DIR};
use capp_schema::Chain;
use capp_schema::runner::Position;

#[test]
fn every_file_in_the_versions_folder_is_registered() {
    let chain = Migrations::load().expect("CAPP's chain is valid");
    let registered: BTreeSet<String> = chain
        .migrations()
        .iter()
        .map(|m| {
            Path::new(m.location().file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(VERSIONS_DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .collect();
    assert!(!on_disk.is_empty());
    assert_eq!(
        registered, on_disk,
        "every migration file declares exactly one migration"
    );
}

#[test]
fn file_names_start_with_their_revision() {
    let chain = Migrations::load().unwrap();
    for m in chain.migrations() {
        let file = Path::new(m.location().file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            file.starts_with(&format!("{}_", m.rev())),
            "{file} declares revision {}",
            m.rev()
        );
    }
    assert_eq!(chain.base().down_rev(), None);
}

#[test]
fn checksums_are_stable_and_distinct() {
    let chain = Migrations::load().unwrap();
    let sums: BTreeSet<String> = chain
        .migrations()
        .iter()
        .map(|m| m.checksum().to_string())
        .collect();
    assert_eq!(sums.len(), chain.len());
    let again = Migrations::load().unwrap();
    for (a, b) in chain.migrations().iter().zip(again.migrations()) {
        assert_eq!(a.checksum(), b.checksum());
        assert_eq!(a.upgrade(), b.upgrade(), "recording is deterministic");
    }
}

#[test]
fn the_folded_head_equals_the_table_models() {
    use capp_schema::Dialect;
    use capp_schema::runner::{Config, Migrator};
    let migrator = Migrator::new(Migrations::load().unwrap(), Config::default());
    let head = migrator
        .expected_schema(Position::head(migrator.chain()))
        .unwrap();
    let models = capp_migrations::models::all().schema();
    for dialect in [Dialect::POSTGRES, Dialect::SQLITE] {
        let differences = models.canonical(dialect).diff(&head.canonical(dialect));
        assert!(
            differences.is_empty(),
            "the history's head differs from the models:\n{}",
            differences
                .iter()
                .map(|d| format!("  {d}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
