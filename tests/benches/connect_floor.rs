//! The floor under a fleet's at-head check: a connection to each database, one `SELECT 1`, and
//! the connection closed, at the fleet's parallelism, without the runner. `bench/fleet.py`
//! reports it beside the fleet's own time.
//!
//! Usage: cargo bench -p capp-schema-tests --bench connect_floor -- URL_PREFIX PARALLEL
//! (every database on the server whose name starts with URL_PREFIX's last path segment).

use std::time::Instant;

use futures_util::StreamExt as _;
use sqlx::{AssertSqlSafe, Connection};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (Some(prefix_url), Some(parallel)) = (args.next(), args.next()) else {
        eprintln!("usage: connect_floor URL_PREFIX PARALLEL");
        return;
    };
    let parallel: usize = parallel.parse().expect("a number");
    let (server, prefix) = prefix_url.rsplit_once('/').expect("a URL with a path");
    let (prefix, query) = match prefix.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (prefix, String::new()),
    };
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres{query}"))
        .await
        .expect("the server");
    let names: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT datname::text FROM pg_database WHERE datname LIKE '{prefix}%' ORDER BY 1"
    )))
    .fetch_all(&mut admin)
    .await
    .expect("databases");
    let started = Instant::now();
    let mut runs = futures_util::stream::iter(names.iter().map(|name| {
        let url = format!("{server}/{name}{query}");
        async move {
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::raw_sql("SELECT 1")
                .execute(&mut conn)
                .await
                .expect("query");
            conn.close().await.expect("close");
        }
    }))
    .buffer_unordered(parallel);
    while runs.next().await.is_some() {}
    println!(
        "{} databases, connect + SELECT 1 + close, {parallel} at once: {:.2} s",
        names.len(),
        started.elapsed().as_secs_f64()
    );
}
