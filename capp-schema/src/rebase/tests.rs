use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

/// A versions folder of its own, removed with the value.
struct Dir(PathBuf);

impl Dir {
    fn new(files: &[(&str, &str)]) -> Dir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "capp_rebase_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        Dir(dir)
    }

    fn plan(&self, file: &str) -> Result<Plan, RebaseError> {
        plan(&RebaseOptions {
            file: self.0.join(file),
            ..RebaseOptions::default()
        })
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A migration file as `revision` writes it.
fn migration(rev: &str, down_rev: Option<&str>, column: &str) -> String {
    let down_rev = down_rev.map_or("None".to_owned(), |d| format!("{d:?}"));
    format!(
        r#"//! Adds {column}; the literal "{rev}" in a comment stays.

use capp_schema::{{ColumnType, Operations, downgrade, migration}};

#[migration(
    rev = "{rev}",
    down_rev = {down_rev},
    message = "add {column}"
)]
fn upgrade(op: &mut Operations) {{
    op.add_column("users", "{column}", ColumnType::Text);
    op.execute("SELECT '{rev}'");
}}

#[downgrade(rev = "{rev}")]
fn downgrade(op: &mut Operations) {{
    op.drop_column("users", "{column}");
}}
"#
    )
}

/// 0001 to 0003 in a line.
fn history() -> Vec<(String, String)> {
    vec![
        ("0001_a.rs".to_owned(), migration("0001", None, "a")),
        ("0002_b.rs".to_owned(), migration("0002", Some("0001"), "b")),
        ("0003_c.rs".to_owned(), migration("0003", Some("0002"), "c")),
    ]
}

fn folder(extra: &[(&str, String)]) -> Dir {
    let mut files = history();
    files.extend(extra.iter().map(|(n, t)| ((*n).to_owned(), t.clone())));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Dir::new(&files)
}

#[test]
fn a_duplicate_revision_moves_after_the_other_one() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
    ]);
    let plan = dir.plan("0004_add_phone.rs").unwrap();
    let lines: Vec<String> = plan.moves.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["0004_add_phone.rs -> 0005_add_phone.rs: rev 0004 -> 0005, down_rev 0003 -> 0004"]
    );
    assert_eq!(plan.onto.file, "0004_add_email.rs");
    assert_eq!(
        plan.repair(),
        Repair::Commands(
            [
                "stamp 0005",
                "accept 0004",
                "downgrade 0004",
                "stamp 0003",
                "upgrade head"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    // Planning writes nothing.
    assert!(dir.names().contains(&"0004_add_phone.rs".to_owned()));
    plan.apply().unwrap();
    assert_eq!(
        dir.names(),
        [
            "0001_a.rs",
            "0002_b.rs",
            "0003_c.rs",
            "0004_add_email.rs",
            "0005_add_phone.rs"
        ]
    );
    // The attributes' ids change, and nothing else.
    let expected = migration("0004", Some("0003"), "phone")
        .replace("rev = \"0004\"", "rev = \"0005\"")
        .replace("down_rev = \"0003\"", "down_rev = \"0004\"");
    assert_eq!(dir.read("0005_add_phone.rs"), expected);
    assert!(matches!(
        dir.plan("0005_add_phone.rs"),
        Err(RebaseError::AlreadyLinear { .. })
    ));
}

#[test]
fn a_branch_moves_with_its_followers() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        (
            "0005_add_phone.rs",
            migration("0005", Some("0003"), "phone"),
        ),
        ("0006_add_fax.rs", migration("0006", Some("0005"), "fax")),
    ]);
    let plan = dir.plan("0004_add_email.rs").unwrap();
    let lines: Vec<String> = plan.moves.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["0004_add_email.rs -> 0007_add_email.rs: rev 0004 -> 0007, down_rev 0003 -> 0006"]
    );
    let plan = dir.plan("0005_add_phone.rs").unwrap();
    let lines: Vec<String> = plan.moves.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "0005_add_phone.rs: rev 0005 (unchanged), down_rev 0003 -> 0004",
            "0006_add_fax.rs: rev 0006 (unchanged), down_rev 0005 -> 0005"
        ]
    );
    plan.apply().unwrap();
    assert!(
        dir.read("0005_add_phone.rs")
            .contains("down_rev = \"0004\"")
    );
    assert!(matches!(
        dir.plan("0006_add_fax.rs"),
        Err(RebaseError::AlreadyLinear { .. })
    ));
}

#[test]
fn a_second_base_and_a_lettered_file_name() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        ("0004a_add_phone.rs", migration("0009", None, "phone")),
    ]);
    let plan = dir.plan("0004a_add_phone.rs").unwrap();
    assert_eq!(
        plan.moves[0].to_string(),
        "0004a_add_phone.rs -> 0005_add_phone.rs: rev 0009 -> 0005, down_rev None -> 0004"
    );
    assert_eq!(plan.old_parent(), "base");
    plan.apply().unwrap();
    assert!(
        dir.read("0005_add_phone.rs")
            .contains("down_rev = \"0004\",")
    );
}

#[test]
fn a_follower_of_a_duplicated_id_is_named() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        ("0005_index_email.rs", migration("0005", Some("0004"), "x")),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
    ]);
    let error = dir.plan("0004_add_phone.rs").unwrap_err();
    assert!(matches!(error, RebaseError::AmbiguousFollower { .. }));
    assert!(error.to_string().contains("--leave"), "{error}");
    let leave = plan(&RebaseOptions {
        file: dir.0.join("0004_add_phone.rs"),
        leave: vec![dir.0.join("0005_index_email.rs")],
        ..RebaseOptions::default()
    })
    .unwrap();
    assert_eq!(leave.moves.len(), 1);
    assert_eq!(leave.moves[0].new_rev, "0006");
    let with = plan(&RebaseOptions {
        file: dir.0.join("0004_add_phone.rs"),
        with: vec![dir.0.join("0005_index_email.rs")],
        ..RebaseOptions::default()
    })
    .unwrap();
    let to: Vec<&str> = with.moves.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["0005_add_phone.rs", "0006_index_email.rs"]);
}

#[test]
fn the_errors_name_the_file_and_the_fix() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
        ("helpers.rs", "pub fn x() {}\n".to_owned()),
    ]);
    let not_a_migration = dir.plan("helpers.rs").unwrap_err();
    assert!(matches!(not_a_migration, RebaseError::NotAMigration { .. }));
    assert!(
        not_a_migration
            .to_string()
            .contains("helpers.rs is not a migration file")
    );
    assert!(matches!(
        dir.plan("0009_missing.rs"),
        Err(RebaseError::Read { .. })
    ));
    let ancestor = dir.plan("0003_c.rs").unwrap_err();
    assert!(
        ancestor
            .to_string()
            .contains("comes before both branches (0004_add_email.rs, 0004_add_phone.rs)"),
        "{ancestor}"
    );
}

#[test]
fn an_already_linear_history_is_refused() {
    let dir = folder(&[]);
    let error = dir.plan("0003_c.rs").unwrap_err();
    assert!(matches!(error, RebaseError::AlreadyLinear { ref head, .. } if head == "0003"));
    assert!(
        error
            .to_string()
            .contains("is already linear (head 0003): there is no other branch"),
        "{error}"
    );
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    let broken = migration("0004", Some("0003"), "email").replace("fn upgrade(", "fn upgrade((");
    let dir = folder(&[
        ("0004_add_email.rs", broken),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
    ]);
    let error = dir.plan("0004_add_phone.rs").unwrap_err();
    assert!(
        matches!(&error, RebaseError::Parse { path, line: 10, .. } if path.ends_with("0004_add_email.rs")),
        "{error:?}"
    );
    let bad_id = migration("0004", Some("0003"), "email").replace("\"0004\"", "\"00a4\"");
    let dir = folder(&[
        ("0004_add_email.rs", bad_id),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
    ]);
    let error = dir.plan("0004_add_phone.rs").unwrap_err().to_string();
    assert!(error.contains("`00a4` is not a revision id"), "{error}");
    assert!(error.contains("0004_add_email.rs line 5"), "{error}");
}

#[test]
fn a_file_that_would_be_overwritten_is_refused_and_nothing_changes() {
    let dir = folder(&[
        (
            "0004_add_email.rs",
            migration("0004", Some("0003"), "email"),
        ),
        (
            "0004_add_phone.rs",
            migration("0004", Some("0003"), "phone"),
        ),
        ("0005_add_phone.rs", "// not a migration\n".to_owned()),
    ]);
    let before = dir.names();
    let error = dir.plan("0004_add_phone.rs").unwrap_err();
    assert!(matches!(error, RebaseError::WouldOverwrite { .. }));
    assert!(
        error
            .to_string()
            .contains("0005_add_phone.rs, which does not move: rename or remove it first"),
        "{error}"
    );
    assert_eq!(dir.names(), before);
}

#[test]
fn file_names_take_the_new_id() {
    assert_eq!(renamed("0004_add_x.rs", "0005"), "0005_add_x.rs");
    assert_eq!(renamed("0004a_add_x.rs", "0005"), "0005_add_x.rs");
    assert_eq!(renamed("0004.rs", "0005"), "0005.rs");
    assert_eq!(renamed("add_x.rs", "0005"), "0005_add_x.rs");
}
