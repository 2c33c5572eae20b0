#!/usr/bin/env bash
# Requests/s of the public page, its 304 revalidation and the constant /healthz (the ceiling),
# under gunicorn with 2 workers, measured with wrk against the same server in one run.
# ROUNDS rounds each measure the three in turn (rotating which goes first), so drift in the
# machine's load falls on all three; the table shows each one's median round, and the ratio
# is the median of the per-round ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-5099}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

workdir=$(mktemp -d)
export FLASK_APP=reviewapp
export REVIEWAPP_CONFIG=production
export SECRET_KEY=benchmark-only
export SESSION_COOKIE_SECURE=0
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$workdir/bench.sqlite}
export AUDIT_SIGNING_KEY_FILE=$workdir/audit-signing-key.pem
.venv/bin/flask audit keygen >/dev/null 2>&1
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo >/dev/null

# Another server on the port would answer in this one's place and be measured instead.
if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
  echo "port $PORT already answers: choose another with PORT=" >&2
  exit 1
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
.venv/bin/gunicorn --workers 2 --bind 127.0.0.1:$PORT --log-level warning wsgi:app &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
kill -0 "$server" 2>/dev/null || { echo "gunicorn did not start" >&2; exit 1; }

page="/articles/necrotic-metastatic-tumor/clinician"
etag=$(curl -fsI "http://127.0.0.1:$PORT$page" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

# CPU time the gunicorn workers have used so far, in clock ticks. Unlike requests/s it hardly
# moves when other processes compete for the cores, so it tells a slower path from a busy machine.
worker_ticks() {
  local total=0 pid
  for pid in $(pgrep -P "$server"); do
    # Fields after the command name, which may hold spaces: utime and stime are 12th and 13th.
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

measure() {  # name url [header] -> appends "round name rps p50 p99 errors cpu_us" to $workdir/runs
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-H "$3")
  local out before
  before=$(worker_ticks)
  out=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$2")
  awk -v round="$round" -v name="$1" -v ticks=$(($(worker_ticks) - before)) \
    -v per_second="$ticks_per_second" '
    / requests in / {requests = $1}
    /Requests\/sec/ {rps = $2}
    $1 == "50%" {p50 = $2}
    $1 == "99%" {p99 = $2}
    /Non-2xx or 3xx/ {errors = $5}
    END {print round, name, rps, p50, p99, errors + 0, 1e6 * ticks / per_second / requests}' \
    <<<"$out" >>"$workdir/runs"
}

for round in $(seq 1 "$ROUNDS"); do
  order=(ceiling full revalidate)
  order=("${order[@]:$(( (round - 1) % 3 ))}" "${order[@]:0:$(( (round - 1) % 3 ))}")
  for name in "${order[@]}"; do
    case $name in
      ceiling) measure ceiling /healthz ;;
      full) measure full "$page" ;;
      revalidate) measure revalidate "$page" "If-None-Match: $etag" ;;
    esac
  done
  echo "round $round of $ROUNDS done" >&2
done

awk -v page="$page" '
  function median(values, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  {
    rps[$2, $1] = $3; p50[$2, $1] = $4; p99[$2, $1] = $5; errors[$2] += $6; cpu[$2, $1] = $7
    rounds[$1] = 1
  }
  END {
    n = length(rounds)
    split("ceiling full revalidate", names, " ")
    label["ceiling"] = "/healthz (constant, the ceiling)"
    label["full"] = page " (200)"
    label["revalidate"] = page " (304 with If-None-Match)"
    print "| endpoint | requests/s (median round) | p50 | p99 | non-2xx/3xx | vs ceiling (median of rounds) | ratio per round | worker CPU µs/request (median) |"
    print "|---|---|---|---|---|---|---|---|"
    for (k = 1; k <= 3; k++) {
      name = names[k]; delete values; delete ratios; delete costs; per_round = ""
      for (r = 1; r <= n; r++) {
        values[r] = rps[name, r]; ratios[r] = rps[name, r] / rps["ceiling", r]; costs[r] = cpu[name, r]
        per_round = per_round (r > 1 ? " " : "") sprintf("%.0f%%", 100 * ratios[r])
      }
      middle = median(values, n)
      for (r = 1; r <= n; r++) if (rps[name, r] == middle) chosen = r
      printf "| %s | %.0f | %s | %s | %d | %.0f%% | %s | %.0f |\n", label[name], middle, \
        p50[name, chosen], p99[name, chosen], errors[name], 100 * median(ratios, n), per_round, \
        median(costs, n)
    }
  }' "$workdir/runs"
echo
echo "gunicorn 2 sync workers; wrk -t2 -c$CONNECTIONS, $ROUNDS rounds of $DURATION per endpoint, on the same $(nproc)-core machine; database: ${DATABASE_URL%%:*}; load average before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
