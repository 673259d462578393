#!/usr/bin/env bash
# The migration test of CAPP's guide, against DATABASE_URL (or .env, or sqlite://capp.db):
# check connectivity, show the current revision, apply all migrations, roll back one, re-apply.
# A thin wrapper of `capp-migrate test`; pass --yes where nobody can confirm the rollback.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet -p capp-migrations --bin capp-migrate -- test "$@"
