//! `fleet`: one command over many databases or tenant schemas, with a live progress bar on a
//! terminal (plain lines when stderr is not one), and a table or JSON of the results.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber as _;

use super::super::args::{FleetArgs, FleetCommandArg, ReportFormat};
use super::super::error::Error;
use super::super::output::history_line;
use super::Context;
use crate::fleet::{
    Fleet, FleetCommand, FleetEvent, FleetOptions, FleetReport, Outcome, Target,
    databases_matching, parse_target_list, schemas_matching,
};

/// `fleet ...`: finds the targets, runs the command on them, writes the results.
pub(super) async fn fleet(cx: &Context, args: FleetArgs) -> Result<(), Error> {
    let targets = targets(cx, &args).await?;
    let command = match &args.command {
        FleetCommandArg::Current | FleetCommandArg::History { .. } => FleetCommand::Current,
        FleetCommandArg::Check => FleetCommand::Check,
        FleetCommandArg::Upgrade { target } => FleetCommand::Upgrade(target.clone()),
        FleetCommandArg::Downgrade { target, yes } => {
            if !yes {
                return Err(Error::NotConfirmed(format!(
                    "downgrade of {} targets to {target}",
                    targets.len()
                )));
            }
            FleetCommand::Downgrade(target.clone())
        }
        FleetCommandArg::Stamp { target } => FleetCommand::Stamp(target.clone()),
    };
    let options = FleetOptions {
        parallel: usize::from(args.parallel),
        per_server: usize::from(args.per_server),
        canary: args.canary,
        wave: args.wave.map(|w| w as usize),
        fail_fast: args.fail_fast,
    };
    let fleet = Fleet::new(
        cx.migrator.chain().clone(),
        cx.migrator.config().clone(),
        targets,
        options,
    );
    let progress = Progress::new(fleet.targets().len(), cx.quiet);
    let run = fleet.run(&command, |event| progress.event(event));
    // Each target's own migration lines would bury the progress: shown with -v only.
    let report = if cx.verbose {
        run.await
    } else {
        run.with_subscriber(tracing::subscriber::NoSubscriber::default())
            .await
    };
    progress.finish();
    match (&args.command, args.format) {
        (FleetCommandArg::History { indicate_current }, ReportFormat::Table) => {
            history(cx, &report, *indicate_current)?;
        }
        (_, ReportFormat::Table) => outln!("{report}")?,
        (_, ReportFormat::Json) => outln!("{}", report_json(&report))?,
    }
    if report.failed() > 0 {
        return Err(Error::FleetFailed {
            failed: report.failed(),
            total: report.results.len(),
        });
    }
    if report.drifted() > 0 {
        return Err(Error::CheckFailed);
    }
    Ok(())
}

/// The targets the arguments name: a list, or what the server has that matches a pattern.
async fn targets(cx: &Context, args: &FleetArgs) -> Result<Vec<Target>, Error> {
    let found = if let Some(path) = &args.targets {
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin()).map_err(|error| Error::Read {
                path: path.clone(),
                error,
            })?
        } else {
            std::fs::read_to_string(path).map_err(|error| Error::Read {
                path: path.clone(),
                error,
            })?
        };
        parse_target_list(&text).map_err(|source| Error::TargetList {
            path: path.clone(),
            source,
        })?
    } else if let Some(pattern) = &args.databases {
        databases_matching(&cx.url, pattern).await?
    } else if let Some(pattern) = &args.schemas {
        schemas_matching(&cx.url, pattern).await?
    } else {
        Vec::new()
    };
    if found.is_empty() {
        return Err(Error::NoTargets);
    }
    Ok(found)
}

/// `history` over a fleet: Alembic's lines, newest first, each revision with the number of
/// targets at it (`-i`); then the targets at base and those that could not be read.
fn history(cx: &Context, report: &FleetReport, indicate: bool) -> Result<(), Error> {
    let chain = cx.migrator.chain();
    let at = |rev: Option<&str>| {
        report
            .results
            .iter()
            .filter(|r| !r.outcome.is_failure() && r.to.as_deref() == rev)
            .count()
    };
    let head = chain.head().rev();
    for m in chain.migrations().iter().rev() {
        let n = at(Some(m.rev()));
        let mut marks = if m.rev() == head { " (head)" } else { "" }.to_owned();
        if indicate && n > 0 {
            marks.push_str(&format!(" (current: {n} target{})", plural(n)));
        }
        outln!("{}", history_line(m, &marks))?;
    }
    let base = at(None);
    if indicate && base > 0 {
        outln!("<base> (current: {base} target{})", plural(base))?;
    }
    for r in report.results.iter().filter(|r| r.outcome.is_failure()) {
        outln!(
            "{}: unknown ({})",
            r.target,
            r.outcome.detail().unwrap_or_default()
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The report as one JSON object.
fn report_json(report: &FleetReport) -> Value {
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            json!({
                "target": r.target.to_string(),
                "server": r.target.server(),
                "database": r.target.url.database(),
                "schema": r.target.schema,
                "from": r.from,
                "to": r.to,
                "duration_ms": r.duration.as_millis() as u64,
                "result": r.outcome.word(),
                "applied": match r.outcome { Outcome::Done { applied } => Some(applied), _ => None },
                "error": r.outcome.detail(),
            })
        })
        .collect();
    json!({
        "results": results,
        "summary": {
            "targets": report.results.len(),
            "failed": report.failed(),
            "drift": report.drifted(),
            "skipped": report.skipped(),
            "duration_ms": report.duration.as_millis() as u64,
            "text": report.summary(),
        },
    })
}

/// What stderr shows while the fleet runs: a bar on a terminal, a line per finished target
/// otherwise; nothing with `--quiet` but failures.
struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(targets: usize, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(targets as u64),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} targets {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar, quiet }
    }

    fn event(&self, event: FleetEvent<'_>) {
        match (&self.bar, event) {
            (Some(bar), FleetEvent::Started(target)) => bar.set_message(format!("{target}")),
            (Some(bar), FleetEvent::Finished(result)) => {
                if result.outcome.is_failure() {
                    bar.suspend(|| eprintln!("{event}"));
                }
                bar.inc(1);
            }
            (None, FleetEvent::Finished(result)) => {
                if !self.quiet || result.outcome.is_failure() {
                    eprintln!("{event}");
                }
            }
            (None, _) => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
