//! What a fleet run reports: an event as each target starts and finishes, and at the end a
//! result per target.

use std::fmt;
use std::time::Duration;

use super::Target;
use crate::runner::RunError;

/// How one target ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Migrated (or stamped): `applied` migrations ran.
    Done { applied: usize },
    /// Already at the target revision: one query, nothing else.
    AlreadyThere,
    /// Read (`current`), or checked and found well (`check`).
    Read,
    /// `check` found something wrong: what it says.
    Drift(String),
    /// It failed: the error with its causes.
    Failed(String),
    /// Not run: why (a canary failed, `--fail-fast`).
    Skipped(String),
}

impl Outcome {
    /// Whether the target failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }

    /// A word for the table and the JSON: `done`, `at target`, `ok`, `drift`, `failed`,
    /// `skipped`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Done { .. } => "done",
            Outcome::AlreadyThere => "at target",
            Outcome::Read => "ok",
            Outcome::Drift(_) => "drift",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// What went wrong, or why it did not run.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Drift(text) | Outcome::Failed(text) | Outcome::Skipped(text) => Some(text),
            _ => None,
        }
    }
}

/// One target's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetResult {
    pub target: Target,
    /// The revision it was at before (`None`: base, or unknown after a failure to connect).
    pub from: Option<String>,
    /// The revision it is at after.
    pub to: Option<String>,
    pub duration: Duration,
    pub outcome: Outcome,
}

impl TargetResult {
    pub(crate) fn skipped(target: Target, why: &str) -> TargetResult {
        TargetResult {
            target,
            from: None,
            to: None,
            duration: Duration::ZERO,
            outcome: Outcome::Skipped(why.to_owned()),
        }
    }

    pub(crate) fn failed(
        target: Target,
        at: Option<String>,
        duration: Duration,
        error: &RunError,
    ) -> TargetResult {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        TargetResult {
            target,
            from: at.clone(),
            to: at,
            duration,
            outcome: Outcome::Failed(text),
        }
    }
}

/// A fleet run's progress, as it happens.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum FleetEvent<'a> {
    /// A target starts (it holds its connection from now).
    Started(&'a Target),
    /// A target finished, or will not run.
    Finished(&'a TargetResult),
}

impl fmt::Display for FleetEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FleetEvent::Started(target) => write!(f, "{target}: started"),
            FleetEvent::Finished(r) => {
                write!(
                    f,
                    "{}: {} {} -> {} in {}",
                    r.target,
                    r.outcome.word(),
                    rev(r.from.as_deref()),
                    rev(r.to.as_deref()),
                    super::seconds(r.duration)
                )?;
                if let Some(detail) = r.outcome.detail() {
                    write!(f, ": {detail}")?;
                }
                Ok(())
            }
        }
    }
}

fn rev(rev: Option<&str>) -> &str {
    rev.unwrap_or("base")
}

/// A fleet run's results, one per target in the targets' order.
#[derive(Debug, Clone)]
pub struct FleetReport {
    pub results: Vec<TargetResult>,
    pub duration: Duration,
}

impl FleetReport {
    fn count(&self, word: &str) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.word() == word)
            .count()
    }

    /// Targets that failed.
    pub fn failed(&self) -> usize {
        self.count("failed")
    }

    /// Targets `check` found something wrong with.
    pub fn drifted(&self) -> usize {
        self.count("drift")
    }

    /// Targets not run.
    pub fn skipped(&self) -> usize {
        self.count("skipped")
    }

    /// `50 targets in 3.21s: 48 done, 1 at target, 1 failed`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for word in ["done", "at target", "ok", "drift", "failed", "skipped"] {
            let n = self.count(word);
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        format!(
            "{} targets in {}: {}",
            self.results.len(),
            super::seconds(self.duration),
            parts.join(", ")
        )
    }
}

/// The table: one line per target (target, from, to, duration, result, error), then the summary.
impl fmt::Display for FleetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 5]> = self
            .results
            .iter()
            .map(|r| {
                [
                    r.target.to_string(),
                    rev(r.from.as_deref()).to_owned(),
                    rev(r.to.as_deref()).to_owned(),
                    super::seconds(r.duration),
                    r.outcome.word().to_owned(),
                ]
            })
            .collect();
        let header = ["TARGET", "FROM", "TO", "TIME", "RESULT"];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 5], error: Option<&str>| {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == 3 {
                    text.push_str(&format!("{cell:>w$}  "));
                } else {
                    text.push_str(&format!("{cell:<w$}  "));
                }
            }
            if let Some(error) = error {
                text.push_str(error);
            }
            writeln!(f, "{}", text.trim_end())
        };
        line(f, header, Some("ERROR"))?;
        for (row, r) in rows.iter().zip(&self.results) {
            let cells = [
                row[0].as_str(),
                row[1].as_str(),
                row[2].as_str(),
                row[3].as_str(),
                row[4].as_str(),
            ];
            let detail = r.outcome.detail().map(|d| d.replace('\n', " "));
            line(f, cells, detail.as_deref())?;
        }
        write!(f, "{}", self.summary())
    }
}
