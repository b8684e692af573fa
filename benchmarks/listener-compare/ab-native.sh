#!/usr/bin/env bash
# A/B of native aeg builds on the daemon's listener path: per round and per binary, starts `aeg run`
# with run.sh's config (default listener options, content/rules), sends a 200,000 warm-up and then
# COUNT messages over one TCP connection, and prints msg/s and the daemon's CPU per message
# (/proc/PID/stat). Binaries are interleaved within each round, so a change of machine speed hits
# all of them alike.
#
#   benchmarks/listener-compare/ab-native.sh /tmp/a/aeg /tmp/b/aeg     # ROUNDS=3 COUNT=2000000
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=daemon.sh
source "$here/daemon.sh"
repo=$(cd "$here/../.." && pwd)
COUNT=${COUNT:-2000000}
WARMUP=${WARMUP:-200000}
ROUNDS=${ROUNDS:-3}
(( $# > 0 )) || { echo "usage: $0 AEG_BINARY..." >&2; exit 2; }
dotnet build -c Release -v q --nologo "$here/Aeg.ListenerCompare/Aeg.ListenerCompare.csproj" >/dev/null
bench="$here/Aeg.ListenerCompare/bin/Release/net10.0/Aeg.ListenerCompare"
work=$(mktemp -d /tmp/aeg-ab-native.XXXXXX)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

one() {
  local bin=$1 port http_port
  port=$(free_port) http_port=$(free_port)
  start_daemon "$bin" "$work" "$port" "$http_port" "$repo/content/rules"
  pid=$daemon_pid
  local metrics=(wait-metrics --url "http://127.0.0.1:$http_port/metrics")
  "$bench" send --port "$port" --count "$WARMUP" >/dev/null
  "$bench" "${metrics[@]}" --count "$WARMUP" >/dev/null
  local c0 out res c1
  c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  out=$("$bench" send --port "$port" --count "$COUNT")
  res=$("$bench" "${metrics[@]}" --count $(( WARMUP + COUNT )))
  c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" || true; pid=""
  local start end
  start=$(grep -o 'start_ms=[0-9]*' <<<"$out" | cut -d= -f2)
  end=$(grep -o 'end_ms=[0-9]*' <<<"$res" | cut -d= -f2)
  python3 -c "
ms = $end - $start; cpu = ($c1 - $c0) / $(getconf CLK_TCK)
print(f'{\"$bin\":40} {$COUNT * 1000 / ms:10.0f} msg/s  {cpu / $COUNT * 1e9:6.0f} ns CPU/message  load $(cut -d' ' -f1 /proc/loadavg)')"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for bin in "$@"; do one "$bin"; done
done
