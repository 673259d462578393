//! The crate `capp-schema adopt` writes: a manifest, a build script that makes every file in
//! `src/versions/` a module, the chain's marker type, the `migrate` binary, the models and the
//! baseline.

use std::io;
use std::path::{Path, PathBuf};

use super::{baseline, models_file};
use crate::schema::Schema;

/// What to write, and where.
#[derive(Debug, Clone)]
pub struct AdoptOptions {
    /// The new crate's directory; it must not exist, or be empty.
    pub dir: PathBuf,
    /// The crate's name (`billing-migrations`).
    pub crate_name: String,
    /// The baseline's revision id (`0001`, or the decimal id Alembic reports).
    pub rev: String,
    /// The baseline's message.
    pub message: String,
    /// Depend on capp-schema at this path (a checkout, a vendored copy) rather than by version
    /// alone.
    pub capp_schema_path: Option<PathBuf>,
}

/// The files written.
#[derive(Debug, Clone)]
pub struct Written {
    pub files: Vec<PathBuf>,
    /// The baseline migration's file.
    pub baseline: PathBuf,
    /// The operations in the baseline's upgrade.
    pub operations: usize,
}

/// The versions of the crates the written crate depends on: those capp-schema is built and
/// tested with (a test keeps them equal to the workspace's).
pub(crate) const DEPENDENCIES: [(&str, &str); 5] = [
    (
        "tokio",
        r#"{ version = "1.54.1", features = ["rt-multi-thread", "macros"] }"#,
    ),
    (
        "chrono",
        r#"{ version = "0.4.45", default-features = false, features = ["std", "clock"] }"#,
    ),
    ("uuid", r#""1.29.3""#),
    (
        "rust_decimal",
        r#"{ version = "1.43.0", default-features = false, features = ["std"] }"#,
    ),
    ("serde_json", r#""1.0.154""#),
];

/// Writes the crate for `schema` (see the module documentation); refuses a directory that holds
/// anything.
pub fn write_crate(schema: &Schema, options: &AdoptOptions) -> io::Result<Written> {
    let dir = &options.dir;
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} is not empty: adopt writes a new crate; give it a new directory",
                dir.display()
            ),
        ));
    }
    let plan = baseline(schema);
    let crate_ident = options.crate_name.replace('-', "_");
    let models = models_file(schema);
    let baseline_name = format!("{}_{}.rs", options.rev, slug(&options.message));
    let migration = crate::autogen::written_file(
        &options.rev,
        None,
        &options.message,
        &plan,
        "Written by `capp-schema adopt` from the database's catalog: it builds that schema from nothing, and its downgrade removes it.",
    );
    let files = [
        ("Cargo.toml".to_owned(), manifest(options)),
        ("build.rs".to_owned(), BUILD_RS.to_owned()),
        ("src/lib.rs".to_owned(), LIB_RS.to_owned()),
        ("src/main.rs".to_owned(), main_rs(&crate_ident)),
        ("src/models.rs".to_owned(), models),
        (format!("src/versions/{baseline_name}"), migration),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(Written {
        baseline: dir.join("src/versions").join(baseline_name),
        files: written,
        operations: plan.upgrade.len(),
    })
}

/// A message as a file name: `initial schema` is `initial_schema`.
fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(40).collect()
}

fn manifest(options: &AdoptOptions) -> String {
    let capp_schema = match &options.capp_schema_path {
        Some(path) => format!(
            r#"{{ version = "{}", path = {:?}, features = ["postgres", "cli"] }}"#,
            env!("CARGO_PKG_VERSION"),
            path.display().to_string()
        ),
        None => format!(
            r#"{{ version = "{}", features = ["postgres", "cli"] }}"#,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let mut out = format!(
        "[package]\nname = {:?}\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ncapp-schema = {capp_schema}\n",
        options.crate_name
    );
    for (name, spec) in DEPENDENCIES {
        out.push_str(&format!("{name} = {spec}\n"));
    }
    out
}

fn main_rs(crate_ident: &str) -> String {
    format!(
        r#"//! The migration command (`cargo run -- --help`): Alembic's commands over this crate's history.

use capp_schema::cli::Project;

#[tokio::main]
async fn main() -> std::process::ExitCode {{
    capp_schema::cli::main::<{crate_ident}::Migrations>(Project {{
        versions_dir: Some({crate_ident}::VERSIONS_DIR),
        models: Some({crate_ident}::models::all),
    }})
    .await
}}
"#
    )
}

const LIB_RS: &str = r#"//! The database's migration history: one file per revision in `src/versions/`, the first a
//! baseline written by `capp-schema adopt`.

pub mod models;

/// The marker type of this migration chain.
#[derive(capp_schema::Chain, Debug)]
pub struct Migrations;

/// The migration files, one module each (see `build.rs`).
#[allow(clippy::too_many_lines)]
mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

/// The versions folder, for `revision` to write new migration files into.
pub const VERSIONS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/versions");
"#;

const BUILD_RS: &str = r##"//! Makes every `*.rs` file in `src/versions/` a module, so that no migration can be left out of
//! the build; adding or removing one re-runs this script.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("src/versions");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = String::new();
    for path in &files {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name");
        let module: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        writeln!(out, "#[path = {:?}]\nmod v_{module};", path.display().to_string()).expect("write to String");
    }
    let dest = Path::new(&env::var("OUT_DIR").expect("set by cargo")).join("versions.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}
"##;

/// The manifest of a workspace `dir` is inside of and not (by its folder's name) a member of:
/// the new crate must be listed there before it builds.
pub(crate) fn enclosing_workspace(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_str()?;
    dir.ancestors().skip(1).find_map(|d| {
        let manifest = d.join("Cargo.toml");
        std::fs::read_to_string(&manifest)
            .ok()
            .filter(|text| text.contains("[workspace]") && !text.contains(&format!("\"{name}\"")))
            .map(|_| manifest)
    })
}
