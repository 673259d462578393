#!/usr/bin/env bash
# Creates a migration from the difference between the table models and the history's head:
#   ./scripts/create_migration.sh "add user preferences table"
# A thin wrapper of `capp-migrate revision --autogenerate`; extra arguments are passed on
# (for a blank migration: ./scripts/create_migration.sh "backfill statuses" --blank).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ -z "$1" ]; then
  echo "usage: $0 \"description of changes\" [--blank] [capp-migrate revision options]" >&2
  exit 2
fi
message=$1
shift
autogenerate=--autogenerate
args=()
for arg in "$@"; do
  if [ "$arg" = "--blank" ]; then autogenerate=""; else args+=("$arg"); fi
done
exec cargo run --quiet -p capp-migrations --bin capp-migrate -- revision -m "$message" $autogenerate "${args[@]+"${args[@]}"}"
