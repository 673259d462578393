//! The runtime crate's shape, checked on its sources: the module graph has no cycle, and only the
//! backend modules name a database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../capp-schema/src")
}

/// Every `.rs` file under `dir`, with its path relative to `root`.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            out.push((relative, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

/// The code of a file without its comments (doc comments included).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module a file belongs to: `runner/plan.rs` is `runner`, `private.rs` is
/// `__private` (its name in `lib.rs`).
fn top_module(relative: &str) -> String {
    let first = relative.split('/').next().unwrap().trim_end_matches(".rs");
    match first {
        "private" => "__private".to_owned(),
        other => other.to_owned(),
    }
}

/// Which top-level modules each top-level module names through `crate::module`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = source_dir();
    let mut files = Vec::new();
    rust_files(&root, &root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (relative, _) in &files {
        graph.entry(top_module(relative)).or_default();
    }
    graph.remove("lib");
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for (relative, text) in &files {
        let from = top_module(relative);
        if from == "lib" {
            continue;
        }
        let code = code(text);
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name != from && modules.contains(&name) {
                graph.get_mut(&from).unwrap().insert(name);
            }
        }
    }
    graph
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("runner") && graph.contains_key("backend"));
    // Depth-first search with the path on the stack; a module met again on its own path closes a
    // cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == node) {
            panic!("module cycle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_owned());
        for next in &graph[node] {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    assert!(
        !graph["backend"].contains("runner"),
        "the backends must not depend on the runner"
    );
}

#[test]
fn only_the_backend_modules_name_a_database() {
    let root = source_dir();
    let mut files = Vec::new();
    rust_files(&root, &root, &mut files);
    let names = [
        "Dialect::POSTGRES",
        "Dialect::SQLITE",
        "PgConnection",
        "SqliteConnection",
        "sqlx::postgres",
        "sqlx::sqlite",
        ".postgres()",
        ".sqlite()",
    ];
    let mut offenders = Vec::new();
    for (relative, text) in &files {
        if relative.starts_with("backend/") {
            continue;
        }
        let code = code(text);
        for name in names {
            if code.contains(name) {
                offenders.push(format!("{relative}: {name}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "database kinds named outside backend/: {offenders:?}"
    );
}
