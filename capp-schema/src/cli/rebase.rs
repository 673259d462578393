//! `capp-schema rebase FILE`: renumbers a branch of migrations after the other branch's head,
//! then says how to put right a database that applied it under its old ids.

use std::path::PathBuf;

use crate::rebase::{Plan, RebaseOptions, Repair, plan};

use super::error::Error;

/// `capp-schema rebase`'s arguments.
#[derive(Debug, clap::Args)]
pub(super) struct RebaseArgs {
    /// The migration file to move; the migrations that follow it on its branch move with it.
    file: PathBuf,
    /// A file that follows a revision id both branches define: move it too.
    #[arg(long, value_name = "FILE")]
    with: Vec<PathBuf>,
    /// A file that follows a revision id both branches define: leave it where it is.
    #[arg(long, value_name = "FILE")]
    leave: Vec<PathBuf>,
    /// Print what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The command the runner's lines are written with: the name of CAPP's binary, as in the guide.
const MIGRATE: &str = "capp-migrate";

pub(super) fn run(args: RebaseArgs) -> Result<(), Error> {
    let plan = plan(&RebaseOptions {
        file: args.file,
        with: args.with,
        leave: args.leave,
    })?;
    for m in &plan.moves {
        outln!("{m}")?;
    }
    let count = match plan.moves.len() {
        1 => "1 migration".to_owned(),
        n => format!("{n} migrations"),
    };
    let onto = format!(
        "after {} ({}), the head of the other branch",
        plan.onto.rev, plan.onto.file
    );
    if args.dry_run {
        outln!("Would move {count} {onto}; nothing was written (--dry-run).")?;
        return Ok(());
    }
    plan.apply()?;
    outln!("Moved {count} {onto}. Build it: cargo build")?;
    repair(&plan)
}

/// How to put right a database that applied the moved migrations under their old ids.
fn repair(plan: &Plan) -> Result<(), Error> {
    let old: Vec<&str> = plan.moves.iter().map(|m| m.old_rev.as_str()).collect();
    let parent = plan.old_parent();
    outln!(
        "A database that applied {} under the old id{} has those changes but not the other branch's, which now come first.",
        old.join(", "),
        if old.len() == 1 { "" } else { "s" }
    )?;
    match plan.repair() {
        Repair::Commands(commands) => {
            outln!("Put it right with the rebased code:")?;
            for command in commands {
                outln!("  {MIGRATE} {command}")?;
            }
            if plan.moves.len() > 1 {
                outln!(
                    "(If it applied only part of the branch, stamp the new id of the last one it applied first.)"
                )?;
            }
            outln!(
                "Or, with the code as it was before the merge: {MIGRATE} downgrade {parent}; then, with the rebased code: {MIGRATE} upgrade head"
            )
        }
        Repair::Irreversible { file, parent } => outln!(
            "{file} is irreversible, so no downgrade undoes it: rebuild a development database from an empty one ({MIGRATE} upgrade head), or undo its changes by hand, then {MIGRATE} stamp {parent} and {MIGRATE} upgrade head"
        ),
    }
}
