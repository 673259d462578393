#!/usr/bin/env python3
"""Measures what the compile-time chain checks cost.

Generates a crate with N migrations (one file each, like a real history) in three variants and
times `cargo build` of that crate alone (its dependencies are built first and not counted):

  attributes   #[migration]/#[downgrade] with every chain check and the inventory registration
  plain        the same functions without the attributes (unreferenced, so rustc skips codegen)
  referenced   the same functions without the attributes, listed in a static table, the way a
               hand-written registry would refer to them

Usage: bench/chain_build_time.py [N ...] [--reverse] [--runs K]
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


def migration_file(i, attributes):
    rev = f"{i:05d}"
    down = "None" if i == 1 else f'"{i - 1:05d}"'
    body_up = f'    op.add_column("t{i % 50}", "c{i}", ColumnType::BigInt).not_null().default_sql("0");\n'
    body_down = f'    op.drop_column("t{i % 50}", "c{i}");\n'
    up_attr = f'#[migration(rev = "{rev}", down_rev = {down}, message = "add c{i}")]\n' if attributes else ""
    down_attr = f'#[downgrade(rev = "{rev}")]\n' if attributes else ""
    imports = "downgrade, migration, " if attributes else ""
    vis = "" if attributes else "pub "
    return (
        f"use capp_schema::{{{imports}ColumnType, Operations}};\n\n"
        f"{up_attr}{vis}fn upgrade(op: &mut Operations) {{\n{body_up}}}\n\n"
        f"{down_attr}{vis}fn downgrade(op: &mut Operations) {{\n{body_down}}}\n"
    )


def generate(n, variant, reverse):
    crate = os.path.join(GEN, f"{variant}-{n}{'-rev' if reverse else ''}")
    shutil.rmtree(crate, ignore_errors=True)
    os.makedirs(os.path.join(crate, "src"))
    name = f"chain_bench_{variant}_{n}{'_rev' if reverse else ''}"
    with open(os.path.join(crate, "Cargo.toml"), "w") as f:
        f.write(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
            f'[dependencies]\ncapp-schema = {{ path = "{ROOT}/capp-schema" }}\n\n[workspace]\n'
        )
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), crate)
    order = range(n, 0, -1) if reverse else range(1, n + 1)
    lib = ["#![allow(dead_code)]\n"]
    if variant == "attributes":
        lib.append("#[derive(capp_schema::Chain)]\npub struct Migrations;\n")
    for i in order:
        with open(os.path.join(crate, "src", f"m{i:05d}.rs"), "w") as f:
            f.write(migration_file(i, variant == "attributes"))
        lib.append(f"mod m{i:05d};\n")
    if variant == "referenced":
        lib.append("pub static ALL: &[(fn(&mut capp_schema::Operations), fn(&mut capp_schema::Operations))] = &[\n")
        lib.extend(f"    (m{i:05d}::upgrade, m{i:05d}::downgrade),\n" for i in order)
        lib.append("];\n")
    with open(os.path.join(crate, "src", "lib.rs"), "w") as f:
        f.write("".join(lib))
    return crate, name


def cargo(crate, *args):
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    return subprocess.run(["cargo", *args, "--quiet", "--offline"], cwd=crate, env=env, capture_output=True, text=True)


def time_build(crate, name, runs):
    built = cargo(crate, "build")
    if built.returncode != 0:
        sys.exit(f"build of {crate} failed:\n{built.stderr[-4000:]}")
    times = []
    for _ in range(runs):
        cargo(crate, "clean", "-p", name)
        start = time.monotonic()
        result = cargo(crate, "build")
        times.append(time.monotonic() - start)
        if result.returncode != 0:
            sys.exit(result.stderr[-4000:])
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("counts", nargs="*", type=int, default=[1000])
    parser.add_argument("--reverse", action="store_true", help="declare migrations newest first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", default="attributes,plain,referenced")
    args = parser.parse_args()
    print(f"| migrations | order | variant | cargo build (s), median of {args.runs} |")
    print("|---|---|---|---|")
    for n in args.counts:
        results = {}
        for variant in args.variants.split(","):
            crate, name = generate(n, variant, args.reverse)
            results[variant] = time_build(crate, name, args.runs)
            order = "newest first" if args.reverse else "oldest first"
            print(f"| {n} | {order} | {variant} | {results[variant]:.2f} |", flush=True)
        if "attributes" in results:
            for base in ("plain", "referenced"):
                if base in results:
                    print(f"  attributes / {base}: {results['attributes'] / results[base]:.2f}x", flush=True)


if __name__ == "__main__":
    main()
