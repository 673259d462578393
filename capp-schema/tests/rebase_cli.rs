//! `capp-schema rebase` on a crate that really builds: two branches each added a migration 0004
//! after 0003, so the crate does not compile; `rebase` moves one after the other, the crate
//! builds, its history round-trips on SQLite, and a database that applied the moved migration
//! under its old id is put right by the commands `rebase` prints (and, the other way it names,
//! by the old code's downgrade).
//!
//! The crate is written to a temporary directory: CAPP's first three migrations, the versions
//! folder's `build.rs` of `capp-migrations`, a path dependency on this `capp-schema`, the
//! workspace's `Cargo.lock`. It builds into the workspace's target directory, so the dependencies
//! are not built again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capp-schema is in the workspace")
        .to_owned()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeeded(command: &mut Command) -> String {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A migration that adds `column` to `users`, as the other branch's author would write it.
fn migration(rev: &str, down_rev: &str, column: &str) -> String {
    format!(
        r#"//! A branch's migration.

use capp_schema::{{ColumnType, Operations, downgrade, migration}};

#[migration(rev = "{rev}", down_rev = "{down_rev}", message = "add {column} to users")]
fn upgrade(op: &mut Operations) {{
    op.add_column("users", "{column}", ColumnType::Varchar(32));
}}

#[downgrade(rev = "{rev}")]
fn downgrade(op: &mut Operations) {{
    op.drop_column("users", "{column}");
}}
"#
    )
}

/// The crate: a migration binary over a versions folder.
struct Proof(PathBuf);

const NAME: &str = "capp-rebase-proof";

impl Proof {
    fn new(tag: &str) -> Proof {
        let dir =
            std::env::temp_dir().join(format!("capp_rebase_cli_{tag}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let versions = dir.join("src/versions");
        std::fs::create_dir_all(&versions).unwrap();
        let capp = repo().join("capp-migrations");
        for name in [
            "0001_initial_schema.rs",
            "0002_add_kyc_verified_at.rs",
            "0003_add_user_status.rs",
        ] {
            std::fs::copy(capp.join("src/versions").join(name), versions.join(name)).unwrap();
        }
        std::fs::copy(capp.join("build.rs"), dir.join("build.rs")).unwrap();
        std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        let manifest = format!(
            "[package]\nname = \"{NAME}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\ncapp-schema = {{ path = {:?}, features = [\"cli\"] }}\n\
             tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\", \"time\", \"sync\"] }}\n\n\
             [workspace]\n\n[profile.dev.package.\"*\"]\ndebug = false\n\n\
             [profile.dev.package.capp-schema]\ndebug = true\n",
            repo().join("capp-schema").display().to_string()
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::write(
            dir.join("src/lib.rs"),
            "#[derive(capp_schema::Chain, Debug)]\npub struct Migrations;\n\n\
             #[allow(clippy::too_many_lines)]\nmod versions {\n    include!(concat!(env!(\"OUT_DIR\"), \"/versions.rs\"));\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "#[tokio::main]\nasync fn main() -> std::process::ExitCode {\n    \
             capp_schema::cli::main::<capp_rebase_proof::Migrations>(capp_schema::cli::Project::default()).await\n}\n",
        )
        .unwrap();
        Proof(dir)
    }

    fn versions(&self) -> PathBuf {
        self.0.join("src/versions")
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.versions())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn target(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), PathBuf::from)
    }

    fn build(&self) -> Output {
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(self.0.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", self.target())
            .output()
            .expect("cargo runs")
    }

    fn binary(&self) -> PathBuf {
        self.target().join("debug").join(NAME)
    }

    fn rebase(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capp-schema"))
            .arg("rebase")
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("capp-schema runs")
    }
}

impl Drop for Proof {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `binary --database-url sqlite://db args...`.
fn migrate(binary: &Path, db: &Path, args: &[&str]) -> String {
    succeeded(
        Command::new(binary)
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null()),
    )
}

const EXPECTED: &str = "\
0004_add_phone.rs -> 0005_add_phone.rs: rev 0004 -> 0005, down_rev 0003 -> 0004
Moved 1 migration after 0004 (0004_add_email.rs), the head of the other branch. Build it: cargo build
A database that applied 0004 under the old id has those changes but not the other branch's, which now come first.
Put it right with the rebased code:
  capp-migrate stamp 0005
  capp-migrate accept 0004
  capp-migrate downgrade 0004
  capp-migrate stamp 0003
  capp-migrate upgrade head
Or, with the code as it was before the merge: capp-migrate downgrade 0003; then, with the rebased code: capp-migrate upgrade head
";

#[test]
fn two_branches_that_added_the_same_revision_build_after_a_rebase() {
    let proof = Proof::new("branches");
    let versions = proof.versions();
    // Branch B: its developer's database applies 0004 (phone).
    std::fs::write(
        versions.join("0004_add_phone.rs"),
        migration("0004", "0003", "fax_number"),
    )
    .unwrap();
    let built = proof.build();
    assert!(built.status.success(), "{}", text(&built));
    let old_binary = proof.0.join("old-binary");
    std::fs::copy(proof.binary(), &old_binary).unwrap();
    let by_commands = proof.0.join("b.db");
    migrate(&old_binary, &by_commands, &["upgrade", "head"]);
    let by_old_code = proof.0.join("b-old-code.db");
    migrate(&old_binary, &by_old_code, &["upgrade", "head"]);
    // Branch A landed first with its own 0004 (email): the merged crate does not build.
    std::fs::write(
        versions.join("0004_add_email.rs"),
        migration("0004", "0003", "backup_email"),
    )
    .unwrap();
    let broken = proof.build();
    assert!(!broken.status.success());
    let error = text(&broken);
    assert!(
        error.contains("conflicting implementations of trait")
            && error.contains("Revision<4>` for type `Migrations`"),
        "{error}"
    );
    let before = proof.files();
    let dry = proof.rebase(&["src/versions/0004_add_phone.rs", "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).starts_with(EXPECTED.lines().next().unwrap()));
    assert_eq!(proof.files(), before, "--dry-run writes nothing");

    let rebased = proof.rebase(&["src/versions/0004_add_phone.rs"]);
    assert!(rebased.status.success(), "{}", text(&rebased));
    let printed = String::from_utf8_lossy(&rebased.stdout).into_owned();
    eprintln!("{printed}");
    assert_eq!(printed, EXPECTED);
    let built = proof.build();
    assert!(built.status.success(), "{}", text(&built));
    round_trip(&proof);
    put_right(&proof, &printed, &by_commands);
    // The other way: the old code's downgrade, then the rebased code's upgrade.
    migrate(&old_binary, &by_old_code, &["downgrade", "0003", "--yes"]);
    migrate(&proof.binary(), &by_old_code, &["upgrade", "head"]);
    let check = migrate(&proof.binary(), &by_old_code, &["check"]);
    assert!(check.starts_with("OK: "), "{check}");
}

/// The rebased history, on a new database: up to head, down to base, up again, checked.
fn round_trip(proof: &Proof) {
    let db = proof.0.join("fresh.db");
    let binary = proof.binary();
    migrate(&binary, &db, &["upgrade", "head"]);
    let history = migrate(&binary, &db, &["history"]);
    assert!(history.contains("0004 -> 0005 (head)"), "{history}");
    migrate(&binary, &db, &["downgrade", "base", "--yes"]);
    migrate(&binary, &db, &["upgrade", "head"]);
    let check = migrate(&binary, &db, &["check"]);
    assert!(check.starts_with("OK: "), "{check}");
}

/// Branch B's database, put right by the commands the rebase printed: at head, no drift.
fn put_right(proof: &Proof, printed: &str, db: &Path) {
    let commands: Vec<Vec<&str>> = printed
        .lines()
        .filter_map(|line| line.strip_prefix("  capp-migrate "))
        .map(|command| command.split_whitespace().collect())
        .collect();
    assert_eq!(commands.len(), 5, "{printed}");
    for mut args in commands {
        if args[0] == "downgrade" {
            args.push("--yes");
        }
        migrate(&proof.binary(), db, &args);
    }
    let check = migrate(&proof.binary(), db, &["check"]);
    assert!(check.starts_with("OK: "), "{check}");
}

#[test]
fn refusals_are_one_error_line_and_a_failure() {
    let proof = Proof::new("refusals");
    let versions = proof.versions();
    let linear = proof.rebase(&["src/versions/0003_add_user_status.rs"]);
    assert_eq!(linear.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&linear.stderr),
        "error: the history in src/versions is already linear (head 0003): there is no other branch to move src/versions/0003_add_user_status.rs after\n"
    );
    std::fs::write(versions.join("notes.rs"), "// not a migration\n").unwrap();
    let not_one = proof.rebase(&["src/versions/notes.rs"]);
    assert_eq!(not_one.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&not_one.stderr)
            .starts_with("error: src/versions/notes.rs is not a migration file"),
        "{}",
        text(&not_one)
    );
    std::fs::write(versions.join("0004_broken.rs"), "fn (\n").unwrap();
    let broken = proof.rebase(&["src/versions/0003_add_user_status.rs"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stderr)
            .starts_with("error: cannot parse src/versions/0004_broken.rs line 1: "),
        "{}",
        text(&broken)
    );
}
