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
daemon_pid=""
cleanup() { [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

one() {
  measure_daemon "$bench" "$1" "$work" "$repo/content/rules" "$COUNT" "$WARMUP"
  read -r rate ns _ load <<<"$measured"
  printf '%-40s %10s msg/s  %6s ns CPU/message  load %s\n' "$1" "$rate" "$ns" "$load"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for bin in "$@"; do one "$bin"; done
done
