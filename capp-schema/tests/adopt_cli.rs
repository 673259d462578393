//! The `capp-schema` binary's `adopt` on a real PostgreSQL database: the revision Alembic reports
//! (decimal, or not), the errors a user can make, and `--stamp`, which builds the new crate and
//! records the database at its baseline.
//!
//! Databases are made and dropped with `psql` against `CAPP_TEST_POSTGRES_URL` (else the local
//! server), as the other PostgreSQL tests do.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn admin_url() -> String {
    std::env::var("CAPP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database of its own, with `sql` run in it; dropped with the value.
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn new(tag: &str, sql: &str) -> Option<Database> {
        let name = format!("capp_adopt_cli_{tag}_{}", std::process::id());
        let admin = admin_url();
        if !psql(&admin, &format!("CREATE DATABASE \"{name}\"")) {
            assert!(
                std::env::var_os("CAPP_SKIP_POSTGRES").is_some_and(|v| v == "1"),
                "PostgreSQL at {admin} is unreachable (set CAPP_SKIP_POSTGRES=1 to skip)"
            );
            eprintln!("SKIPPED (CAPP_SKIP_POSTGRES=1): no PostgreSQL");
            return None;
        }
        let (base, _) = admin.rsplit_once('/').expect("the URL names a database");
        let db = Database {
            url: format!("{base}/{name}"),
            name,
        };
        assert!(psql(&db.url, sql), "setting up {}", db.name);
        Some(db)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        psql(
            &admin_url(),
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn query(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-At", "-d", url, "-c", sql])
        .output()
        .expect("psql runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn adopt(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capp-schema"))
        .arg("adopt")
        .args(args)
        .arg("--into")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("capp-schema runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("capp_adopt_cli_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const SCHEMA: &str = "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE VIEW emails AS SELECT email FROM accounts;
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);";

#[test]
fn a_decimal_alembic_revision_becomes_the_baseline_and_a_hexadecimal_one_is_explained() {
    let Some(db) = Database::new(
        "decimal",
        &format!("{SCHEMA} INSERT INTO alembic_version VALUES ('0042');"),
    ) else {
        return;
    };
    let dir = scratch("decimal");
    let out = adopt(&["--database-url", &db.url], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "Adopted 1 tables, 0 enum types, 0 extensions and 1 named objects as revision 0042"
        ),
        "{stdout}"
    );
    let baseline = std::fs::read_to_string(dir.join("src/versions/0042_baseline.rs")).unwrap();
    assert!(baseline.contains("#[migration(rev = \"0042\", down_rev = None"));
    assert!(baseline.contains("op.create_view(\"emails\""));
    // The crate is named after its folder.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!(
        "name = \"capp_adopt_cli_decimal_{}\"",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&dir);

    let Some(hex) = Database::new(
        "hex",
        &format!("{SCHEMA} INSERT INTO alembic_version VALUES ('ae1027a6acf');"),
    ) else {
        return;
    };
    let dir = scratch("hex");
    let out = adopt(&["--database-url", &hex.url, "--name", "billing"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(
            "note: the database is at Alembic revision ae1027a6acf, which is not a decimal id"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(dir.join("src/versions/0001_baseline.rs").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mistakes_are_refused_with_what_to_do_and_nothing_is_written() {
    let Some(db) = Database::new("mistakes", SCHEMA) else {
        return;
    };
    let dir = scratch("mistakes");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--database-url", &db.url, "--rev", "ae10"],
            "error: revision id `ae10` is not decimal digits",
        ),
        (
            &["--database-url", "sqlite://capp.db"],
            "error: adopt reads PostgreSQL databases",
        ),
        (&[], "error: no database to adopt: pass --database-url"),
    ];
    for (args, expected) in cases {
        let out = adopt(args, &dir);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).starts_with(expected),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!dir.exists(), "{args:?} wrote {}", dir.display());
    }
    // A folder that holds anything is not written into.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = adopt(&["--database-url", &db.url], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not empty: adopt writes a new crate"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--stamp` builds the new crate (in a workspace with this one's lock file, with the target
/// folder the adoption test uses) and records the database at the baseline: `check` is then
/// clean.
#[test]
fn stamp_builds_the_crate_and_records_the_baseline() {
    let Some(db) = Database::new("stamp", SCHEMA) else {
        return;
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let workspace = scratch("stamp");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(
        workspace.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"accounts\"]\n",
    )
    .unwrap();
    std::fs::copy(repo.join("Cargo.lock"), workspace.join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capp-schema"))
        .args([
            "adopt",
            "--database-url",
            &db.url,
            "--stamp",
            "--capp-schema-path",
        ])
        .arg(repo.join("capp-schema"))
        .arg("--into")
        .arg(workspace.join("accounts"))
        .env("CARGO_TARGET_DIR", repo.join("target/adopt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("is now at 0001") || text(&out.stdout).contains("Stamped"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        query(&db.url, "SELECT version_num FROM alembic_version"),
        "0001"
    );
    let check = Command::new(repo.join("target/adopt/debug/accounts"))
        .args(["--database-url", &db.url, "check"])
        .output()
        .unwrap();
    assert!(
        text(&check.stdout).starts_with("OK: "),
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    let _ = std::fs::remove_dir_all(&workspace);
}
