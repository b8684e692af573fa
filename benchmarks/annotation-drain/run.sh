#!/usr/bin/env bash
# Drain benchmark: the original script's method (baseline.py) vs `aeg poll --once`, side by side
# on the same backlog, both sending over TCP to the same counting sink on loopback.
#
#   benchmarks/annotation-drain/run.sh [ROWS]        # default 1000000
#
# Database: the MariaDB at AEG_BENCH_DB_HOST:AEG_BENCH_DB_PORT (default 127.0.0.1:33306) as
# AEG_BENCH_DB_USER / AEG_BENCH_DB_PASSWORD (default aeg_admin / aeg-test), a user allowed to
# create databases. A throwaway database aeg_bench_<pid> is created and dropped.
# Aeg's batch size: AEG_BENCH_BATCH (default 1000, Aeg's default).
# Installs python3-mysqldb, time, bc and mariadb-client with apt-get when missing.
set -euo pipefail
ROWS=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
HOST=${AEG_BENCH_DB_HOST:-127.0.0.1}
PORT=${AEG_BENCH_DB_PORT:-33306}
USER_=${AEG_BENCH_DB_USER:-aeg_admin}
export AEG_BENCH_DB_PASSWORD=${AEG_BENCH_DB_PASSWORD:-aeg-test}
BATCH=${AEG_BENCH_BATCH:-1000}
PY=/usr/bin/python3   # Debian's python, where the apt-installed driver lives
DB=aeg_bench_$$
WORK=$(mktemp -d /tmp/aeg-drain-XXXXXX)
SINK_PID=""

need() { dpkg -s "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$1" >/dev/null; }; }
need python3-mysqldb
need time
need mariadb-client
need bc

sql() { MYSQL_PWD=$AEG_BENCH_DB_PASSWORD mysql -h "$HOST" -P "$PORT" -u "$USER_" "$@"; }
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

echo "== building aeg (Release)"
dotnet publish "$REPO/src/Aeg" -c Release -o "$WORK/aeg" -v q -nologo >/dev/null

echo "== loading $ROWS rows into $DB"
sql -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
sql "$DB" < "$REPO/content/esm/schema.sql"
t0=$(now)
{ echo "SET @rows = $ROWS;"; cat "$HERE/load.sql"; } | sql "$DB"
echo "   loaded in $(echo "$(now) - $t0" | bc) s"

SINK_PORT=$(free_port)
$PY "$HERE/sink.py" "$SINK_PORT" "$WORK/count" &
SINK_PID=$!
for _ in $(seq 100); do [ -f "$WORK/count" ] && break; sleep 0.05; done

echo "== baseline: the original script's method"
mkdir -p "$WORK/base-state"
t0=$(now)
/usr/bin/time -v -o "$WORK/base.time" $PY "$HERE/baseline.py" "$WORK/base-state" "$HOST" "$USER_" "$AEG_BENCH_DB_PASSWORD" "$PORT" "$DB" 127.0.0.1 "$SINK_PORT"
wait_count "$ROWS"
BASE_S=$(echo "$(now) - $t0" | bc)
BASE_RSS=$(rss_mb "$WORK/base.time")

echo "== aeg poll --once"
echo 0 > "$WORK/count"
# The sink keeps a per-connection total; restart it so the count starts from 0.
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
rm -f "$WORK/count"
$PY "$HERE/sink.py" "$SINK_PORT" "$WORK/count" &
SINK_PID=$!
for _ in $(seq 100); do [ -f "$WORK/count" ] && break; sleep 0.05; done
cat > "$WORK/aeg.yaml" <<YAML
database: { host: $HOST, port: $PORT, database: $DB, user: $USER_, passwordEnv: AEG_BENCH_DB_PASSWORD, sslMode: None }
poller: { batchSize: $BATCH, firstStart: beginning }
state: { directory: $WORK/aeg-state }
syslog: { host: 127.0.0.1, port: $SINK_PORT, protocol: tcp, framing: lf }
mappings: $REPO/cef-mappings.yaml
YAML
t0=$(now)
/usr/bin/time -v -o "$WORK/aeg.time" "$WORK/aeg/aeg" poll --once --config "$WORK/aeg.yaml"
wait_count "$ROWS"
AEG_S=$(echo "$(now) - $t0" | bc)
AEG_RSS=$(rss_mb "$WORK/aeg.time")

echo
printf '%-28s %12s %12s %14s\n' "method ($ROWS rows)" "seconds" "rows/s" "peak RSS MB"
printf '%-28s %12.2f %12.0f %14s\n' "baseline.py (original)" "$BASE_S" "$(echo "$ROWS / $BASE_S" | bc -l)" "$BASE_RSS"
printf '%-28s %12.2f %12.0f %14s\n' "aeg poll --once (batch $BATCH)" "$AEG_S" "$(echo "$ROWS / $AEG_S" | bc -l)" "$AEG_RSS"
printf 'speed-up: %.2fx\n' "$(echo "$BASE_S / $AEG_S" | bc -l)"
