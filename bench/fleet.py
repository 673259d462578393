#!/usr/bin/env python3
"""Measures fleets on the server at CAPP_TEST_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres), with the release `capp-migrate` (CAPP's history):

1. verify: N databases already at head (copies of a template migrated once), `capp-migrate fleet
   --databases PATTERN upgrade` checking each in one query; at several per-server bounds;
2. check: the same databases, `fleet check` (a full introspection and diff per target);
3. fresh: M empty databases taken to head by `fleet upgrade`, against `xargs -P` of the
   single-database `capp-migrate upgrade head` at the same parallelism, on a fresh set each run.

Each measurement is the median of --runs (wall clock of the whole command, process start
included), for each `sslmode` of --sslmodes (the server here has `ssl = on`: `prefer` takes TLS).
The databases are dropped at the end.

Usage: bench/fleet.py [--verify 1000] [--fresh 200] [--parallel 8] [--runs 3]
                      [--sslmodes disable,prefer] [--keep]
"""

import argparse
import json
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN = os.environ.get("CAPP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BASE = ADMIN.rsplit("/", 1)[0]
BIN = os.path.join(ROOT, "target", "release", "capp-migrate")


def psql(sql, db=ADMIN):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def timed(args, **kw):
    started = time.perf_counter()
    out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args[:6])} ... failed ({out.returncode}):\n{out.stderr}")
    return elapsed, out.stdout


def median(times):
    return f"{statistics.median(times):.2f} s ({min(times):.2f} to {max(times):.2f})"


def databases(prefix):
    out = subprocess.run(["psql", "-X", "-At", "-d", ADMIN, "-c",
                          f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%' ORDER BY 1"],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return [line for line in out.splitlines() if line]


def drop_all(prefix):
    for name in databases(prefix):
        psql(f'DROP DATABASE "{name}" WITH (FORCE)')


def fleet(pattern, command, per_server, sslmode, parallel=64, fmt="json"):
    return timed([BIN, "--database-url", f"{ADMIN}?sslmode={sslmode}", "-q", "fleet", "--databases", pattern,
                  "--per-server", str(per_server), "--parallel", str(parallel), "--format", fmt,
                  *command])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--verify", type=int, default=1000)
    parser.add_argument("--fresh", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sslmodes", default="disable,prefer")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "capp-migrations", "--bin",
                    "capp-migrate"], cwd=ROOT, check=True)

    # 1. N databases at head: copies of a template migrated once.
    template = "capp_bench_fleet_template"
    psql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{template}"')
    timed([BIN, "--database-url", f"{BASE}/{template}", "-q", "upgrade", "head"])
    have = set(databases("capp_bench_fleet_v_"))
    started = time.perf_counter()
    for i in range(args.verify):
        name = f"capp_bench_fleet_v_{i:05}"
        if name not in have:
            psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    print(f"setup: {args.verify} databases at head in {time.perf_counter() - started:.1f} s")
    modes = args.sslmodes.split(",")
    for mode in modes:
        for per_server in (4, 16, 32):
            times = []
            for _ in range(args.runs):
                elapsed, out = fleet("capp\\_bench\\_fleet\\_v\\_%", ["upgrade"], per_server, mode)
                summary = json.loads(out)["summary"]
                assert summary["targets"] == args.verify and summary["failed"] == 0, summary
                times.append(elapsed)
            print(f"sslmode={mode}: verify {args.verify} at head, --per-server {per_server}: {median(times)}")
    times = []
    for _ in range(args.runs):
        elapsed, out = fleet("capp\\_bench\\_fleet\\_v\\_%", ["check"], 16, modes[0])
        assert json.loads(out)["summary"]["drift"] == 0
        times.append(elapsed)
    print(f"sslmode={modes[0]}: check (introspection and diff) {args.verify}, --per-server 16: {median(times)}")

    # 3. M fresh databases to head: the fleet against xargs -P of the single-database command.
    p = args.parallel
    for mode in modes:
        fleet_times, xargs_times, busy = [], [], []
        for _ in range(args.runs):
            for kind in ("f", "x"):
                drop_all(f"capp_bench_fleet_{kind}_")
                for i in range(args.fresh):
                    psql(f'CREATE DATABASE "capp_bench_fleet_{kind}_{i:05}"')
            elapsed, out = fleet("capp\\_bench\\_fleet\\_f\\_%", ["upgrade"], p, mode, parallel=p)
            results = json.loads(out)["results"]
            assert all(r["to"] is not None and r["result"] == "done" for r in results)
            fleet_times.append(elapsed)
            busy.append(sum(r["duration_ms"] for r in results) / 1000)
            urls = "".join(f"{BASE}/{name}?sslmode={mode}\n" for name in databases("capp_bench_fleet_x_"))
            started = time.perf_counter()
            subprocess.run(["xargs", "-P", str(p), "-I", "{}", BIN, "--database-url", "{}", "-q",
                            "upgrade", "head"], input=urls, text=True, check=True,
                           stdout=subprocess.DEVNULL)
            xargs_times.append(time.perf_counter() - started)
        b = statistics.median(busy)
        print(f"sslmode={mode}: fresh {args.fresh} to head, parallelism {p}: fleet {median(fleet_times)}, "
              f"xargs -P {p} {median(xargs_times)}; the fleet's targets were busy {b:.1f} s in all "
              f"({b / args.fresh * 1000:.0f} ms each)")
    if not args.keep:
        for prefix in ("capp_bench_fleet_v_", "capp_bench_fleet_f_", "capp_bench_fleet_x_"):
            drop_all(prefix)
        psql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


if __name__ == "__main__":
    main()
