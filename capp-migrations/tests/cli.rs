//! Drives the real `capp-migrate` binary, each test in a directory of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use capp_schema::{Chain, MigrationChain};

/// CAPP's history as built. The tests compute its head instead of naming it, so a new migration
/// never breaks them; the revisions they name (0001 to 0003) are applied history, which never
/// changes.
fn chain() -> MigrationChain {
    capp_migrations::Migrations::load().expect("CAPP's chain")
}

/// The head revision.
fn head() -> String {
    chain().head().rev().to_owned()
}

/// The head as Alembic's `history` prints it: `0002 -> 0003 (head), message`.
fn head_line() -> String {
    let chain = chain();
    let head = chain.head();
    format!(
        "{} -> {} (head), {}",
        head.down_rev().unwrap_or("<base>"),
        head.rev(),
        head.message()
    )
}

/// The revision after the head plus `n`, as `revision` numbers them.
fn after_head(n: u32) -> String {
    format!("{:04}", head().parse::<u32>().expect("a numeric head") + n)
}

/// A fresh working directory, removed afterwards.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(name: &str) -> WorkDir {
        let dir = std::env::temp_dir().join(format!("capp_cli_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        WorkDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Runs `capp-migrate` here, with no DATABASE_URL in the environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
            .args(args)
            .current_dir(&self.0)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn history_lists_newest_first_in_alembic_form() {
    let dir = WorkDir::new("history");
    let out = dir.run(&["history"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some(head_line().as_str()));
    assert_eq!(lines.last(), Some(&"<base> -> 0001, initial schema"));
    // At base Alembic's `current` prints nothing; what this tool adds is on stderr, and
    // `--check-heads` fails.
    let out = dir.run(&["current"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "sqlite://capp.db does not exist yet\n(base: no migration applied)\n"
    );
    let out = dir.run(&["current", "--check-heads"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).ends_with(&format!(
            "error: sqlite://capp.db is at base, not at the head {}: `capp-migrate upgrade head`\n",
            head()
        )),
        "{}",
        stderr(&out)
    );
    let ranged = stdout(&dir.run(&["history", "-r", "0002:0003"]));
    assert_eq!(ranged.lines().count(), 2);
    assert!(dir.run(&["upgrade", "0002"]).status.success());
    let marked = stdout(&dir.run(&["history", "-i"]));
    assert!(
        marked.contains("0001 -> 0002 (current), add kyc_verified_at timestamp to users"),
        "{marked}"
    );
    let out = dir.run(&["history", "-r", "0002"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("has no colon"), "{}", stderr(&out));
    let out = dir.run(&["history", "-r", "0003:0001"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: history range `0003:0001` runs backwards; write the older revision first: `0001:0003`"
    );
}

#[test]
fn upgrade_head_creates_the_embedded_default_database() {
    let dir = WorkDir::new("default");
    let out = dir.run(&["upgrade", "head"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Each migration is said on stderr as it starts and ends; stdout says where the database is.
    let log = stderr(&out);
    assert!(
        log.starts_with(
            "Running upgrade <base> -> 0001, initial schema\nDone upgrade <base> -> 0001 in "
        ),
        "{log}"
    );
    assert!(
        log.contains("Running upgrade 0002 -> 0003, add status to users, filled from is_active\nDone upgrade 0002 -> 0003 in "),
        "{log}"
    );
    let text = stdout(&out);
    assert_eq!(text, format!("sqlite://capp.db is now at {}\n", head()));
    assert!(dir.path().join("capp.db").exists());
    assert_eq!(
        stdout(&dir.run(&["current"])).trim(),
        format!("{} (head)", head())
    );
    assert!(stdout(&dir.run(&["upgrade", "head"])).contains("nothing to do"));
    let check = dir.run(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}

#[test]
fn the_url_comes_from_the_flag_then_the_environment_then_dot_env() {
    let dir = WorkDir::new("urls");
    std::fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=sqlite://from_dot_env.db\n",
    )
    .unwrap();
    assert!(dir.run(&["upgrade", "0001"]).status.success());
    assert!(dir.path().join("from_dot_env.db").exists());
    assert!(!dir.path().join("capp.db").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["upgrade", "0001"])
        .current_dir(dir.path())
        .env("DATABASE_URL", "sqlite://from_env.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        dir.path().join("from_env.db").exists(),
        "the environment beats .env"
    );
    assert!(
        dir.run(&["--database-url", "sqlite://from_flag.db", "upgrade", "0001"])
            .status
            .success()
    );
    assert!(
        dir.path().join("from_flag.db").exists(),
        "the flag beats both"
    );
}

#[test]
fn a_dot_env_that_does_not_parse_is_an_error_and_nothing_is_migrated() {
    let dir = WorkDir::new("bad_dot_env");
    std::fs::write(
        dir.path().join(".env"),
        "APP_NAME=capp\nDATABASE_URL=\"postgresql://u:secret@localhost/capp_db\nDEBUG=1\n",
    )
    .unwrap();
    let out = dir.run(&["upgrade", "head"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot read .env line 2: it does not parse"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the line's text is never shown: {err}"
    );
    assert!(
        !dir.path().join("capp.db").exists(),
        "no fallback to the default database"
    );
}

#[test]
fn only_the_working_directorys_dot_env_is_read() {
    let parent = WorkDir::new("dot_env_parent");
    std::fs::write(
        parent.path().join(".env"),
        "DATABASE_URL=sqlite://from_parent.db\n",
    )
    .unwrap();
    let child = parent.path().join("child");
    std::fs::create_dir_all(&child).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["upgrade", "0001"])
        .current_dir(&child)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        child.join("capp.db").exists(),
        "the default, not the parent's .env"
    );
    assert!(
        !child.join("from_parent.db").exists() && !parent.path().join("from_parent.db").exists()
    );
}

#[test]
fn destructive_downgrades_need_yes_when_not_on_a_terminal() {
    let dir = WorkDir::new("confirm");
    assert!(dir.run(&["upgrade", "head"]).status.success());
    let out = dir.run(&["downgrade", "base"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: destructive step not confirmed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&dir.run(&["current"])).trim(),
        format!("{} (head)", head()),
        "nothing was undone"
    );
    let out = dir.run(&["downgrade", "base", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Running downgrade 0001 -> <base>, initial schema"));
    let check = dir.run(&["check"]);
    assert_eq!(check.status.code(), Some(3), "behind head");
}

#[test]
fn sql_mode_prints_the_script_and_touches_nothing() {
    let dir = WorkDir::new("offline");
    let out = dir.run(&[
        "--database-url",
        "postgresql://capp_user:pw@localhost/capp_db",
        "upgrade",
        "head",
        "--sql",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(script.contains("CREATE TABLE IF NOT EXISTS \"alembic_version\""));
    assert!(script.contains("CREATE TABLE \"users\""));
    // The version is written only into an empty table, and the script stops if it is not.
    assert!(script.contains(
        "INSERT INTO \"alembic_version\" (version_num) SELECT '0001' WHERE NOT EXISTS (SELECT 1 FROM \"alembic_version\"); IF NOT FOUND THEN RAISE EXCEPTION"
    ), "{script}");
    let down = stdout(&dir.run(&["downgrade", "0003:0002", "--sql"]));
    assert!(
        down.contains("ALTER TABLE \"users\" DROP COLUMN \"status\";"),
        "{down}"
    );
    assert!(
        down.contains("BEGIN IMMEDIATE;"),
        "the default database is SQLite: {down}"
    );
    let err = dir.run(&["downgrade", "-1", "--sql"]);
    assert_eq!(
        err.status.code(),
        Some(1),
        "offline downgrades need FROM:TO"
    );
    assert!(!dir.path().join("capp.db").exists());
}

#[test]
fn errors_are_one_line_with_their_causes_and_a_failure_exit() {
    let dir = WorkDir::new("errors");
    let out = dir.run(&["show", "9999"]);
    assert_eq!(out.status.code(), Some(1));
    let known: Vec<&str> = chain().migrations().iter().map(|m| m.rev()).collect();
    assert_eq!(
        stderr(&out),
        format!(
            "error: can't locate revision identified by '9999'; known revisions are {}\n",
            known.join(", ")
        )
    );
    let out = dir.run(&[
        "--database-url",
        "mysql://root:secret@localhost/db",
        "current",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: unsupported database URL `mysql://root:***@localhost/db`"),
        "{}",
        stderr(&out)
    );
    let out = dir.run(&[
        "--database-url",
        "postgresql://nobody@127.0.0.1:1/none",
        "current",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: cannot connect to postgres://nobody@127.0.0.1:1/none\n  caused by: "
        ),
        "{err}"
    );
}

#[test]
fn show_prints_alembics_entry_and_with_sql_both_directions() {
    let dir = WorkDir::new("show");
    let out = dir.run(&["show", "0002"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let m = chain();
    let m = m.get("0002").unwrap();
    assert_eq!(
        text,
        format!(
            "Rev: 0002\nParent: 0001\nPath: {}/src/versions/0002_add_kyc_verified_at.rs\n\n    add kyc_verified_at timestamp to users\n    \n    Checksum: {}\n\n",
            env!("CARGO_MANIFEST_DIR"),
            m.checksum()
        )
    );
    // Whether it is applied, and the lint of its PostgreSQL SQL, on stderr.
    assert_eq!(
        stderr(&out),
        "Applied to sqlite://capp.db: no (the database does not exist yet)\nLint: 0 findings in 1 migration linted\n"
    );
    let text = stdout(&dir.run(&["show", "0002", "--sql"]));
    assert!(text.contains("ALTER TABLE \"users\" ADD COLUMN \"kyc_verified_at\" TIMESTAMPTZ;"));
    assert!(text.contains("-- Downgrade (sqlite):"));
}

#[test]
fn test_runs_the_guides_round_trip_and_stamp_moves_the_version() {
    let dir = WorkDir::new("roundtrip");
    let out = dir.run(&["test", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    for step in [
        "1. Checking database connectivity",
        "2. Current migration status",
        "3. Applying all migrations",
        "4. Testing rollback",
        "5. Re-applying migrations",
        "Migration test passed",
    ] {
        assert!(text.contains(step), "{step}: {text}");
    }
    let chain = chain();
    let head = chain.head();
    let down = format!(
        "Running downgrade {} -> {}",
        head.rev(),
        head.down_rev().unwrap_or("<base>")
    );
    assert!(text.contains(&down), "{text}");
    let out = dir.run(&["stamp", "0001"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("Stamped sqlite://capp.db from {} to 0001", head.rev())
    );
    assert_eq!(stdout(&dir.run(&["current"])).trim(), "0001");
    assert!(dir.run(&["stamp", "head"]).status.success());
    assert_eq!(
        stdout(&dir.run(&["heads"])).trim(),
        format!("{} (head)", head.rev())
    );
}

#[test]
fn check_reports_schema_drift() {
    let dir = WorkDir::new("drift");
    assert!(dir.run(&["upgrade", "head"]).status.success());
    let db = dir.path().join("capp.db");
    let out = Command::new("sqlite3").arg(&db).arg("CREATE INDEX ix_by_hand ON users (full_name); ALTER TABLE payments DROP COLUMN failure_reason;").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let check = dir.run(&["check"]);
    assert_eq!(check.status.code(), Some(3));
    let text = stdout(&check);
    let head = head();
    assert!(text.contains(&format!("FAILED: schema drift at {head}: column payments.failure_reason TEXT is in the history up to {head}, not in the database; removed by hand")), "{text}");
    assert!(
        text.contains(&format!(
            "FAILED: schema drift at {head}: index ix_by_hand on users (full_name) is in the database, not in the history up to {head}; made by hand?"
        )),
        "{text}"
    );
}

#[test]
fn revision_writes_the_next_file_and_autogenerate_finds_nothing_at_head() {
    let dir = WorkDir::new("revision");
    let versions = dir.path().join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    let versions_arg = versions.to_str().unwrap();
    let out = dir.run(&[
        "revision",
        "-m",
        "add user preferences table",
        "--versions-dir",
        versions_arg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Write its upgrade and its downgrade, then `cargo build`"),
        "{}",
        stdout(&out)
    );
    let (head, next) = (head(), after_head(1));
    let file = versions.join(format!("{next}_add_user_preferences_table.rs"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!(r#"#[migration(rev = "{next}", down_rev = "{head}", message = "add user preferences table")]"#)), "{text}");
    assert!(text.contains(&format!(r#"#[downgrade(rev = "{next}")]"#)));
    let out = dir.run(&[
        "revision",
        "-m",
        "again",
        "--rev-id",
        "0002",
        "--versions-dir",
        versions_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("revision 0002 exists already"),
        "{}",
        stderr(&out)
    );
    // The next revision is written but not built in: it is taken all the same.
    let out = dir.run(&["revision", "-m", "another", "--versions-dir", versions_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("is already written for revision {next}")),
        "{}",
        stderr(&out)
    );
    let out = dir.run(&[
        "revision",
        "-m",
        "two\nlines",
        "--rev-id",
        &after_head(2),
        "--versions-dir",
        versions_arg,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("message is one line"),
        "{}",
        stderr(&out)
    );
    let out = dir.run(&[
        "revision",
        "--autogenerate",
        "-m",
        "nothing",
        "--versions-dir",
        versions_arg,
    ]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        "No changes in schema detected; nothing written"
    );
    assert_eq!(std::fs::read_dir(&versions).unwrap().count(), 1);
}

#[test]
fn offline_scripts_the_wrong_way_name_the_revision_they_start_from() {
    let dir = WorkDir::new("offline_direction");
    let out = dir.run(&["upgrade", "0003:0001", "--sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: 0003:0001 is behind the current revision 0003; use `downgrade 0003:0001`\n"
    );
    let out = dir.run(&["downgrade", "0001:0003", "--sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: 0001:0003 is ahead of the current revision 0001; use `upgrade 0001:0003`\n"
    );
    assert!(!dir.path().join("capp.db").exists());
}

#[test]
fn check_says_why_on_stdout_and_nothing_on_stderr() {
    let dir = WorkDir::new("check_missing");
    let out = dir.run(&["check"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stdout(&out),
        "FAILED: sqlite://capp.db does not exist yet; `capp-migrate upgrade head` creates it\n"
    );
    assert_eq!(stderr(&out), "");
    assert!(!dir.path().join("capp.db").exists());
    assert!(dir.run(&["upgrade", "0002"]).status.success());
    let out = dir.run(&["check"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stdout(&out),
        format!("FAILED: the database is at 0002, not at head {}\n", head())
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let dir = WorkDir::new("closed_pipe");
    for args in [
        &["show", "0001", "--sql"][..],
        &["history", "-v"],
        &["heads"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        // The reader goes away before anything is written, as `| head -0` does.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

#[test]
fn messages_point_the_right_way_and_name_what_they_touch() {
    let dir = WorkDir::new("messages");
    assert!(dir.run(&["upgrade", "0001"]).status.success());
    // A relative target the wrong way suggests the other command, wherever the database is.
    let out = dir.run(&["downgrade", "+1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: +1 is ahead of the current revision 0001; use `upgrade +1`\n"
    );
    // An offline downgrade without FROM says how to write it.
    let out = dir.run(&["downgrade", "0003-2", "--sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: an offline downgrade cannot read where the database is: give the revision it starts from as FROM:TO, e.g. `downgrade {h}:0003-2 --sql` for a database at the head {h}\n",
            h = head()
        )
    );
    // `current` names the database on stderr; stdout stays Alembic's.
    let out = dir.run(&["current"]);
    assert_eq!(stdout(&out), "0001\n");
    assert_eq!(stderr(&out), "Database: sqlite://capp.db\n");
    // A stamp onto a schema that does not match says so.
    let out = dir.run(&["stamp", "head"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).starts_with(&format!(
            "WARNING: the schema is not what the history builds up to {}: ",
            head()
        )) && stderr(&out).contains("is in the history up to"),
        "{}",
        stderr(&out)
    );
    assert!(dir.run(&["stamp", "0001"]).status.success());
    // A destructive downgrade names what it drops.
    let out = dir.run(&["downgrade", "base"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(r#"0001: op.drop_table("users")"#),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_log_lines_carry_the_revision_direction_and_duration() {
    let dir = WorkDir::new("json_log");
    let out = dir.run(&["--log-format", "json", "upgrade", "head"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    let done: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Done "))
        })
        .collect();
    assert_eq!(done.len(), chain().len(), "{lines:?}");
    for line in &done {
        assert!(line["rev"].is_string(), "{line}");
        assert_eq!(line["direction"], "upgrade", "{line}");
        assert!(line["duration_ms"].is_u64(), "{line}");
        assert_eq!(line["database"], "sqlite://capp.db", "{line}");
        assert_eq!(line["level"], "INFO");
    }
    assert_eq!(done[0]["rev"], "0001");
    // Quiet: nothing on stderr but warnings.
    let out = dir.run(&["-q", "downgrade", "-1", "--yes"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

#[test]
fn lint_needs_no_database_and_finds_nothing_in_capps_history() {
    let dir = WorkDir::new("lint");
    let out = dir.run(&["lint"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let n = chain().len();
    assert_eq!(
        stdout(&out),
        format!("0 findings in {n} migrations linted\n")
    );
    // One revision; an unknown one is an error naming it.
    let one = dir.run(&["lint", "0002"]);
    assert_eq!(stdout(&one), "0 findings in 1 migration linted\n");
    let unknown = dir.run(&["lint", "9999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(stderr(&unknown), "error: no migration 9999 in the chain\n");
    // Nothing was created: the lint reads no database.
    assert!(!dir.0.join("capp.db").exists());
}

#[test]
fn fleet_runs_each_target_and_reports_a_table_json_and_exit_codes() {
    let dir = WorkDir::new("fleet");
    // Three SQLite files; the second has a table but no version table (it needs `stamp`).
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    std::fs::write(
        dir.path().join("targets.txt"),
        format!(
            "# three tenants\n{}\n{}   # broken on purpose\n{}\n",
            url("a.db"),
            url("b.db"),
            url("c.db")
        ),
    )
    .unwrap();
    let stray = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["--database-url", &url("b.db"), "upgrade", "0001"])
        .output()
        .unwrap();
    assert!(stray.status.success());
    // Remove its version table: tables without one.
    sqlite_sql(&dir.path().join("b.db"), "DROP TABLE alembic_version");
    let out = dir.run(&["fleet", "--targets", "targets.txt", "upgrade"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("TARGET"), "{table}");
    assert!(
        lines[1].contains("a.db") && lines[1].contains(&format!("base  {}", head())),
        "{table}"
    );
    assert!(
        lines[2].contains("b.db") && lines[2].contains("failed") && lines[2].contains("stamp"),
        "{table}"
    );
    assert!(
        lines[4].starts_with("3 targets in ") && lines[4].ends_with(": 2 done, 1 failed"),
        "{table}"
    );
    assert!(
        stderr(&out).contains("error: 1 of 3 targets failed"),
        "{}",
        stderr(&out)
    );
    fleet_json_from_stdin(&dir, &[url("a.db"), url("c.db")]);
    // `check` with drift on one: exit 3.
    sqlite_sql(
        &dir.path().join("c.db"),
        "CREATE INDEX ix_by_hand ON users (email)",
    );
    std::fs::write(
        dir.path().join("good.txt"),
        format!("{}\n{}\n", url("a.db"), url("c.db")),
    )
    .unwrap();
    let out = dir.run(&["fleet", "--targets", "good.txt", "check"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("drift"), "{}", stdout(&out));
    // A list that does not read names its line; nothing runs.
    std::fs::write(
        dir.path().join("bad.txt"),
        format!("{}\n{}\n", url("a.db"), url("a.db")),
    )
    .unwrap();
    let out = dir.run(&["fleet", "--targets", "bad.txt", "current"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("error: the target list bad.txt does not read\n  caused by: line 2: "),
        "{}",
        stderr(&out)
    );
}

/// `fleet --targets - --format json upgrade` over `urls`, all at head already.
fn fleet_json_from_stdin(dir: &WorkDir, urls: &[String]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["fleet", "--targets", "-", "--format", "json", "upgrade"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    let list: String = urls.iter().map(|u| format!("{u}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["summary"]["targets"], urls.len());
    assert_eq!(json["summary"]["failed"], 0);
    assert_eq!(json["results"][0]["result"], "at target");
    assert_eq!(json["results"][1]["to"], head());
}

/// Runs SQL on a SQLite file (`capp-migrate` has no SQL command).
fn sqlite_sql(path: &Path, sql: &str) {
    tokio_runtime().block_on(async {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
