//! Database URLs that used to go wrong: an in-memory SQLite database (migrated, then gone, after
//! reporting success) is refused, and an IPv6 host literal reaches its server.

use std::io::copy;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use capp_schema::Chain;
use capp_schema::runner::{Config, DatabaseUrl, Db, Migrator, UrlError};
use capp_schema_tests::{Migrations, PgDb, strings};

#[test]
fn an_in_memory_sqlite_database_is_refused_with_the_reason() {
    for url in [
        "sqlite://:memory:",
        "sqlite::memory:",
        "sqlite:///:memory:",
        "sqlite+aiosqlite://:memory:",
        "sqlite://file::memory:?cache=shared",
        "sqlite://capp.db?mode=memory",
    ] {
        let err = DatabaseUrl::parse(url).unwrap_err();
        assert!(matches!(&err, UrlError::Refused { .. }), "{url}: {err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "cannot migrate `{url}`: an in-memory SQLite database vanishes with its connection, so the migration would report success and leave nothing behind; give a file: `sqlite://capp.db`"
            )
        );
    }
    // A file whose name merely mentions memory is a file.
    assert!(DatabaseUrl::parse("sqlite://memory.db").is_ok());
    assert!(matches!(
        DatabaseUrl::parse("sqlite:capp.db"),
        Err(UrlError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn the_command_line_refuses_an_in_memory_database_and_migrates_nothing() {
    use clap::Parser;
    let args = capp_schema::cli::Args::try_parse_from([
        "capp-migrate",
        "--database-url",
        "sqlite://:memory:",
        "upgrade",
    ])
    .unwrap();
    let code =
        capp_schema::cli::run::<Migrations>(args, capp_schema::cli::Project::default()).await;
    assert_eq!(code, std::process::ExitCode::FAILURE);
}

/// Forwards every connection accepted on `[::1]` (a port of its own) to `to`, counting them.
fn ipv6_proxy(to: String) -> (u16, Arc<AtomicU32>) {
    let listener = TcpListener::bind("[::1]:0").expect("the IPv6 loopback address");
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(&to) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut into: TcpStream| {
                std::thread::spawn(move || {
                    let _ = copy(&mut from, &mut into);
                    let _ = into.shutdown(Shutdown::Write);
                });
            };
            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
            pipe(server, client);
        }
    });
    (port, accepted)
}

#[tokio::test]
async fn an_ipv6_host_literal_reaches_the_server_and_migrates() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let server = pg.database_url().server();
    let (port, accepted) = ipv6_proxy(server.clone());
    let url = pg.url.replacen(&server, &format!("[::1]:{port}"), 1);
    assert!(url.contains("@[::1]:"), "{url}");
    let url = DatabaseUrl::parse(&url).unwrap();
    assert_eq!(url.server(), format!("[::1]:{port}"));

    let migrator = Migrator::new(Migrations::load().unwrap(), Config::default());
    let mut db = Db::connect(&url).await.unwrap();
    let report = migrator.upgrade(&mut db, "head").await.unwrap();
    assert_eq!(report.to.as_deref(), Some("0003"));
    assert!(
        accepted.load(Ordering::SeqCst) >= 1,
        "connected through [::1]"
    );
    assert_eq!(
        strings(
            &pg.database_url(),
            "SELECT version_num FROM alembic_version"
        )
        .await,
        ["0003"]
    );
}

#[tokio::test]
async fn nothing_listening_on_an_ipv6_literal_is_refused_not_unresolved() {
    // A port that was free a moment ago.
    let port = TcpListener::bind("[::1]:0")
        .expect("the IPv6 loopback address")
        .local_addr()
        .unwrap()
        .port();
    let url =
        DatabaseUrl::parse(&format!("postgres://postgres:secret@[::1]:{port}/postgres")).unwrap();
    assert_eq!(
        url.to_string(),
        format!("postgres://postgres:***@[::1]:{port}/postgres")
    );
    let err = Db::connect(&url).await.unwrap_err();
    let text = format!("{err} {:?}", std::error::Error::source(&err));
    assert!(text.contains("refused"), "{text}");
    assert!(!text.contains("lookup"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}
