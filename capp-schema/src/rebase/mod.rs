//! Moving a branch of migrations after another (`capp-schema rebase FILE`).
//!
//! Two branches that each add a migration after the same head make a history that does not
//! compile: a duplicate revision (both wrote `rev = "0004"`) or a branch (both revise `0003`).
//! The history stays linear, so one branch is renumbered after the other's head: the named file's
//! migration, and the migrations that follow it on its branch, get the next free revision ids
//! (in the width of the existing ones), their files the new ids as prefix, and their `rev` and
//! `down_rev` literals, in `#[migration]` and `#[downgrade]` alike, the new ids.
//!
//! The history does not compile while it has two branches, so the files are read as text
//! ([`scan`]), never through the registered chain. Everything is computed before anything is
//! written ([`plan`]); [`Plan::apply`] writes the rewritten files beside the old ones, then
//! renames them into place and removes the old ones.

mod scan;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use scan::Scanned;

/// What to move.
#[derive(Debug, Clone, Default)]
pub struct RebaseOptions {
    /// The migration file to move after the other branch's head, with its followers.
    pub file: PathBuf,
    /// Files that follow a revision id both branches define, to move with `file`.
    pub with: Vec<PathBuf>,
    /// Files that follow a revision id both branches define, to leave where they are.
    pub leave: Vec<PathBuf>,
}

/// Why a rebase cannot be made. Nothing is written when one is returned, except where a variant
/// says otherwise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RebaseError {
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error(
        "{} is not a migration file: it declares no `#[migration]`; name the file of the migration to move",
        path.display()
    )]
    NotAMigration { path: PathBuf },

    #[error(
        "{} declares {count} migrations; rebase moves files of one migration each (as `revision` writes them): split it, or renumber it by hand",
        path.display()
    )]
    SeveralMigrations { path: PathBuf, count: usize },

    #[error(
        "cannot parse {} line {line}: {message}; fix the file (rebase reads every file in the folder), then run rebase again",
        path.display()
    )]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error(
        "the history in {} is already linear (head {head}): there is no other branch to move {} after",
        dir.display(),
        path.display()
    )]
    AlreadyLinear {
        dir: PathBuf,
        path: PathBuf,
        head: String,
    },

    #[error(
        "{}'s migration {rev} comes before both branches ({branches}), so there is nothing to move it after: name the first file of the branch to move, such as `capp-schema rebase {}`",
        path.display(),
        example.display()
    )]
    AncestorOfBothBranches {
        path: PathBuf,
        rev: String,
        branches: String,
        example: PathBuf,
    },

    #[error(
        "{} follows revision {rev}, which {files} both define, so its branch is not known: pass `--with {}` to move it with {}, or `--leave {}` to leave it where it is",
        follower.display(),
        follower.display(),
        path.display(),
        follower.display()
    )]
    AmbiguousFollower {
        follower: PathBuf,
        rev: String,
        files: String,
        path: PathBuf,
    },

    #[error(
        "--with {}: it does not follow {}'s migration on its branch; leave it out",
        follower.display(),
        path.display()
    )]
    NotAFollower { follower: PathBuf, path: PathBuf },

    #[error(
        "the migrations that stay are not one line either (heads {heads}): rebase moves one branch after another; settle the others first"
    )]
    OtherNotLinear { heads: String },

    #[error(
        "moving {} to {} would overwrite {}, which does not move: rename or remove it first",
        from.display(),
        to.display(),
        to.display()
    )]
    WouldOverwrite { from: PathBuf, to: PathBuf },

    #[error("the revision ids after {head} would not fit 19 digits: renumber the history by hand")]
    IdsExhausted { head: String },

    #[error("cannot write {}: {error}; nothing was changed", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error(
        "cannot move {} into place: {error}; the rebase stopped part way: the rewritten files are the `.NAME.rebase` files beside the old ones, rename them by hand",
        path.display()
    )]
    Rename {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The head the moved migrations now follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onto {
    pub rev: String,
    /// Its file's name.
    pub file: String,
}

/// One file moved: its new name and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The file's name before and after.
    pub from: String,
    pub to: String,
    pub old_rev: String,
    pub new_rev: String,
    /// `None` for a migration that was a second base (`down_rev = None`).
    pub old_down_rev: Option<String>,
    pub new_down_rev: String,
    pub irreversible: bool,
    contents: String,
}

impl fmt::Display for Move {
    /// `0004_add_x.rs -> 0005_add_x.rs: rev 0004 -> 0005, down_rev 0003 -> 0004`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}: ", self.from)?;
        } else {
            write!(f, "{} -> {}: ", self.from, self.to)?;
        }
        if self.old_rev == self.new_rev {
            write!(f, "rev {} (unchanged)", self.new_rev)?;
        } else {
            write!(f, "rev {} -> {}", self.old_rev, self.new_rev)?;
        }
        let old = self.old_down_rev.as_deref().unwrap_or("None");
        write!(f, ", down_rev {old} -> {}", self.new_down_rev)
    }
}

/// The whole rebase, computed and checked; nothing is written until [`Plan::apply`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// The versions folder.
    pub dir: PathBuf,
    pub onto: Onto,
    /// The files moved, in the order of the chain.
    pub moves: Vec<Move>,
    /// The revision ids of the migrations that stay, base first.
    pub staying: Vec<String>,
}

/// How to put right a database that applied the moved migrations under their old ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The runner's commands, in order (`stamp 0005`, ...), with the rebased history.
    Commands(Vec<String>),
    /// A moved migration has no downgrade: its changes cannot be undone by the runner.
    Irreversible { file: String, parent: String },
}

impl Plan {
    /// The revision the first moved migration followed before the rebase (`base` for a second
    /// base): where a database that applied the branch under its old ids forked.
    pub fn old_parent(&self) -> &str {
        self.moves
            .first()
            .and_then(|m| m.old_down_rev.as_deref())
            .unwrap_or("base")
    }

    /// The commands that put right a database that applied the moved migrations under their old
    /// ids. It has their changes but not the other branch's, which now come first, and its
    /// version table names an old id. With the rebased history: stamp it at the moved
    /// migrations' new head, accept the old ids the rebased history gives another checksum
    /// (so that the runner does not take them for edited), downgrade to the other branch's head
    /// (the moved migrations' downgrades undo their changes), stamp it where it forked, and
    /// upgrade to head.
    pub fn repair(&self) -> Repair {
        let parent = self.old_parent().to_owned();
        if let Some(m) = self.moves.iter().find(|m| m.irreversible) {
            return Repair::Irreversible {
                file: m.to.clone(),
                parent,
            };
        }
        let Some(last) = self.moves.last() else {
            return Repair::Commands(Vec::new());
        };
        let rebased: BTreeSet<&str> = self
            .staying
            .iter()
            .map(String::as_str)
            .chain(self.moves.iter().map(|m| m.new_rev.as_str()))
            .collect();
        let mut commands = vec![format!("stamp {}", last.new_rev)];
        let accepted: BTreeSet<&str> = self
            .moves
            .iter()
            .map(|m| m.old_rev.as_str())
            .filter(|rev| rebased.contains(rev) && *rev != last.new_rev)
            .collect();
        commands.extend(accepted.into_iter().map(|rev| format!("accept {rev}")));
        commands.push(format!("downgrade {}", self.onto.rev));
        commands.push(format!("stamp {parent}"));
        commands.push("upgrade head".to_owned());
        Repair::Commands(commands)
    }

    /// Writes the moved files: each rewritten file beside the old ones first (nothing changes
    /// if one cannot be written), then renamed into place, then the old files removed.
    pub fn apply(&self) -> Result<(), RebaseError> {
        let staged = |m: &Move| self.dir.join(format!(".{}.rebase", m.to));
        for (i, m) in self.moves.iter().enumerate() {
            if let Err(error) = std::fs::write(staged(m), &m.contents) {
                for written in &self.moves[..=i] {
                    let _ = std::fs::remove_file(staged(written));
                }
                return Err(RebaseError::Write {
                    path: staged(m),
                    error,
                });
            }
        }
        for m in &self.moves {
            let to = self.dir.join(&m.to);
            std::fs::rename(staged(m), &to)
                .map_err(|error| RebaseError::Rename { path: to, error })?;
        }
        let written: BTreeSet<&str> = self.moves.iter().map(|m| m.to.as_str()).collect();
        for m in self
            .moves
            .iter()
            .filter(|m| !written.contains(m.from.as_str()))
        {
            let from = self.dir.join(&m.from);
            std::fs::remove_file(&from)
                .map_err(|error| RebaseError::Rename { path: from, error })?;
        }
        Ok(())
    }
}

/// A file of the versions folder, read.
#[derive(Debug)]
struct Source {
    name: String,
    text: String,
    scanned: Scanned,
}

/// One migration of the folder.
#[derive(Debug)]
struct Node {
    /// Index into the sources.
    file: usize,
    rev: String,
    down_rev: Option<String>,
    irreversible: bool,
}

/// Computes the rebase of `options.file`'s branch after the other branch's head, and checks it:
/// nothing is written.
pub fn plan(options: &RebaseOptions) -> Result<Plan, RebaseError> {
    let dir = match options.file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let sources = read_folder(&dir, &options.file)?;
    let nodes = nodes(&sources);
    let folder = Folder {
        dir: &dir,
        sources: &sources,
        nodes: &nodes,
    };
    let named = folder.source(&options.file)?;
    let x = folder.only_migration(named)?;
    let all: Vec<usize> = (0..nodes.len()).collect();
    if let Some(order) = line(&nodes, &all) {
        return Err(RebaseError::AlreadyLinear {
            dir: dir.clone(),
            path: options.file.clone(),
            head: order
                .last()
                .map(|&i| nodes[i].rev.clone())
                .unwrap_or_default(),
        });
    }
    let with = folder.sources_of(&options.with)?;
    let leave = folder.sources_of(&options.leave)?;
    let moving = folder.moving(x, &with, &leave)?;
    let rest: Vec<usize> = all.into_iter().filter(|i| !moving.contains(i)).collect();
    let Some(staying) = line(&nodes, &rest) else {
        return Err(RebaseError::OtherNotLinear {
            heads: folder.heads(&rest),
        });
    };
    let moves = folder.moves(&moving, &staying)?;
    let head = staying.last().map_or(0, |&i| i);
    Ok(Plan {
        onto: Onto {
            rev: nodes[head].rev.clone(),
            file: sources[nodes[head].file].name.clone(),
        },
        staying: staying.iter().map(|&i| nodes[i].rev.clone()).collect(),
        moves,
        dir,
    })
}

/// Every `.rs` file of `dir`, read and scanned, by name; `named` must be one of them.
fn read_folder(dir: &Path, named: &Path) -> Result<Vec<Source>, RebaseError> {
    let read = |path: &Path, error| RebaseError::Read {
        path: path.to_owned(),
        error,
    };
    if !named.is_file() {
        return Err(match std::fs::metadata(named) {
            Err(error) => read(named, error),
            Ok(_) => RebaseError::NotAMigration {
                path: named.to_owned(),
            },
        });
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read(dir, e))? {
        let path = entry.map_err(|e| read(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "rs")
            && path.is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    let mut sources = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).map_err(|e| read(&path, e))?;
        let scanned = scan::scan(&text).map_err(|e| RebaseError::Parse {
            path: path.clone(),
            line: e.line,
            message: e.message,
        })?;
        sources.push(Source {
            name,
            text,
            scanned,
        });
    }
    Ok(sources)
}

fn nodes(sources: &[Source]) -> Vec<Node> {
    let mut nodes = Vec::new();
    for (file, source) in sources.iter().enumerate() {
        for m in &source.scanned.migrations {
            nodes.push(Node {
                file,
                rev: m.rev.clone(),
                down_rev: m.down_rev.clone(),
                irreversible: m.irreversible,
            });
        }
    }
    nodes
}

/// The migrations of `subset` in chain order, if they make one line: one base, each revision
/// defined once and revised by at most one migration, every migration reached from the base.
fn line(nodes: &[Node], subset: &[usize]) -> Option<Vec<usize>> {
    let mut bases = subset.iter().filter(|&&i| nodes[i].down_rev.is_none());
    let mut order = vec![*bases.next()?];
    if bases.next().is_some() {
        return None;
    }
    loop {
        let rev = &nodes[*order.last()?].rev;
        let mut children = subset
            .iter()
            .filter(|&&i| nodes[i].down_rev.as_ref() == Some(rev));
        match (children.next(), children.next()) {
            (None, _) => break,
            (Some(&child), None) if !order.contains(&child) => order.push(child),
            _ => return None,
        }
    }
    let revs: BTreeSet<&str> = subset.iter().map(|&i| nodes[i].rev.as_str()).collect();
    (order.len() == subset.len() && revs.len() == subset.len()).then_some(order)
}

/// Whether `id` is a revision id: 1 to 19 decimal digits, not all zero.
fn is_revision_id(id: &str) -> bool {
    (1..=19).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_digit())
        && id.bytes().any(|b| b != b'0')
}

/// The file name `name` gets under revision `rev`: its leading id (the digits, and any letters
/// after them, before the first `_`) replaced, or `rev_` put in front when it has none.
fn renamed(name: &str, rev: &str) -> String {
    let prefix_end = name.find(['_', '.']).unwrap_or(name.len());
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{rev}{}", &name[prefix_end..])
    } else {
        format!("{rev}_{name}")
    }
}

/// `text` with the literals of the moved migration's ids rewritten: `rev` to `new_rev`,
/// `down_rev` (or its `None`) to `new_down_rev`, wherever they appear in its attributes.
fn rewritten(source: &Source, node: &Node, new_rev: &str, new_down_rev: &str) -> String {
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = source
        .scanned
        .literals
        .iter()
        .filter_map(|literal| {
            if literal.value == node.rev {
                Some((literal.range.clone(), new_rev))
            } else if node.down_rev.as_ref() == Some(&literal.value) {
                Some((literal.range.clone(), new_down_rev))
            } else {
                None
            }
        })
        .collect();
    for m in &source.scanned.migrations {
        if let Some(range) = &m.base_token {
            edits.push((range.clone(), new_down_rev));
        }
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(source.text.len());
    let mut at = 0;
    for (range, id) in edits {
        out.push_str(&source.text[at..range.start]);
        out.push_str(&format!("{id:?}"));
        at = range.end;
    }
    out.push_str(&source.text[at..]);
    out
}

/// The folder's files and migrations, for the steps of [`plan`].
struct Folder<'a> {
    dir: &'a Path,
    sources: &'a [Source],
    nodes: &'a [Node],
}

impl Folder<'_> {
    fn path(&self, file: usize) -> PathBuf {
        self.dir.join(&self.sources[file].name)
    }

    /// The source named by `path` (a file of the folder).
    fn source(&self, path: &Path) -> Result<usize, RebaseError> {
        let name = path.file_name().and_then(|n| n.to_str());
        self.sources
            .iter()
            .position(|s| Some(s.name.as_str()) == name)
            .ok_or_else(|| RebaseError::NotAMigration {
                path: path.to_owned(),
            })
    }

    fn sources_of(&self, paths: &[PathBuf]) -> Result<Vec<usize>, RebaseError> {
        paths.iter().map(|p| self.source(p)).collect()
    }

    /// The one migration of a file to move.
    fn only_migration(&self, file: usize) -> Result<usize, RebaseError> {
        let of_file: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].file == file)
            .collect();
        match of_file.as_slice() {
            [one] => Ok(*one),
            [] => Err(RebaseError::NotAMigration {
                path: self.path(file),
            }),
            more => Err(RebaseError::SeveralMigrations {
                path: self.path(file),
                count: more.len(),
            }),
        }
    }

    /// The migrations that revise `rev`.
    fn children<'s>(&'s self, rev: &'s str) -> impl Iterator<Item = usize> + 's {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].down_rev.as_deref() == Some(rev))
    }

    /// `x` and the migrations after it on its branch, in chain order.
    fn moving(&self, x: usize, with: &[usize], leave: &[usize]) -> Result<Vec<usize>, RebaseError> {
        let mut moving = vec![x];
        let mut next = 0;
        while let Some(&n) = moving.get(next) {
            next += 1;
            let rev = &self.nodes[n].rev;
            let twins: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| i != n && self.nodes[i].rev == *rev && !moving.contains(&i))
                .collect();
            let children: Vec<usize> = self.children(rev).collect();
            for child in children {
                let file = self.nodes[child].file;
                if moving.contains(&child) || leave.contains(&file) {
                    continue;
                }
                if !twins.is_empty() && !with.contains(&file) {
                    return Err(self.ambiguous(child, n, &twins, x));
                }
                self.only_migration(file)?;
                moving.push(child);
            }
        }
        for &file in with {
            if !moving.iter().any(|&m| self.nodes[m].file == file) {
                return Err(RebaseError::NotAFollower {
                    follower: self.path(file),
                    path: self.path(self.nodes[x].file),
                });
            }
        }
        self.in_order(x, &moving)
    }

    fn ambiguous(&self, child: usize, n: usize, twins: &[usize], x: usize) -> RebaseError {
        let files: Vec<String> = std::iter::once(n)
            .chain(twins.iter().copied())
            .map(|i| self.sources[self.nodes[i].file].name.clone())
            .collect();
        RebaseError::AmbiguousFollower {
            follower: self.path(self.nodes[child].file),
            rev: self.nodes[n].rev.clone(),
            files: files.join(" and "),
            path: self.path(self.nodes[x].file),
        }
    }

    /// The moved migrations from `x` on, if they make one line; else `x` comes before a fork.
    fn in_order(&self, x: usize, moving: &[usize]) -> Result<Vec<usize>, RebaseError> {
        let mut order = vec![x];
        while let Some(&last) = order.last() {
            let children: Vec<usize> = self
                .children(&self.nodes[last].rev)
                .filter(|c| moving.contains(c))
                .collect();
            match children.as_slice() {
                [] => break,
                [one] if !order.contains(one) => order.push(*one),
                _ => {
                    let files: Vec<String> = children
                        .iter()
                        .map(|&c| self.sources[self.nodes[c].file].name.clone())
                        .collect();
                    return Err(RebaseError::AncestorOfBothBranches {
                        path: self.path(self.nodes[x].file),
                        rev: self.nodes[x].rev.clone(),
                        branches: files.join(", "),
                        example: self.path(self.nodes[*children.last().unwrap_or(&x)].file),
                    });
                }
            }
        }
        if order.len() == moving.len() {
            Ok(order)
        } else {
            Err(RebaseError::AncestorOfBothBranches {
                path: self.path(self.nodes[x].file),
                rev: self.nodes[x].rev.clone(),
                branches: "a revision defined twice after it".to_owned(),
                example: self.path(self.nodes[x].file),
            })
        }
    }

    /// `0005 (0005_b.rs), 0006 (0006_c.rs)`: the migrations of `subset` that none revises.
    fn heads(&self, subset: &[usize]) -> String {
        let heads: Vec<String> = subset
            .iter()
            .filter(|&&i| {
                !subset
                    .iter()
                    .any(|&j| self.nodes[j].down_rev.as_ref() == Some(&self.nodes[i].rev))
            })
            .map(|&i| {
                let n = &self.nodes[i];
                format!("{} ({})", n.rev, self.sources[n.file].name)
            })
            .collect();
        heads.join(", ")
    }

    /// The moves of `order`, numbered after the head of `staying`.
    fn moves(&self, order: &[usize], staying: &[usize]) -> Result<Vec<Move>, RebaseError> {
        let head = &self.nodes[*staying.last().unwrap_or(&order[0])];
        let exhausted = || RebaseError::IdsExhausted {
            head: head.rev.clone(),
        };
        let highest = staying
            .iter()
            .filter_map(|&i| self.nodes[i].rev.parse::<u64>().ok())
            .max()
            .ok_or_else(exhausted)?;
        let width = head.rev.len();
        let leaving: BTreeSet<&str> = order
            .iter()
            .map(|&i| self.sources[self.nodes[i].file].name.as_str())
            .collect();
        let mut moves: Vec<Move> = Vec::new();
        for (k, &n) in (1u64..).zip(order) {
            let new_rev = highest
                .checked_add(k)
                .map(|id| format!("{id:0width$}"))
                .filter(|id| is_revision_id(id))
                .ok_or_else(exhausted)?;
            let new_down_rev = moves.last().map_or(&head.rev, |m| &m.new_rev).clone();
            let node = &self.nodes[n];
            let source = &self.sources[node.file];
            let to = renamed(&source.name, &new_rev);
            if !leaving.contains(to.as_str()) && self.dir.join(&to).exists() {
                return Err(RebaseError::WouldOverwrite {
                    from: self.path(node.file),
                    to: self.dir.join(&to),
                });
            }
            moves.push(Move {
                from: source.name.clone(),
                contents: rewritten(source, node, &new_rev, &new_down_rev),
                to,
                old_rev: node.rev.clone(),
                new_rev,
                old_down_rev: node.down_rev.clone(),
                new_down_rev,
                irreversible: node.irreversible,
            });
        }
        Ok(moves)
    }
}
