#!/usr/bin/env python3
"""Measures adopting a real schema: `capp-schema adopt` (catalog read and files written), the
build of the adopted crate, the baseline applied to an empty database, and `check` of the
source after stamping.

Loads tests/fixtures/adopt/<name>/schema.sql into a fresh database on the server at
CAPP_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), runs each step
--runs times and prints the median and the range. The adopted crate is built in a workspace with
this repository's lock file, in target/adopt, after its dependencies are built (their first build
is timed apart, once, when they are not built yet).

Usage: bench/adopt_time.py [NAME ...] [--runs K] [--release]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = os.environ.get("CAPP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BASE = ADMIN.rsplit("/", 1)[0]
WORK = os.path.join(ROOT, "target", "adopt-bench")
TARGET = os.path.join(ROOT, "target", "adopt")


def run(args, **kw):
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - started


def psql(url, *args):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, *args], check=True,
                   stdout=subprocess.DEVNULL)


def fresh(db):
    psql(ADMIN, "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(ADMIN, "-c", f'CREATE DATABASE "{db}"')
    return f"{BASE}/{db}"


def summary(times):
    return f"{statistics.median(times) * 1000:.0f} ms ({min(times) * 1000:.0f} to {max(times) * 1000:.0f})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=["danbooru"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--release", action="store_true")
    args = parser.parse_args()
    profile = ["--release"] if args.release else []
    run(["cargo", "build", "--quiet", *profile, "-p", "capp-schema", "--features", "cli",
         "--bin", "capp-schema"], cwd=ROOT)
    tool = os.path.join(ROOT, "target", "release" if args.release else "debug", "capp-schema")
    for name in args.names:
        source = fresh(f"capp_bench_adopt_{name}")
        psql(source, "-f", os.path.join(ROOT, "tests", "fixtures", "adopt", name, "schema.sql"))
        crate = os.path.join(WORK, name)
        adopt = []
        for _ in range(args.runs):
            shutil.rmtree(WORK, ignore_errors=True)
            adopt.append(run([tool, "adopt", "--database-url", source, "--into", crate,
                              "--capp-schema-path", os.path.join(ROOT, "capp-schema")]))
        with open(os.path.join(WORK, "Cargo.toml"), "w") as f:
            f.write(f'[workspace]\nresolver = "3"\nmembers = ["{name}"]\n')
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), WORK)
        env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
        build = ["cargo", "build", "--quiet", "--manifest-path", os.path.join(WORK, "Cargo.toml")]
        first = run(build, env=env)
        builds = []
        for _ in range(args.runs):
            # The crate alone, rebuilt from scratch: its dependencies stay built.
            subprocess.run(["cargo", "clean", "--quiet", "-p", name, "--manifest-path",
                            os.path.join(WORK, "Cargo.toml")], env=env, check=True)
            builds.append(run(build, env=env))
        binary = os.path.join(TARGET, "debug", name)
        applies = []
        for i in range(args.runs):
            empty = fresh(f"capp_bench_adopt_{name}_{i}")
            applies.append(run([binary, "--database-url", empty, "upgrade", "head"]))
            psql(ADMIN, "-c", f'DROP DATABASE "capp_bench_adopt_{name}_{i}" WITH (FORCE)')
        run([binary, "--database-url", source, "stamp", "0001"])
        checks = [run([binary, "--database-url", source, "check"]) for _ in range(args.runs)]
        psql(ADMIN, "-c", f'DROP DATABASE "capp_bench_adopt_{name}" WITH (FORCE)')
        lines = sum(1 for _ in open(os.path.join(crate, "src", "versions", "0001_baseline.rs")))
        print(f"{name}: baseline of {lines} lines")
        print(f"  adopt (read the catalog, write the crate): {summary(adopt)}")
        print(f"  first build of the workspace (dependencies as they were): {first * 1000:.0f} ms")
        print(f"  build of the adopted crate alone: {summary(builds)}")
        print(f"  baseline applied to an empty database: {summary(applies)}")
        print(f"  check of the stamped source: {summary(checks)}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
