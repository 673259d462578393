//! Alembic as the oracle: one ten-revision history written twice (`tests/fixtures/alembic/`
//! for Alembic, the same SQL through `op.execute`; `tests/src/bin/alembic-twin/` for
//! capp-schema, through its operations), each driven through the same commands on a database of
//! its own. After every command the two must agree on success or failure, the version table
//! (rows and definition), the schema and data (`pg_dump` without the bookkeeping tables), and,
//! for the read-only commands, the text on stdout.
//!
//! The Alembic is the pinned one of `tests/fixtures/alembic/requirements.txt`, in a venv that
//! `scripts/alembic-venv` makes (under `target/tmp/`, or `CAPP_ALEMBIC` names an `alembic`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use capp_schema_tests::PgDb;

/// What a command is compared on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A read-only command: its stdout must be the same text.
    Reads,
    /// A command that may change the database: the database must be the same after it.
    Changes,
}
use Kind::{Changes, Reads};

/// The commands, in order, from a database with nothing in it. The failures are on purpose:
/// an unknown target, a wrong direction, a range backwards or without a colon, an upgrade that
/// fails in SQL (0004's rows are there after `stamp 0003`), a database not at the head.
const STEPS: &[(Kind, &str)] = &[
    (Reads, "current"),
    (Reads, "current -v"),
    (Reads, "history"),
    (Reads, "heads"),
    (Reads, "history -i"),
    (Reads, "current --check-heads"),
    (Changes, "upgrade +2"),
    (Reads, "current"),
    (Reads, "history -i"),
    (Reads, "history -r 0001:0002"),
    (Reads, "history -r current:"),
    (Reads, "history -r :current"),
    (Reads, "history -i -r base:0003"),
    (Changes, "upgrade 0005"),
    (Changes, "upgrade 0005+2"),
    (Reads, "current"),
    (Changes, "downgrade -1"),
    (Changes, "downgrade 0003"),
    (Reads, "current -v"),
    (Changes, "upgrade 9999"),
    (Changes, "downgrade +1"),
    (Changes, "downgrade 0005"),
    (Changes, "stamp 0007"),
    (Reads, "current"),
    (Reads, "history -i -r 0006:0008"),
    (Changes, "upgrade head"),
    (Reads, "current"),
    (Reads, "current --check-heads"),
    (Reads, "heads -v"),
    (Reads, "history -v"),
    (Reads, "history -i -v -r 0009:"),
    (Reads, "show 0005"),
    (Reads, "show head"),
    (Reads, "show current"),
    (Changes, "stamp 0003"),
    (Reads, "current"),
    (Changes, "upgrade head"),
    (Changes, "stamp head"),
    (Changes, "downgrade base"),
    (Reads, "current"),
    (Reads, "history -i"),
    (Changes, "downgrade -1"),
    (Reads, "history -r 0003:0001"),
    (Reads, "history -r 0002"),
    (Reads, "history -r 9999:"),
    (Reads, "show 9999"),
    (Changes, "upgrade head"),
    (Changes, "downgrade -3"),
    (Changes, "upgrade +1"),
    (Reads, "history -r current:head"),
    (Changes, "stamp base"),
    (Reads, "current"),
    (Changes, "upgrade 0004"),
    (Reads, "current"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/alembic")
}

/// The pinned Alembic: `CAPP_ALEMBIC`, else the venv under `target/tmp/`, made if missing.
fn alembic() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CAPP_ALEMBIC") {
        return Some(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("alembic-venv");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/alembic-venv");
    let made = Command::new(&script).arg(&venv).output();
    match made {
        Ok(out) if out.status.success() => Some(venv.join("bin/alembic")),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if std::env::var_os("CAPP_SKIP_ALEMBIC").is_some_and(|v| v == "1") {
                eprintln!("SKIPPED (CAPP_SKIP_ALEMBIC=1): no Alembic: {why}");
                return None;
            }
            panic!(
                "`{} {}` could not make the pinned Alembic's venv: {why}\nThe Alembic compatibility test needs python3 with venv and pip, and PyPI (or CAPP_ALEMBIC naming an `alembic` of the pinned version). To run without it, set CAPP_SKIP_ALEMBIC=1: it is then skipped, not passed.",
                script.display(),
                venv.display()
            );
        }
    }
}

/// Which tool a side runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tool {
    Alembic,
    CappSchema,
}

/// One side: a tool's program and the database it runs against.
#[derive(Debug)]
struct Side {
    tool: Tool,
    db: PgDb,
    program: PathBuf,
}

impl Side {
    /// The URL in Alembic's spelling, which both sides are given.
    fn url(&self) -> String {
        self.db
            .url
            .replacen("postgres://", "postgresql+psycopg2://", 1)
    }

    fn run(&self, command: &str) -> Output {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        let mut cmd = Command::new(&self.program);
        if self.tool == Tool::Alembic {
            cmd.arg("-c")
                .arg(fixtures().join("alembic.ini"))
                .env("ALEMBIC_URL", self.url());
        } else {
            cmd.env("DATABASE_URL", self.url());
            // Where nobody can confirm it, capp-migrate asks for `-y` before a downgrade that
            // drops data; Alembic has no such question.
            if args[0] == "downgrade" {
                args.push("-y");
            }
        }
        cmd.args(&args).output().expect("the command runs")
    }

    /// Runs `command`, then reads the version table and the contents.
    fn step(&self, command: &str) -> (Output, (String, String)) {
        let out = self.run(command);
        (out, (self.versions(), self.contents()))
    }

    /// The version table's rows and, when it has any, its definition.
    fn versions(&self) -> String {
        let rows = psql(
            &self.db.url,
            "SELECT coalesce(string_agg(version_num, ',' ORDER BY version_num), '(none)') FROM alembic_version",
        );
        // Alembic's `history -i` makes an empty version table where there is none; this
        // tool's read-only commands write nothing (docs/migrations.md): no table and an empty
        // one are the same state.
        if rows.contains("does not exist") || rows == "(none)" {
            return "(none)".to_owned();
        }
        format!(
            "{rows}\n{}",
            pg_dump(&self.db.url, &["--schema-only", "--table=alembic_version"])
        )
    }

    /// Schema and data, without the bookkeeping tables of either tool.
    fn contents(&self) -> String {
        pg_dump(
            &self.db.url,
            &[
                "--exclude-table=alembic_version",
                "--exclude-table=capp_schema_history*",
            ],
        )
    }
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-XAtqc", sql])
        .output()
        .expect("psql runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// `pg_dump`'s plain output, without what differs between two dumps of equal databases (the
/// random key of `\restrict`).
fn pg_dump(url: &str, args: &[&str]) -> String {
    let out = Command::new("pg_dump")
        .args(["--no-owner", "--no-privileges", "--dbname", url])
        .args(args)
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Stdout with what is documented to differ made equal: the database named by `current -v`
/// (each side's own, which capp-schema spells `postgres://`), a verbose entry's path (Alembic's `.py`, the twin's `.rs`: the file's
/// stem is compared), and the lines of its docstring after the message (Alembic's `Revision
/// ID:` and `Create Date:`, the twin's checksum).
fn normalized(side: &Side, stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let mut out = Vec::new();
    let mut after_path = 0;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("Path: ") {
            let stem = Path::new(path).file_stem().and_then(|s| s.to_str());
            out.push(format!("Path: .../{}", stem.unwrap_or(path)));
            after_path = 1;
            continue;
        }
        if line.starts_with("    ") {
            // The docstring: its first line (the message) only.
            if after_path == 2 {
                out.push(line.to_owned());
            }
            after_path = 3;
            continue;
        }
        if line.is_empty() && after_path == 1 {
            after_path = 2;
        } else if !line.is_empty() {
            after_path = 0;
        }
        out.push(
            line.replace(&side.url(), "<url>")
                .replace(&side.db.url, "<url>"),
        );
    }
    out.join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn both_tools_agree_on_every_step_of_the_same_history() {
    let Some(program) = alembic() else { return };
    let (Some(a), Some(b)) = (PgDb::create().await, PgDb::create().await) else {
        return;
    };
    let alembic = Side {
        tool: Tool::Alembic,
        db: a,
        program,
    };
    let ours = Side {
        tool: Tool::CappSchema,
        db: b,
        program: PathBuf::from(env!("CARGO_BIN_EXE_alembic-twin")),
    };
    for (i, (kind, command)) in STEPS.iter().enumerate() {
        // Each side on a thread of its own: the two are independent, and Alembic's start-up
        // is most of a step's time.
        let ((theirs, their_state), (mine, my_state)) = std::thread::scope(|s| {
            let theirs = s.spawn(|| alembic.step(command));
            let mine = ours.step(command);
            (theirs.join().expect("the Alembic side"), mine)
        });
        let context = format!(
            "step {} `{command}`:\n--- alembic (exit {:?})\n{}{}\n--- capp-schema (exit {:?})\n{}{}",
            i + 1,
            theirs.status.code(),
            String::from_utf8_lossy(&theirs.stdout),
            String::from_utf8_lossy(&theirs.stderr),
            mine.status.code(),
            String::from_utf8_lossy(&mine.stdout),
            String::from_utf8_lossy(&mine.stderr),
        );
        assert_eq!(
            theirs.status.success(),
            mine.status.success(),
            "success differs at {context}"
        );
        if *kind == Reads && theirs.status.success() {
            assert_eq!(
                normalized(&alembic, &theirs.stdout),
                normalized(&ours, &mine.stdout),
                "stdout differs at {context}"
            );
        }
        assert_eq!(
            their_state.0, my_state.0,
            "the version table differs after {context}"
        );
        assert_eq!(
            their_state.1, my_state.1,
            "schema or data differ after {context}"
        );
    }
}
