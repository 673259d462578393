#!/usr/bin/env python3
"""Measures what the compile-time chain checks cost, against sqlx's `migrate!`, in one run.

Generates crates with N migrations (one file each, like a real history) and times `cargo build`
of each crate alone (its dependencies are built first and not counted), three ways:

  clean     after `cargo clean -p` of the crate (incremental state gone)
  add one   after a new migration is added to a built crate (the edit-build loop)
  edit one  after one migration's body is changed in a built crate

Variants:

  attributes   #[migration]/#[downgrade] with every chain check and the inventory registration
  sqlx         sqlx's `migrate!("./migrations")` embedding the same changes as N `.up.sql` and
               `.down.sql` files, with the build.rs sqlx documents so that a new file is seen
  referenced   the functions without attributes, listed in one static table (what any registry
               that calls the functions must compile)
  submit       the floor of one `inventory::submit!` per migration (a struct of a &str and a fn)
  impls        the floor of the rule impls: three trait impls per migration on one marker type
               (`Revision<R>`, `OnlyOneMigrationMayRevise<P>`, `DowngradeOf<R>`)
  consts       the floor of the const evaluations: one `const _` calling a const fn whose bound
               is one of those impls, per migration
  expanded     what the attributes expand to, written out: no proc macro runs
  expanded-no-inventory   the same with the registration an unsubmitted static
  expanded-no-rules       the same without the rule impls and the const calls that need them
  expanded-no-calls       the same with the rule impls but without the generic const fn calls
                          (`parent`, `downgrade_of`, `require_upgrade`)

Variants by default: attributes, sqlx, referenced and the floors; --variants picks any.

Usage: bench/chain_build_time.py [N ...] [--runs K] [--variants a,b,...]
Prints a Markdown table, and the ratios of attributes to sqlx.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(ROOT, "bench", "generated")
TARGET = os.path.join(ROOT, "target")
VARIANTS = ["attributes", "sqlx", "referenced", "submit", "impls", "consts"]
# What the attributes expand to, written out (so no proc macro runs), whole and without one part:
# their differences attribute the attributes' time to its parts.
EXPANDED = ["expanded", "expanded-no-inventory", "expanded-no-rules", "expanded-no-calls"]


def expanded_migration(i, variant, body_extra=""):
    """The expansion of one migration's two attributes, as `-Zunpretty=expanded` prints it;
    `expanded-no-inventory` keeps the registration as an unsubmitted `static`, and
    `expanded-no-rules` drops the rule impls and the const calls that require them."""
    rules = variant != "expanded-no-rules"
    calls = rules and variant != "expanded-no-calls"
    parent = "None" if i == 1 else (
        f'::capp_schema::__private::parent::<__Chain, {i - 1}>("{i - 1:05d}")' if calls else f'Some("{i - 1:05d}")'
    )
    rule_impls = ""
    if rules:
        rule_impls = f"impl ::capp_schema::rules::Revision<{i}> for __Chain {{}}\n"
        rule_impls += (
            "impl ::capp_schema::rules::OnlyOneBaseMigration for __Chain {}\n" if i == 1
            else f"impl ::capp_schema::rules::OnlyOneMigrationMayRevise<{i - 1}> for __Chain {{}}\n"
        )
    down_step = (
        "::capp_schema::__private::Downgrade::Reversible(::capp_schema::__private::Step { "
        "record: &::capp_schema::__private::function::<Operations>(downgrade), checksum: [1; 32] })"
    )
    downgrade = f"::capp_schema::__private::downgrade_of::<__Chain, {i}, true>()" if calls else down_step
    registration = f"""::capp_schema::__private::Registration {{
        chain: ::core::any::TypeId::of::<__Chain>,
        rev: "{i:05d}",
        down_rev: {parent},
        message: "add c{i}",
        transactional: true,
        location: ::capp_schema::__private::Location {{ file: "src/m{i:05d}.rs", line: 3u32, module_path: "m{i:05d}" }},
        upgrade: ::capp_schema::__private::Step {{
            record: &::capp_schema::__private::function::<::capp_schema::Operations>(upgrade),
            checksum: [{i % 256}; 32],
        }},
        downgrade: {downgrade},
        timeouts: ::capp_schema::__private::MigrationTimeouts {{
            lock_timeout: None, lock_retry_budget: None, statement_timeout: None,
        }},
        allow_lint: &[],
    }}"""
    if variant == "expanded-no-inventory":
        submit = f"static __REGISTRATION: ::capp_schema::__private::Registration = {registration};\n"
    else:
        submit = f"::capp_schema::__private::inventory::submit! {{ {registration} }}\n"
    downgrade_rules = ""
    if rules:
        downgrade_rules = f"""impl ::capp_schema::rules::DowngradeOf<{i}> for __Chain {{
        const TRANSACTIONAL: bool = <Operations as ::capp_schema::Recorder>::TRANSACTIONAL;
        const DOWNGRADE: ::capp_schema::__private::Downgrade = {down_step};
    }}
"""
        if calls:
            downgrade_rules += f"const _: () = {{ ::capp_schema::__private::require_upgrade::<__Chain, {i}>(); }};\n"
    return f"""#![allow(non_camel_case_types, non_upper_case_globals)]
use capp_schema::{{ColumnType, Operations}};
fn upgrade(op: &mut Operations) {{
    op.add_column("t{i % 50}", "c{i}", ColumnType::BigInt).not_null().default_sql("0{body_extra}");
}}
const _: () = {{
    type __Chain = crate::Migrations;
    {rule_impls}
    {submit}
}};
fn downgrade(op: &mut Operations) {{
    op.drop_column("t{i % 50}", "c{i}");
}}
const _: () = {{
    type __Chain = crate::Migrations;
    {downgrade_rules}
}};
"""


def rust_migration(i, variant, body_extra=""):
    """One migration file of a Rust variant; `body_extra` changes its body (an edit)."""
    if variant in EXPANDED:
        return expanded_migration(i, variant, body_extra)
    up = f'    op.add_column("t{i % 50}", "c{i}", ColumnType::BigInt).not_null().default_sql("0{body_extra}");\n'
    down = f'    op.drop_column("t{i % 50}", "c{i}");\n'
    if variant == "attributes":
        parent = "None" if i == 1 else f'"{i - 1:05d}"'
        return (
            "use capp_schema::{downgrade, migration, ColumnType, Operations};\n\n"
            f'#[migration(rev = "{i:05d}", down_rev = {parent}, message = "add c{i}")]\n'
            f"fn upgrade(op: &mut Operations) {{\n{up}}}\n\n"
            f'#[downgrade(rev = "{i:05d}")]\nfn downgrade(op: &mut Operations) {{\n{down}}}\n'
        )
    if variant == "referenced":
        return (
            "use capp_schema::{ColumnType, Operations};\n\n"
            f"pub fn upgrade(op: &mut Operations) {{\n{up}}}\n\n"
            f"pub fn downgrade(op: &mut Operations) {{\n{down}}}\n"
        )
    if variant == "submit":
        return (
            f"fn upgrade() -> u64 {{ {i}{body_extra.replace('0', '')} }}\n\n"
            f'inventory::submit! {{ crate::Registration {{ rev: "{i:05d}", run: upgrade }} }}\n'
        )
    if variant == "impls":
        parent = "crate::OnlyOneBase" if i == 1 else f"crate::OnlyOneMigrationMayRevise<{i - 1}>"
        return (
            f"// {body_extra}\n"
            f"impl crate::Revision<{i}> for crate::Migrations {{}}\n"
            f"impl {parent} for crate::Migrations {{}}\n"
            f"impl crate::DowngradeOf<{i}> for crate::Migrations {{ const TRANSACTIONAL: bool = true; }}\n"
        )
    if variant == "consts":
        parent = 1 if i == 1 else i - 1
        return (
            f"impl crate::Revision<{i}> for crate::Migrations {{}}\n"
            f'const _: Option<&str> = crate::parent::<crate::Migrations, {parent}>("{i:05d}{body_extra}");\n'
        )
    raise ValueError(variant)


FLOOR_PRELUDE = {
    "submit": (
        "pub struct Registration { pub rev: &'static str, pub run: fn() -> u64 }\n"
        "inventory::collect!(Registration);\n"
    ),
    "impls": (
        "pub struct Migrations;\n"
        "pub trait Revision<const R: u64> {}\n"
        "pub trait OnlyOneMigrationMayRevise<const P: u64> {}\n"
        "pub trait OnlyOneBase {}\n"
        "pub trait DowngradeOf<const R: u64> { const TRANSACTIONAL: bool; }\n"
    ),
    "consts": (
        "pub struct Migrations;\n"
        "pub trait Revision<const R: u64> {}\n"
        "pub const fn parent<C: Revision<P>, const P: u64>(rev: &'static str) -> Option<&'static str> { Some(rev) }\n"
    ),
}


def sql_files(i, body_extra=""):
    up = f"ALTER TABLE t{i % 50} ADD COLUMN c{i} BIGINT NOT NULL DEFAULT 0{body_extra};\n"
    down = f"ALTER TABLE t{i % 50} DROP COLUMN c{i};\n"
    return up, down


class Crate:
    def __init__(self, n, variant):
        self.n, self.variant = n, variant
        self.dir = os.path.join(GEN, f"{variant}-{n}")
        self.name = f"chain_bench_{variant.replace('-', '_')}_{n}"

    def generate(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "src"))
        deps = {
            "attributes": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\n',
            "expanded": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\ninventory = "0.3.25"\n',
            "expanded-no-inventory": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\ninventory = "0.3.25"\n',
            "expanded-no-calls": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\ninventory = "0.3.25"\n',
            "expanded-no-rules": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\ninventory = "0.3.25"\n',
            "referenced": f'capp-schema = {{ path = "{ROOT}/capp-schema" }}\n',
            "sqlx": 'sqlx = { version = "0.9.0", default-features = false, features = ["migrate", "macros", "runtime-tokio"] }\n',
            "submit": 'inventory = "0.3.25"\n',
            "impls": "",
            "consts": "",
        }[self.variant]
        with open(os.path.join(self.dir, "Cargo.toml"), "w") as f:
            f.write(
                f'[package]\nname = "{self.name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
                f"[dependencies]\n{deps}\n[workspace]\n"
            )
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), self.dir)
        if self.variant == "sqlx":
            os.makedirs(os.path.join(self.dir, "migrations"))
            with open(os.path.join(self.dir, "build.rs"), "w") as f:
                f.write('fn main() {\n    println!("cargo:rerun-if-changed=migrations");\n}\n')
            for i in range(1, self.n + 1):
                self.write_sql(i)
        else:
            for i in range(1, self.n + 1):
                self.write_rust(i)
        self.write_lib(self.n)

    def write_rust(self, i, body_extra=""):
        with open(os.path.join(self.dir, "src", f"m{i:05d}.rs"), "w") as f:
            f.write(rust_migration(i, self.variant, body_extra))

    def write_sql(self, i, body_extra=""):
        up, down = sql_files(i, body_extra)
        base = os.path.join(self.dir, "migrations", f"{i:05d}_add_c{i}")
        with open(base + ".up.sql", "w") as f:
            f.write(up)
        with open(base + ".down.sql", "w") as f:
            f.write(down)

    def write_lib(self, n):
        lib = ["#![allow(dead_code)]\n"]
        if self.variant == "sqlx":
            lib.append('pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");\n')
        else:
            if self.variant == "attributes" or self.variant in EXPANDED:
                lib.append("#[derive(capp_schema::Chain)]\npub struct Migrations;\n")
            lib.append(FLOOR_PRELUDE.get(self.variant, ""))
            lib.extend(f"mod m{i:05d};\n" for i in range(1, n + 1))
            if self.variant == "referenced":
                lib.append("pub static ALL: &[(fn(&mut capp_schema::Operations), fn(&mut capp_schema::Operations))] = &[\n")
                lib.extend(f"    (m{i:05d}::upgrade, m{i:05d}::downgrade),\n" for i in range(1, n + 1))
                lib.append("];\n")
        with open(os.path.join(self.dir, "src", "lib.rs"), "w") as f:
            f.write("".join(lib))

    def add(self, i):
        """Adds migration `i` (n + 1), as a developer adds a file."""
        if self.variant == "sqlx":
            self.write_sql(i)
        else:
            self.write_rust(i)
            self.write_lib(i)

    def remove(self, i):
        if self.variant == "sqlx":
            for d in ("up", "down"):
                os.remove(os.path.join(self.dir, "migrations", f"{i:05d}_add_c{i}.{d}.sql"))
        else:
            os.remove(os.path.join(self.dir, "src", f"m{i:05d}.rs"))
            self.write_lib(self.n)

    def edit(self, i, extra):
        if self.variant == "sqlx":
            self.write_sql(i, extra)
        else:
            self.write_rust(i, extra)

    def cargo(self, *args):
        env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
        return subprocess.run(["cargo", *args, "--quiet"], cwd=self.dir, env=env, capture_output=True, text=True)

    def build(self):
        start = time.monotonic()
        result = self.cargo("build")
        elapsed = time.monotonic() - start
        if result.returncode != 0:
            sys.exit(f"build of {self.dir} failed:\n{result.stderr[-4000:]}")
        return elapsed


def measure(crate, runs):
    crate.generate()
    crate.build()
    clean, add, edit = [], [], []
    for run in range(runs):
        crate.cargo("clean", "-p", crate.name)
        clean.append(crate.build())
        crate.add(crate.n + 1)
        add.append(crate.build())
        crate.remove(crate.n + 1)
        crate.build()
        crate.edit(crate.n // 2, f" + {run + 1}")
        edit.append(crate.build())
    return statistics.median(clean), statistics.median(add), statistics.median(edit)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("counts", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    print(f"| migrations | variant | clean (s) | add one (s) | edit one (s) |  (medians of {args.runs})")
    print("|---:|---|---:|---:|---:|")
    for n in args.counts:
        results = {}
        for variant in args.variants.split(","):
            results[variant] = measure(Crate(n, variant), args.runs)
            clean, add, edit = results[variant]
            print(f"| {n} | {variant} | {clean:.2f} | {add:.2f} | {edit:.2f} |", flush=True)
        if "attributes" in results and "sqlx" in results:
            ours, theirs = results["attributes"], results["sqlx"]
            ratios = ", ".join(
                f"{what} {o / t:.2f}x" for what, o, t in zip(("clean", "add one", "edit one"), ours, theirs)
            )
            print(f"  attributes / sqlx at {n}: {ratios}", flush=True)


if __name__ == "__main__":
    main()
