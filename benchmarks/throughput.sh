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
.venv/bin/flask db upgrade >/dev/null 2>&1
.venv/bin/flask demo >/dev/null

.venv/bin/gunicorn --workers 2 --bind 127.0.0.1:$PORT --log-level warning wsgi:app &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

page="/articles/necrotic-metastatic-tumor"
etag=$(curl -fsI "http://127.0.0.1:$PORT$page" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

measure() {  # name url [header] -> appends "round name rps p50 p99 errors" to $workdir/runs
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-H "$3")
  local out
  out=$(wrk "${args[@]}" "http://127.0.0.1:$PORT$2")
  awk -v round="$round" -v name="$1" '
    /Requests\/sec/ {rps = $2}
    $1 == "50%" {p50 = $2}
    $1 == "99%" {p99 = $2}
    /Non-2xx or 3xx/ {errors = $5}
    END {print round, name, rps, p50, p99, errors + 0}' <<<"$out" >>"$workdir/runs"
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
  { rps[$2, $1] = $3; p50[$2, $1] = $4; p99[$2, $1] = $5; errors[$2] += $6; rounds[$1] = 1 }
  END {
    n = length(rounds)
    split("ceiling full revalidate", names, " ")
    label["ceiling"] = "/healthz (constant, the ceiling)"
    label["full"] = page " (200)"
    label["revalidate"] = page " (304 with If-None-Match)"
    print "| endpoint | requests/s (median round) | p50 | p99 | non-2xx/3xx | vs ceiling (median of rounds) | ratio per round |"
    print "|---|---|---|---|---|---|---|"
    for (k = 1; k <= 3; k++) {
      name = names[k]; delete values; delete ratios; per_round = ""
      for (r = 1; r <= n; r++) {
        values[r] = rps[name, r]; ratios[r] = rps[name, r] / rps["ceiling", r]
        per_round = per_round (r > 1 ? " " : "") sprintf("%.0f%%", 100 * ratios[r])
      }
      middle = median(values, n)
      for (r = 1; r <= n; r++) if (rps[name, r] == middle) chosen = r
      printf "| %s | %.0f | %s | %s | %d | %.0f%% | %s |\n", label[name], middle, \
        p50[name, chosen], p99[name, chosen], errors[name], 100 * median(ratios, n), per_round
    }
  }' "$workdir/runs"
echo
echo "gunicorn 2 sync workers; wrk -t2 -c$CONNECTIONS, $ROUNDS rounds of $DURATION per endpoint, on the same $(nproc)-core machine; database: ${DATABASE_URL%%:*}"
