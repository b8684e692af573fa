#!/usr/bin/env bash
# What an idle `aeg run` costs the ESM database: MariaDB's global status counters (Questions,
# Com_*, Handler_read_*, bytes) over a quiet stretch of polling, per poll.
#
#   benchmarks/poller-load/idle.sh [SECONDS] [ROWS]      # defaults: 60 s, 1000000 rows
#
# Two stretches are measured: "idle" (nothing new for longer than poller.lookBack, 30 s: one
# keyset query per poll) and "after a row" (the first 25 s after one new row, while the cursor
# lies inside the look-back window: the window query runs too).
# Database: the MariaDB at AEG_BENCH_DB_HOST:AEG_BENCH_DB_PORT (default 127.0.0.1:33306) as
# AEG_BENCH_DB_USER / AEG_BENCH_DB_PASSWORD (default aeg_admin / aeg-test); a throwaway database
# aeg_idle_<pid> is created and dropped. Use a server nothing else talks to meanwhile: the
# counters are global. AEG_BENCH_INTERVAL: poller.interval (default 1s). AEG_BIN: a directory
# holding a built aeg (default: the Native AOT build is published first).
set -euo pipefail
SECONDS_=${1:-60}
ROWS=${2:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/../bench-db.sh"
INTERVAL=${AEG_BENCH_INTERVAL:-1s}
DB=aeg_idle_$$
WORK=$(mktemp -d /tmp/aeg-idle-XXXXXX)
AEG_PID=""

cleanup() {
  [ -n "$AEG_PID" ] && kill "$AEG_PID" 2>/dev/null || true
  sql -e "DROP DATABASE IF EXISTS $DB" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The counters that matter, as "name value" lines.
snapshot() {
  sql -N -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_select', 'Com_stmt_prepare', 'Com_stmt_execute',
    'Com_stmt_close', 'Com_set_option', 'Connections', 'Handler_read_key', 'Handler_read_next', 'Handler_read_prev',
    'Handler_read_first', 'Handler_read_rnd_next', 'Bytes_received', 'Bytes_sent')" | sort
}
# Prints each counter's increase from $1 to $2 less the cost of one snapshot ($3 to $4), per poll.
report() {
  local label=$1 from=$2 to=$3 calib_from=$4 calib_to=$5 seconds=$6 interval_s polls
  interval_s=$(awk -v i="$INTERVAL" 'BEGIN { v = i + 0; if (i ~ /ms$/) v /= 1000; print v }')
  polls=$(awk -v s="$seconds" -v i="$interval_s" 'BEGIN { printf "%d", s / i }')
  echo "== $label: $seconds s, about $polls polls (poller.interval $INTERVAL)"
  join "$from" "$to" | join - "$calib_from" | join - "$calib_to" |
    awk -v p="$polls" -v s="$seconds" '{ d = ($3 - $2) - ($5 - $4); printf "   %-22s %10d total %10.2f per poll %10.2f per s\n", $1, d, d / p, d / s }'
}

if [ -z "${AEG_BIN:-}" ]; then
  echo "== building aeg (Release, Native AOT)"
  dotnet publish "$REPO/src/Aeg" -c Release -r linux-x64 -o "$WORK/aeg" -v q -nologo >/dev/null
  AEG_BIN=$WORK/aeg
fi

echo "== loading $ROWS rows into $DB"
sql -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
sql "$DB" < "$REPO/content/esm/schema.sql"
{ echo "SET @rows = $ROWS;"; cat "$REPO/benchmarks/annotation-drain/load.sql"; } | sql "$DB"

SINK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
' "$SINK_PORT" &
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null || true; cleanup' EXIT

mkdir -p "$WORK/state"
cat > "$WORK/aeg.yaml" <<YAML
database: { host: $HOST, port: $PORT, database: $DB, user: $USER_, passwordEnv: AEG_BENCH_DB_PASSWORD, sslMode: None }
poller: { interval: $INTERVAL }
state: { directory: $WORK/state }
syslog: { host: 127.0.0.1, port: $SINK_PORT, protocol: tcp }
mappings: $REPO/cef-mappings.yaml
analytics: { enabled: false }
YAML
"$AEG_BIN/aeg" run --config "$WORK/aeg.yaml" >"$WORK/aeg.log" 2>&1 &
AEG_PID=$!

# Past the look-back window of the first start's cursor, so only the keyset query runs.
sleep 35
snapshot > "$WORK/c0"; snapshot > "$WORK/c1"
sleep "$SECONDS_"
snapshot > "$WORK/c2"
report "idle" "$WORK/c1" "$WORK/c2" "$WORK/c0" "$WORK/c1" "$SECONDS_"

sql "$DB" -e "INSERT INTO arc_event_annotation (event_id, version, modification_time, stage, flags) VALUES (1, 1, UNIX_TIMESTAMP(NOW(3)) * 1000, 1, 0)"
sleep 2
snapshot > "$WORK/w0"; snapshot > "$WORK/w1"
sleep 25
snapshot > "$WORK/w2"
report "after a row (look-back window query too)" "$WORK/w1" "$WORK/w2" "$WORK/w0" "$WORK/w1" 25

echo "== the queries (EXPLAIN of the keyset query at the end of the table)"
sql "$DB" -e "EXPLAIN SELECT event_id FROM arc_event_annotation WHERE (modification_time > UNIX_TIMESTAMP() * 1000) OR (modification_time = UNIX_TIMESTAMP() * 1000 AND event_id > 0) ORDER BY modification_time, event_id LIMIT 5000"
kill "$AEG_PID"; wait "$AEG_PID" 2>/dev/null || true; AEG_PID=""
grep -c "" "$WORK/aeg.log" >/dev/null && tail -n 3 "$WORK/aeg.log"
