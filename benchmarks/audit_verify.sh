#!/usr/bin/env bash
# `flask audit verify` over 1,000,000 generated events: does it finish, and at what rate.
# SQLite file by default; BENCH_DATABASE_URL names a PostgreSQL database that is dropped and
# created again (never `test`).
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000000}
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
export FLASK_APP=reviewapp

if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  export DATABASE_URL=$BENCH_DATABASE_URL
  .venv/bin/python -c 'import sys; sys.path.insert(0, "benchmarks")
from load_run import recreate_database
recreate_database(sys.argv[1])' "$DATABASE_URL"
  database="PostgreSQL ($(.venv/bin/python -c 'import sys; from sqlalchemy import make_url; print(make_url(sys.argv[1]).database)' "$DATABASE_URL"))"
else
  export DATABASE_URL=sqlite:///$workdir/audit.sqlite
  database="SQLite file"
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/python benchmarks/seed.py --sections 5 --versions 2 --events "$EVENTS" 2>/dev/null \
  | grep -v '^Sections of\|^Audit events$' >&2

started=$(date +%s.%N)
if ! output=$(.venv/bin/flask audit verify 2>/dev/null); then
  echo "flask audit verify failed: $output" >&2
  exit 1
fi
ended=$(date +%s.%N)
echo "$output" >&2

# "Audit chain intact: N events verified in S s (R events/s)."
events=$(sed -n 's/.*intact: \([0-9]*\) events verified.*/\1/p' <<<"$output")
seconds=$(sed -n 's/.* verified in \([0-9.]*\) s .*/\1/p' <<<"$output")
rate=$(sed -n 's/.*(\([0-9,]*\) events\/s).*/\1/p' <<<"$output")
wall=$(awk -v a="$started" -v b="$ended" 'BEGIN{printf "%.1f", b-a}')
[ -n "$events" ] || { echo "Unexpected output: $output" >&2; exit 1; }

echo "| events verified | verify s | wall s (with start-up and count) | events/s | result | database |"
echo "|---|---|---|---|---|---|"
printf '| %s | %s | %s | %s | intact | %s |\n' \
  "$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$events")" "$seconds" "$wall" "$rate" "$database"
echo
echo "benchmarks/seed.py --sections 5 --versions 2 --events $EVENTS; $(nproc) cores;" \
  "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after."
