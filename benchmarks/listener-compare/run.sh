#!/usr/bin/env bash
# Listener comparison on one machine, one run, the same stream: syslog-ng 3.38 (csv-parser + kv-parser,
# output discarded) against Aeg twice, both with the default listener config: the in-process harness
# (TcpSyslogListener + CEF parsing + rule matching, no ticket actions) and the real `aeg run` daemon
# from the native build. All receive pre-built ~650-byte CEF lines over one loopback TCP connection
# from our own sender (large writes, no per-message formatting). Prints msg/s, CPU use, Aeg's bytes
# allocated per message, every receiver's parsed/dropped counts, and issue 19's bars.
#
#   benchmarks/listener-compare/run.sh            # full run: 2,000,000 messages each (after a warm-up)
#   SHORT=1 benchmarks/listener-compare/run.sh    # quick check: 300,000 messages
#   AEG_BIN=/tmp/aeg-native/aeg run.sh            # a native aeg already published (else run.sh publishes one)
#   COUNT=… WARMUP=… SIZE=650 HANDLER=rules|parse|parse+rules RULES=content/rules FRAMING=lf|octet
#   DAEMON=0 run.sh                               # without the daemon (no native build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=daemon.sh
source "$here/daemon.sh"
repo=$(cd "$here/../.." && pwd)
if [[ -n "${SHORT:-}" ]]; then COUNT=${COUNT:-300000}; WARMUP=${WARMUP:-50000}; fi
COUNT=${COUNT:-2000000}
WARMUP=${WARMUP:-200000}
SIZE=${SIZE:-650}
HANDLER=${HANDLER:-rules}
RULES=${RULES:-$repo/content/rules}
TIMEOUT_S=${TIMEOUT_S:-300}
FRAMING=${FRAMING:-lf}
DAEMON=${DAEMON:-1}
octet_flag=()
[[ "$FRAMING" == octet ]] && octet_flag=(--octet)

for tool in syslog-ng syslog-ng-ctl python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (Debian: syslog-ng-core, python3, dotnet SDK)" >&2; exit 1; }
done

echo "building Aeg.ListenerCompare (Release)…" >&2
dotnet build -c Release -v q --nologo "$here/Aeg.ListenerCompare/Aeg.ListenerCompare.csproj" >/dev/null
bench="$here/Aeg.ListenerCompare/bin/Release/net10.0/Aeg.ListenerCompare"

work=$(mktemp -d /tmp/aeg-listener-compare.XXXXXX)
if [[ "$DAEMON" == 1 && -z "${AEG_BIN:-}" ]]; then
  echo "publishing the native aeg (dotnet publish -r linux-x64; set AEG_BIN to skip)…" >&2
  dotnet publish -c Release -r linux-x64 -v q --nologo "$repo/src/Aeg/Aeg.csproj" -o "$work/native" >/dev/null
  AEG_BIN="$work/native/aeg"
fi
sng_pid="" aeg_pid="" daemon_pid=""
cleanup() {
  [[ -n "$sng_pid" ]] && kill "$sng_pid" 2>/dev/null && wait "$sng_pid" 2>/dev/null || true
  [[ -n "$aeg_pid" ]] && kill "$aeg_pid" 2>/dev/null && wait "$aeg_pid" 2>/dev/null || true
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
clk=$(getconf CLK_TCK)

# Waits until "$@" prints a number >= target (polling every 10 ms), with a deadline.
wait_count() {
  local target=$1; shift
  local deadline=$(( $(date +%s) + TIMEOUT_S ))
  while :; do
    local n; n=$("$@" || true)
    [[ -n "$n" && "$n" -ge "$target" ]] && return 0
    (( $(date +%s) < deadline )) || { echo "run.sh: timed out waiting for $target (last: ${n:-none})" >&2; return 1; }
    sleep 0.01
  done
}

# Sends N messages; prints the sender's start time (ms) and its CPU seconds.
send() {
  local port=$1 n=$2 out
  out=$( { TIMEFORMAT='cpu=%U+%S'; time "$bench" send --port "$port" --count "$n" --size "$SIZE" "${octet_flag[@]}"; } 2>&1 )
  local start; start=$(grep -o 'start_ms=[0-9]*' <<<"$out" | cut -d= -f2)
  local cpu; cpu=$(python3 -c "print($(grep -o 'cpu=[0-9.]*+[0-9.]*' <<<"$out" | cut -d= -f2))")
  echo "$start $cpu"
}

# --- syslog-ng ------------------------------------------------------------------------------------
port=$(free_port)
# Octet counting: syslog-ng's syslog() driver frames TCP by RFC 6587 octet counting, network() by LF.
driver=network; [[ "$FRAMING" == octet ]] && driver=syslog
sed "s/@PORT@/$port/; s/network(ip/$driver(ip/" "$here/syslog-ng.conf" >"$work/syslog-ng.conf"
syslog-ng -F --no-caps -f "$work/syslog-ng.conf" -R "$work/syslog-ng.persist" -c "$work/syslog-ng.ctl" -p "$work/syslog-ng.pid" \
  >"$work/syslog-ng.log" 2>&1 &
sng_pid=$!
sng_matched() {
  syslog-ng-ctl stats -c "$work/syslog-ng.ctl" 2>/dev/null | awk -F';' '$1=="filter" && $2=="f_parsed" && $5=="matched" { print $6 }'
}
wait_count 0 sng_matched || { cat "$work/syslog-ng.log" >&2; exit 1; }
sng_version=$(syslog-ng --version | awk 'NR==1 { print $3 }' | tr -d '()')

echo "syslog-ng: warm-up ($WARMUP messages)…" >&2
send "$port" "$WARMUP" >/dev/null
wait_count "$WARMUP" sng_matched
cpu0=$(cpu_ticks "$sng_pid")
echo "syslog-ng: $COUNT messages…" >&2
read -r sng_start sng_sender_cpu < <(send "$port" "$COUNT")
wait_count $(( WARMUP + COUNT )) sng_matched
sng_end=$(now_ms)
cpu1=$(cpu_ticks "$sng_pid")
sng_ms=$(( sng_end - sng_start ))
sng_rate=$(( COUNT * 1000 / sng_ms ))
sng_cpu=$(python3 -c "print(f'{($cpu1 - $cpu0) / $clk / ($sng_ms / 1000):.2f}')")
kill "$sng_pid" 2>/dev/null || true; wait "$sng_pid" 2>/dev/null || true; sng_pid=""

# --- Aeg ------------------------------------------------------------------------------------------
port=$(free_port)
"$bench" receive --port "$port" --warmup "$WARMUP" --count "$COUNT" --handler "$HANDLER" --rules "$RULES" >"$work/aeg.out" 2>&1 &
aeg_pid=$!
line_seen() { grep -c "$1" "$work/aeg.out" || true; }
wait_count 1 line_seen 'receiver: listening' || { cat "$work/aeg.out" >&2; exit 1; }
echo "aeg: warm-up ($WARMUP messages)…" >&2
send "$port" "$WARMUP" >/dev/null
wait_count 1 line_seen 'receiver: warmup done'
echo "aeg: $COUNT messages…" >&2
read -r aeg_start aeg_sender_cpu < <(send "$port" "$COUNT")
wait_count 1 line_seen '^aeg:'
result=$(grep '^aeg:' "$work/aeg.out")
field() { grep -o "$1=[^ ]*" <<<"$result" | cut -d= -f2; }
aeg_ms=$(( $(field end_ms) - aeg_start ))
aeg_rate=$(( COUNT * 1000 / aeg_ms ))
# The receiver measures its own CPU time between the first and the last measured message.
aeg_cpu=$(python3 -c "print(f'{$(field cpu_seconds) / $(field inner_seconds):.2f}')")
kill "$aeg_pid" 2>/dev/null || true; wait "$aeg_pid" 2>/dev/null || true; aeg_pid=""

# --- aeg run (native) ----------------------------------------------------------------------------
if [[ "$DAEMON" == 1 ]]; then
  port=$(free_port) http_port=$(free_port)
  start_daemon "$AEG_BIN" "$work" "$port" "$http_port" "$RULES"
  metrics=(wait-metrics --url "http://127.0.0.1:$http_port/metrics" --timeout-s "$TIMEOUT_S")
  echo "aeg run: warm-up ($WARMUP messages)…" >&2
  send "$port" "$WARMUP" >/dev/null
  "$bench" "${metrics[@]}" --count "$WARMUP" >/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
  dcpu0=$(cpu_ticks "$daemon_pid")
  echo "aeg run: $COUNT messages…" >&2
  read -r daemon_start daemon_sender_cpu < <(send "$port" "$COUNT")
  daemon_result=$("$bench" "${metrics[@]}" --count $(( WARMUP + COUNT ))) || { echo "$daemon_result" >&2; cat "$work/daemon.log" >&2; exit 1; }
  dcpu1=$(cpu_ticks "$daemon_pid")
  dfield() { grep -o "\b$1=[^ ]*" <<<"$daemon_result" | cut -d= -f2; }
  daemon_ms=$(( $(dfield end_ms) - daemon_start ))
  daemon_rate=$(( COUNT * 1000 / daemon_ms ))
  daemon_cpu=$(python3 -c "print(f'{($dcpu1 - $dcpu0) / $clk / ($daemon_ms / 1000):.2f}')")
  kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
fi

# --- report ---------------------------------------------------------------------------------------
frame_bytes=$(( SIZE + 1 ))
printf '\nListener comparison: %d messages of %d bytes (%s framing) over one loopback TCP connection, %d warm-up; %s, %d cores, load %s\n' \
  "$COUNT" "$SIZE" "$FRAMING" "$WARMUP" "$(date -u +%FT%TZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s %14s %14s\n' "receiver" "msg/s" "receiver cores" "sender cores"
printf '%-44s %12s %14s %14s\n' "syslog-ng $sng_version (csv-parser + kv-parser)" "$sng_rate" "$sng_cpu" \
  "$(python3 -c "print(f'{$sng_sender_cpu / ($sng_ms / 1000):.2f}')")"
printf '%-44s %12s %14s %14s\n' "aeg TcpSyslogListener (handler: $HANDLER)" "$aeg_rate" "$aeg_cpu" \
  "$(python3 -c "print(f'{$aeg_sender_cpu / ($aeg_ms / 1000):.2f}')")"
if [[ "$DAEMON" == 1 ]]; then
  printf '%-44s %12s %14s %14s\n' "aeg run, native (default config)" "$daemon_rate" "$daemon_cpu" \
    "$(python3 -c "print(f'{$daemon_sender_cpu / ($daemon_ms / 1000):.2f}')")"
fi
printf 'aeg / syslog-ng: %sx\n' "$(python3 -c "print(f'{$aeg_rate / $sng_rate:.2f}')")"
printf 'aeg allocation in the measured window: %s bytes = %s B/message (gen0 collections: %s)\n' \
  "$(field allocated_bytes)" "$(field bytes_per_message)" "$(field gen0)"
total=$(( WARMUP + COUNT ))
printf 'aeg harness (listener senderMessagesPerSecond=%s): received=%s parsed=%s rejected=%s matched=%s dropped=%s throttle pauses=%s (messages incl. warm-up: %d)\n' \
  "$(grep -o 'senderMessagesPerSecond=[0-9]*' "$work/aeg.out" | cut -d= -f2)" "$(field received)" "$(field parsed)" "$(field rejected)" "$(field matched)" \
  "$(field rate_limited)" "$(field throttle_pauses)" "$total"
if [[ "$DAEMON" == 1 ]]; then
  printf 'aeg run: received=%s parsed=%s rejected=%s matched=%s dropped=%s throttle pauses=%s (messages incl. warm-up: %d)\n' \
    "$(dfield received)" "$(dfield parsed)" "$(dfield rejected)" "$(dfield matched)" "$(dfield rate_limited)" "$(dfield throttle_pauses)" "$total"
  # Issue 19's bars for one TCP sender with the default config.
  verdict() { if [[ "$1" == 1 ]]; then echo met; else echo NOT MET; fi; }
  printf 'bar: every message parsed, none dropped (aeg run): %s\n' \
    "$(verdict $(( $(dfield parsed) == total && $(dfield rate_limited) == 0 )))"
  printf 'bar: aeg run >= 1,000,000 msg/s on one connection: %s (%s)\n' "$(verdict $(( daemon_rate >= 1000000 )))" "$daemon_rate"
  printf 'bar: aeg run >= 10x syslog-ng: %s (%sx)\n' "$(verdict $(( daemon_rate >= 10 * sng_rate )))" \
    "$(python3 -c "print(f'{$daemon_rate / $sng_rate:.2f}')")"
fi
