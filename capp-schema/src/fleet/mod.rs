//! Fleets: one history applied to many databases, or to many schemas of one database (one per
//! tenant), with a bound on the connections to each server, canaries, waves, and a result per
//! target.
//!
//! ```no_run
//! # async fn roll_out() -> Result<(), Box<dyn std::error::Error>> {
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use capp_schema::Chain;
//! use capp_schema::fleet::{Fleet, FleetCommand, FleetOptions, Target};
//! use capp_schema::runner::{Config, DatabaseUrl};
//!
//! let server = DatabaseUrl::parse("postgresql://capp@db1/postgres")?;
//! let targets = capp_schema::fleet::databases_matching(&server, "capp_tenant_%").await?;
//! let fleet = Fleet::new(Migrations::load()?, Config::default(), targets, FleetOptions {
//!     canary: 1,
//!     per_server: 4,
//!     ..FleetOptions::default()
//! });
//! let report = fleet
//!     .run(&FleetCommand::Upgrade("head".into()), |event| println!("{event}"))
//!     .await;
//! assert!(report.failed() == 0);
//! # Ok(()) }
//! ```
//!
//! Each target is migrated as a single database would be ([`crate::runner::Migrator`]), under its
//! own migration lock, on a connection of its own: a target at the target revision costs one
//! query, so a rollout that stopped part way is simply run again.

mod discover;
mod report;
mod targets;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tracing::Instrument as _;
use tracing::instrument::WithSubscriber as _;

use crate::chain::MigrationChain;
use crate::runner::{Config, Db, Migrator, RunError};

pub use discover::{DiscoverError, databases_matching, schemas_matching};
pub use report::{FleetEvent, FleetReport, Outcome, TargetResult};
pub use targets::{Target, TargetListError, parse_target_list};

/// What a fleet run does on each target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FleetCommand {
    /// Reads the revision each target is at.
    Current,
    /// Checks each target: at head, nothing edited or failed, no drift.
    Check,
    /// Upgrades each target to a revision (`head`, `0007`, ...).
    Upgrade(String),
    /// Downgrades each target to a revision (`0006`, `base`, ...).
    Downgrade(String),
    /// Stamps each target at a revision.
    Stamp(String),
}

impl FleetCommand {
    /// Whether it changes the targets (canaries and waves matter only then).
    pub fn changes(&self) -> bool {
        matches!(
            self,
            FleetCommand::Upgrade(_) | FleetCommand::Downgrade(_) | FleetCommand::Stamp(_)
        )
    }
}

/// How a fleet run proceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetOptions {
    /// Targets worked on at once, over all servers.
    pub parallel: usize,
    /// Targets worked on at once on one server (each holds one connection to it, two while a
    /// step runs outside a transaction and renews its lease).
    pub per_server: usize,
    /// Targets run first, in list order; if one fails, no other target is touched.
    pub canary: usize,
    /// After the canaries, targets run in waves of this many (`None`: one wave), each wave
    /// finished before the next starts.
    pub wave: Option<usize>,
    /// Stop starting targets once one has failed (those running finish); otherwise every target
    /// is tried and the report says which failed.
    pub fail_fast: bool,
}

impl Default for FleetOptions {
    fn default() -> FleetOptions {
        FleetOptions {
            parallel: 16,
            per_server: 4,
            canary: 0,
            wave: None,
            fail_fast: false,
        }
    }
}

/// One history, many targets.
#[derive(Debug)]
pub struct Fleet {
    chain: MigrationChain,
    config: Config,
    targets: Vec<Target>,
    options: FleetOptions,
}

impl Fleet {
    /// A fleet of `targets`, each migrated with `config` (its schema set per target).
    pub fn new(
        chain: MigrationChain,
        config: Config,
        targets: Vec<Target>,
        options: FleetOptions,
    ) -> Fleet {
        Fleet {
            chain,
            config,
            targets,
            options,
        }
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Runs `command` on every target: canaries first, then waves; `on_event` hears each
    /// target start and finish as it happens (from the task that runs it). The report holds one
    /// result per target, in the targets' order.
    pub async fn run<F>(&self, command: &FleetCommand, on_event: F) -> FleetReport
    where
        F: Fn(FleetEvent<'_>) + Send + Sync,
    {
        let started = Instant::now();
        let n = self.targets.len();
        let mut results: Vec<Option<TargetResult>> = (0..n).map(|_| None).collect();
        let staged = command.changes();
        let canary = if staged {
            self.options.canary.min(n)
        } else {
            0
        };
        let wave = match (staged, self.options.wave) {
            (true, Some(w)) => w.max(1),
            _ => n.max(1),
        };
        let mut stages: Vec<std::ops::Range<usize>> = Vec::new();
        if canary > 0 {
            stages.push(0..canary);
        }
        let mut at = canary;
        while at < n {
            stages.push(at..(at + wave).min(n));
            at += wave;
        }
        let stop = AtomicBool::new(false);
        for (i, stage) in stages.iter().enumerate() {
            let is_canary = canary > 0 && i == 0;
            if stop.load(Ordering::Relaxed) {
                break;
            }
            self.run_stage(command, stage.clone(), &mut results, &stop, &on_event)
                .await;
            let failed = results[stage.clone()]
                .iter()
                .flatten()
                .find(|r| r.outcome.is_failure());
            if let Some(failed) = failed
                && (is_canary || self.options.fail_fast)
            {
                let reason = if is_canary {
                    format!("not run: canary {} failed", failed.target)
                } else {
                    format!("not run: {} failed (--fail-fast)", failed.target)
                };
                stop.store(true, Ordering::Relaxed);
                for (j, slot) in results.iter_mut().enumerate() {
                    if slot.is_none() {
                        let result = TargetResult::skipped(self.targets[j].clone(), &reason);
                        on_event(FleetEvent::Finished(&result));
                        *slot = Some(result);
                    }
                }
            }
        }
        let results = results
            .into_iter()
            .enumerate()
            .map(|(j, r)| {
                r.unwrap_or_else(|| {
                    TargetResult::skipped(self.targets[j].clone(), "not run: the run stopped")
                })
            })
            .collect();
        FleetReport {
            results,
            duration: started.elapsed(),
        }
    }

    /// The targets of `stage`, at most [`FleetOptions::parallel`] at once and
    /// [`FleetOptions::per_server`] per server.
    async fn run_stage<F>(
        &self,
        command: &FleetCommand,
        stage: std::ops::Range<usize>,
        results: &mut [Option<TargetResult>],
        stop: &AtomicBool,
        on_event: &F,
    ) where
        F: Fn(FleetEvent<'_>) + Send + Sync,
    {
        let overall = Arc::new(Semaphore::new(self.options.parallel.max(1)));
        let mut servers: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let per_server = self.options.per_server.max(1);
        let fail_fast = self.options.fail_fast;
        let runs = stage.map(|j| {
            let target = &self.targets[j];
            let server = servers
                .entry(target.server())
                .or_insert_with(|| Arc::new(Semaphore::new(per_server)))
                .clone();
            let overall = overall.clone();
            async move {
                // The server's bound first: a target waiting for its server holds no overall slot.
                let _server = server.acquire_owned().await.ok();
                let _overall = overall.acquire_owned().await.ok();
                if fail_fast && stop.load(Ordering::Relaxed) {
                    let result = TargetResult::skipped(target.clone(), "not run: --fail-fast");
                    on_event(FleetEvent::Finished(&result));
                    return (j, result);
                }
                on_event(FleetEvent::Started(target));
                // On a task of its own: connections' TLS and the rendering of many targets share
                // the runtime's threads. The slots stay held here until it ends.
                let work = run_target(
                    self.chain.clone(),
                    self.config.clone(),
                    command.clone(),
                    target.clone(),
                );
                // With the caller's tracing subscriber and span, as if it ran here.
                let work = work.in_current_span().with_current_subscriber();
                let result = match tokio::spawn(work).await {
                    Ok(result) => result,
                    Err(error) => TargetResult {
                        target: target.clone(),
                        from: None,
                        to: None,
                        duration: Duration::ZERO,
                        outcome: Outcome::Failed(format!(
                            "the target's task ended without a result: {error}"
                        )),
                    },
                };
                if fail_fast && result.outcome.is_failure() {
                    stop.store(true, Ordering::Relaxed);
                }
                on_event(FleetEvent::Finished(&result));
                (j, result)
            }
        });
        let mut runs: futures_util::stream::FuturesUnordered<_> = runs.collect();
        while let Some((j, result)) = futures_util::StreamExt::next(&mut runs).await {
            results[j] = Some(result);
        }
    }
}

/// `command` on one target, on a connection of its own, closed before its slot is given back.
async fn run_target(
    chain: MigrationChain,
    config: Config,
    command: FleetCommand,
    target: Target,
) -> TargetResult {
    let started = Instant::now();
    let config = Config {
        schema: target.schema.clone().or(config.schema.clone()),
        ..config
    };
    let migrator = Migrator::new(chain, config);
    let mut db = match Db::connect(&target.url).await {
        Ok(db) => db,
        Err(error) => {
            return TargetResult::failed(target, None, started.elapsed(), &RunError::from(error));
        }
    };
    let result = run_on(&migrator, &mut db, &command).await;
    let _ = db.close().await;
    let elapsed = started.elapsed();
    match result {
        Ok((from, to, outcome)) => TargetResult {
            target,
            from,
            to,
            duration: elapsed,
            outcome,
        },
        Err((from, error)) => TargetResult::failed(target, from, elapsed, &error),
    }
}

/// What `command` did on one connected target: from, to, and how it ended; or where it was and
/// the error.
async fn run_on(
    migrator: &Migrator,
    db: &mut Db,
    command: &FleetCommand,
) -> Result<(Option<String>, Option<String>, Outcome), (Option<String>, RunError)> {
    let fail = |error: RunError| (None, error);
    match command {
        FleetCommand::Current => {
            let status = migrator.status(db).await.map_err(fail)?;
            let at = status.current.clone();
            Ok((at.clone(), at, Outcome::Read))
        }
        FleetCommand::Check => {
            let report = migrator.check(db, None).await.map_err(fail)?;
            let at = report.current.clone();
            let outcome = if report.is_ok() {
                Outcome::Read
            } else {
                Outcome::Drift(report.to_string())
            };
            Ok((at.clone(), at, outcome))
        }
        FleetCommand::Upgrade(to) | FleetCommand::Downgrade(to) | FleetCommand::Stamp(to) => {
            let report = match command {
                FleetCommand::Upgrade(_) => migrator.upgrade(db, to).await,
                FleetCommand::Downgrade(_) => migrator.downgrade(db, to).await,
                _ => migrator.stamp(db, to).await,
            };
            match report {
                Ok(report) => {
                    let outcome = if report.applied.is_empty() && report.from == report.to {
                        Outcome::AlreadyThere
                    } else {
                        Outcome::Done {
                            applied: report.applied.len(),
                        }
                    };
                    Ok((report.from, report.to, outcome))
                }
                Err(error) => {
                    // Where the failure left it, if that can still be read.
                    let at = migrator.status(db).await.ok().and_then(|s| s.current);
                    Err((at, error))
                }
            }
        }
    }
}

/// How long a run took, as the report shows it.
pub(crate) fn seconds(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}
