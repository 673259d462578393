//! The lint's cost: every migration of the 1,000-migration benchmark chain (a CREATE TABLE with a
//! primary key and an INSERT each) folded, rendered for PostgreSQL and linted with squawk's
//! rules, as `capp-migrate lint --all` and `testing::lint` do. Needs no database.
//! `cargo bench -p capp-schema-tests --bench lint`; results go into docs/benchmarks.md by hand.

use std::time::{Duration, Instant};

use capp_schema::lint::{Scope, lint};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub(crate) struct Bench;

include!(concat!(env!("OUT_DIR"), "/bench_chain.rs"));

const RUNS: usize = 5;

fn main() {
    let chain = Bench::load().unwrap();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let report = lint(&chain, None, Scope::All).unwrap();
            let elapsed = start.elapsed();
            assert_eq!(report.linted, chain.len());
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "lint of {} migrations: median {:.0} ms, min {:.0} ms, max {:.0} ms over {RUNS} runs",
        chain.len(),
        times[RUNS / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[RUNS - 1].as_secs_f64() * 1000.0
    );
}
