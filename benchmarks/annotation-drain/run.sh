#!/usr/bin/env bash
# Drain benchmark: the original script's method (baseline.py) vs `aeg poll --once`, side by side
# on the same backlog, both sending over TCP to the same counting sink on loopback.
#
#   benchmarks/annotation-drain/run.sh [ROWS]        # default 1000000
#
# Database: the MariaDB at AEG_BENCH_DB_HOST:AEG_BENCH_DB_PORT (default 127.0.0.1:33306) as
# AEG_BENCH_DB_USER / AEG_BENCH_DB_PASSWORD (default aeg_admin / aeg-test), a user allowed to
# create databases. A throwaway database aeg_bench_<pid> is created and dropped.
# Aeg's batch size: AEG_BENCH_BATCH (default: Aeg's own default, poller.batchSize unset).
# AEG_BENCH_EXTRA_YAML: more lines for aeg.yaml, e.g. "analytics: { enabled: false }".
# AEG_BENCH_REPS (default 1): how many times each method drains the backlog (fresh state each
# time), each round in a rotated order; medians are printed. AEG_BENCH_BASELINE=0: Aeg builds only. AEG_BENCH_VARIANTS: extra Aeg builds to compare in the same run,
# space-separated label=/path/to/published/dir (each run as label=dir/aeg), e.g. to A/B a change.
# Aeg is the Native AOT build that README "Install" gives (dotnet publish -r linux-x64), or the
# one already published in AEG_BENCH_AEG_DIR (skips the ~5-minute publish; it must be of this tree); a
# variant can be the JIT build: dotnet publish ... -p:PublishAot=false -o DIR. A variant whose DIR
# holds a cef-mappings.yaml uses it (an older build may not know a newer file's sources).
# The sink stays sink.py although it takes ~1 CPU s of the two cores per run: a leaner sink (one
# in C, or sink.py reading into a reused buffer) made the baseline ~10-15% slower, since it then
# wakes once per message of the baseline's one-send-per-row (../history/2026-12-sessions-1-8.md, issue 3, eighth session).
# Installs python3-mysqldb, time, bc, mariadb-client, and gcc, libc6-dev and zlib1g-dev (to link
# the native aeg) with apt-get when missing.
set -euo pipefail
ROWS=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../bench-db.sh"
BATCH=${AEG_BENCH_BATCH:-}
REPS=${AEG_BENCH_REPS:-1}
VARIANTS=${AEG_BENCH_VARIANTS:-}
PY=/usr/bin/python3   # Debian's python, where the apt-installed driver lives
DB=aeg_bench_$$
WORK=$(mktemp -d /tmp/aeg-drain-XXXXXX)
SINK_PID=""

need() { dpkg -s "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$1" >/dev/null; }; }
need python3-mysqldb
need time
need mariadb-client
need bc
need gcc
need libc6-dev
need zlib1g-dev

cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  sql -e "DROP DATABASE IF EXISTS $DB" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# Waits until the sink has counted $1 messages (deadline 600 s); fails otherwise.
wait_count() {
  local want=$1 deadline=$(( $(date +%s) + 600 ))
  while [ "$(cat "$WORK/count" 2>/dev/null || echo 0)" -lt "$want" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "sink got $(cat "$WORK/count") of $want" >&2; return 1; }
    sleep 0.05
  done
}
rss_mb() { awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
cpu_s() { awk -F: '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# Restarts the sink so its count starts from 0 (it keeps one running total).
restart_sink() {
  [ -n "$SINK_PID" ] && { kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true; }
  rm -f "$WORK/count" "$WORK/count.done"
  $PY "$HERE/sink.py" "$SINK_PORT" "$WORK/count" "$ROWS" &
  SINK_PID=$!
  for _ in $(seq 100); do [ -f "$WORK/count" ] && break; sleep 0.05; done
}

if [ -n "${AEG_BENCH_AEG_DIR:-}" ]; then
  echo "== aeg from $AEG_BENCH_AEG_DIR"
  mkdir -p "$WORK/aeg" && cp "$AEG_BENCH_AEG_DIR/aeg" "$WORK/aeg/aeg"
else
  echo "== building aeg (Release, Native AOT)"
  dotnet publish "$REPO/src/Aeg" -c Release -r linux-x64 -o "$WORK/aeg" -v q -nologo >/dev/null
fi

echo "== loading $ROWS rows into $DB"
sql -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
sql "$DB" < "$REPO/content/esm/schema.sql"
t0=$(now)
{ echo "SET @rows = $ROWS;"; cat "$HERE/load.sql"; } | sql "$DB"
echo "   loaded in $(echo "$(now) - $t0" | bc) s"

SINK_PORT=$(free_port)

BATCH_YAML=${BATCH:+batchSize: $BATCH, }
# One drain by method $1 (baseline or the aeg at $2); appends "delivered cpu rss finished" to
# $WORK/$1.runs: seconds until the sink had every event, CPU seconds, peak RSS, and seconds until
# the process had exited and the sink had every event (aeg records analyst metrics of a backlog
# beside sending it and may finish the last batches after the sink has every event).
run_one() {
  local label=$1 bin=${2:-} t0 s
  restart_sink
  rm -rf "$WORK/state"; mkdir -p "$WORK/state"
  t0=$(now)
  if [ "$label" = baseline ]; then
    /usr/bin/time -v -o "$WORK/run.time" $PY "$HERE/baseline.py" "$WORK/state" "$HOST" "$USER_" "$AEG_BENCH_DB_PASSWORD" "$PORT" "$DB" 127.0.0.1 "$SINK_PORT"
  else
    cat > "$WORK/aeg.yaml" <<YAML
database: { host: $HOST, port: $PORT, database: $DB, user: $USER_, passwordEnv: AEG_BENCH_DB_PASSWORD, sslMode: None }
poller: { ${BATCH_YAML}firstStart: beginning }
state: { directory: $WORK/state }
syslog: { host: 127.0.0.1, port: $SINK_PORT, protocol: tcp, framing: lf }
mappings: $([ -f "$bin/cef-mappings.yaml" ] && echo "$bin/cef-mappings.yaml" || echo "$REPO/cef-mappings.yaml")
${AEG_BENCH_EXTRA_YAML:-}
YAML
    /usr/bin/time -v -o "$WORK/run.time" "$bin/aeg" poll --once --config "$WORK/aeg.yaml" >"$WORK/aeg.log" 2>&1 \
      || { cat "$WORK/aeg.log" >&2; return 1; }
  fi
  wait_count "$ROWS"
  f=$(echo "$(now) - $t0" | bc)
  for _ in $(seq 100); do [ -f "$WORK/count.done" ] && break; sleep 0.05; done
  s=$(echo "$(cat "$WORK/count.done") - $t0" | bc)
  echo "$s $(cpu_s "$WORK/run.time") $(rss_mb "$WORK/run.time") $f" >> "$WORK/$label.runs"
  printf '   %-12s delivered %8.2f s, finished %8.2f s  %6s s CPU  %5s MB  (load %s)\n' "$label" "$s" "$f" "$(cpu_s "$WORK/run.time")" \
    "$(rss_mb "$WORK/run.time")" "$(cut -d' ' -f1 /proc/loadavg)"
}

LABELS="baseline aeg"
# AEG_BENCH_BASELINE=0 leaves the original method out (an A/B of Aeg builds only; ratios are then to aeg).
[ "${AEG_BENCH_BASELINE:-1}" = 0 ] && LABELS="aeg"
declare -A BIN=([aeg]="$WORK/aeg")
for v in $VARIANTS; do LABELS="$LABELS ${v%%=*}"; BIN[${v%%=*}]=${v#*=}; done
echo "== draining $ROWS rows, $REPS round(s) of: $LABELS"
# The order rotates each round: with a fixed order the build that always ran right after the
# baseline (which leaves MariaDB busy) looked ~6% slower than the same code one place later.
read -r -a ORDER <<< "$LABELS"
for r in $(seq "$REPS"); do
  for _ in $(seq $(( (r - 1) % ${#ORDER[@]} ))); do ORDER=("${ORDER[@]:1}" "${ORDER[0]}"); done
  for l in "${ORDER[@]}"; do run_one "$l" "${BIN[$l]:-}"; done
  read -r -a ORDER <<< "$LABELS"
done

col() { awk -v c="$2" '{ print $c }' "$WORK/$1.runs" | median; }
BASE_S=$(col "${LABELS%% *}" 1)
echo
printf '%-28s %10s %10s %10s %10s %12s %8s\n' "method ($ROWS rows, median)" "delivered" "rows/s" "finished" "CPU s" "peak RSS MB" "ratio"
for l in $LABELS; do
  s=$(col "$l" 1)
  name=$l; [ "$l" = baseline ] && name="baseline.py (original)"; [ "$l" = aeg ] && name="aeg poll --once${BATCH:+ (batch $BATCH)}"
  printf '%-28s %10.2f %10.0f %10.2f %10.2f %12.0f %7.2fx\n' "$name" "$s" "$(echo "$ROWS / $s" | bc -l)" "$(col "$l" 4)" "$(col "$l" 2)" "$(col "$l" 3)" \
    "$(echo "$BASE_S / $s" | bc -l)"
done
echo "delivered: seconds until the sink had every event (rows/s and the ratio use it); finished: until"
echo "the process had also exited (aeg records the analyst metrics of a backlog beside sending it, paced by recording)."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
