#!/usr/bin/env bash
# Requests/s of the public page, its 304 revalidation and the constant /healthz (the ceiling),
# under gunicorn with 2 workers, measured with wrk in one run on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-5099}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

workdir=$(mktemp -d)
export FLASK_APP=reviewapp
export REVIEWAPP_CONFIG=production
export SECRET_KEY=benchmark-only
export SESSION_COOKIE_SECURE=0
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$workdir/bench.sqlite}
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo >/dev/null

.venv/bin/gunicorn --workers 2 --bind 127.0.0.1:$PORT --log-level warning wsgi:app &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

page="/articles/necrotic-metastatic-tumor"
etag=$(curl -fsI "http://127.0.0.1:$PORT$page" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

rate() {  # url [header]
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" --latency)
  [ -n "${2:-}" ] && args+=(-H "$2")
  local out
  out=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$1")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out")
  echo "$rps ${p50:-?} ${p99:-?} ${errors:-0}"
}

read -r ceiling c50 c99 cerr < <(rate /healthz)
read -r full f50 f99 ferr < <(rate "$page")
read -r revalidate r50 r99 rerr < <(rate "$page" "If-None-Match: $etag")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.0f%%", 100*a/b}'; }
echo "| endpoint | requests/s | p50 | p99 | non-2xx/3xx | vs ceiling |"
echo "|---|---|---|---|---|---|"
echo "| /healthz (constant, the ceiling) | $ceiling | $c50 | $c99 | $cerr | 100% |"
echo "| $page (200) | $full | $f50 | $f99 | $ferr | $(ratio "$full" "$ceiling") |"
echo "| $page (304 with If-None-Match) | $revalidate | $r50 | $r99 | $rerr | $(ratio "$revalidate" "$ceiling") |"
echo
echo "gunicorn 2 sync workers, wrk -t2 -c$CONNECTIONS -d$DURATION on the same $(nproc)-core machine; database: ${DATABASE_URL%%:*}"
