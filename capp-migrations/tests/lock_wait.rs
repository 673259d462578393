//! The real `capp-migrate` binary waiting for the migration lock on PostgreSQL: while another
//! session holds it, stderr says who (pid, application, query) within 2 s, and the wait is
//! bounded by `--lock-wait`, after which the run fails naming the holder and applies nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

/// The advisory-lock key of `public.alembic_version`, as the runner computes it.
const KEY: &str = "hashtextextended(format('%I.%I', 'public', 'alembic_version'), 0)";

/// A database of its own, dropped at the end. Without a server the test fails with
/// instructions, unless `CAPP_SKIP_POSTGRES=1` asks to skip it (then `None`).
async fn database(name: &str) -> Option<(String, PgConnection)> {
    let mut admin = match PgConnection::connect(ADMIN).await {
        Ok(admin) => admin,
        Err(e) if std::env::var_os("CAPP_SKIP_POSTGRES").is_some_and(|v| v == "1") => {
            eprintln!("SKIPPED (CAPP_SKIP_POSTGRES=1): no PostgreSQL at {ADMIN}: {e}");
            return None;
        }
        Err(e) => panic!(
            "PostgreSQL at {ADMIN} is unreachable: {e}.\nStart a server at 127.0.0.1:5432 with trust auth for user postgres, or set CAPP_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        ),
    };
    let name = format!("capp_cli_{name}_{}", std::process::id());
    run(
        &mut admin,
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
    run(&mut admin, format!("CREATE DATABASE {name}")).await;
    Some((
        format!("postgres://postgres@127.0.0.1:5432/{name}?sslmode=disable"),
        admin,
    ))
}

async fn run(conn: &mut PgConnection, sql: String) {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .unwrap();
}

fn spawn(url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["--database-url", url])
        .args(extra)
        .args(["upgrade", "head"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// The child's stderr lines as they arrive, with when they arrived.
fn lines(child: &mut Child) -> mpsc::Receiver<(Instant, String)> {
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send((Instant::now(), line));
        }
    });
    receive
}

async fn versions(url: &str) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('alembic_version') IS NOT NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    if !exists {
        return Vec::new();
    }
    sqlx::query_scalar("SELECT version_num::text FROM alembic_version")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_migration_lock_is_named_within_two_seconds_and_the_wait_is_bounded() {
    let Some((url, mut admin)) = database("lock_wait").await else {
        return;
    };
    let mut blocker = PgConnection::connect(&format!("{url}&application_name=blocker"))
        .await
        .unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut blocker)
        .await
        .unwrap();
    run(&mut blocker, format!("SELECT pg_advisory_lock({KEY})")).await;

    // Bounded: the run fails after --lock-wait, naming the holder, and applies nothing.
    let started = Instant::now();
    let mut child = spawn(&url, &["--lock-wait", "3s"]);
    let received = lines(&mut child);
    let (at, line) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("a line on stderr");
    assert!(
        at - started < Duration::from_secs(2),
        "said within 2 s, not {:?}",
        at - started
    );
    assert!(line.starts_with("waiting for the migration lock"), "{line}");
    for part in [&format!("pid {pid}"), "blocker", "pg_advisory_lock"] {
        assert!(line.contains(part), "`{part}` in: {line}");
    }
    let status = child.wait().unwrap();
    let rest: Vec<String> = received.try_iter().map(|(_, l)| l).collect();
    let waited = started.elapsed();
    assert_eq!(status.code(), Some(1), "{rest:?}");
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
    let error = rest
        .iter()
        .find(|l| l.starts_with("error: "))
        .expect("an error line");
    assert!(
        error.starts_with("error: the migration lock is still held after waiting")
            && error.contains(&format!("pid {pid}"))
            && error.contains("--lock-wait"),
        "{error}"
    );
    assert!(versions(&url).await.is_empty(), "nothing was applied");

    // Unbounded enough: the run proceeds once the holder lets go.
    let mut child = spawn(&url, &[]);
    let received = lines(&mut child);
    let (_, line) = received
        .recv_timeout(Duration::from_secs(10))
        .expect("a line on stderr");
    assert!(line.starts_with("waiting for the migration lock"), "{line}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    run(&mut blocker, format!("SELECT pg_advisory_unlock({KEY})")).await;
    let status = child.wait().unwrap();
    assert!(status.success());
    use capp_schema::Chain;
    let head = capp_migrations::Migrations::load()
        .unwrap()
        .head()
        .rev()
        .to_owned();
    assert_eq!(versions(&url).await, [head]);

    drop(blocker);
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    run(&mut admin, format!("DROP DATABASE {name} WITH (FORCE)")).await;
}

/// The sessions of application `application` on the test's database that wait on a lock (the
/// statement text itself is cut at `track_activity_query_size`, so it is not matched).
async fn waiting_on_a_lock(url: &str, application: &str) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = $1",
    )
    .bind(application)
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_line_arrives_while_the_migration_waits_on_a_table_lock() {
    let Some((url, mut admin)) = database("progress").await else {
        return;
    };
    let status = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(["--database-url", &url, "upgrade", "0001"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(status.status.success());
    // An application transaction holding the table that 0002 alters.
    let mut blocker = PgConnection::connect(&url).await.unwrap();
    run(&mut blocker, "BEGIN; SELECT count(*) FROM users".to_owned()).await;

    // With a long lock timeout, the ALTER waits behind it (the pre-check looks only for
    // transactions older than one attempt).
    let mut child = Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args([
            "--database-url",
            &url,
            "--lock-timeout",
            "30s",
            "upgrade",
            "head",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let received = lines(&mut child);
    let (_, line) = received
        .recv_timeout(Duration::from_secs(20))
        .expect("a line on stderr");
    assert_eq!(
        line,
        "Running upgrade 0001 -> 0002, add kyc_verified_at timestamp to users"
    );
    // The line is there, and the statement is still waiting on the lock.
    let mut waiting = Vec::new();
    for _ in 0..100 {
        waiting = waiting_on_a_lock(&url, "capp-migrate").await;
        if !waiting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !waiting.is_empty(),
        "the migration's ALTER waits on the lock"
    );
    assert!(
        received.try_recv().is_err(),
        "nothing more was said while it waits"
    );
    run(&mut blocker, "COMMIT".to_owned()).await;
    let status = child.wait().unwrap();
    assert!(status.success());
    let rest: Vec<String> = received.try_iter().map(|(_, l)| l).collect();
    assert!(
        rest.first()
            .is_some_and(|l| l.starts_with("Done upgrade 0001 -> 0002 in ")),
        "{rest:?}"
    );
    drop(blocker);
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    run(&mut admin, format!("DROP DATABASE {name} WITH (FORCE)")).await;
}
