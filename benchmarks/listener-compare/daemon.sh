# Sourced by run.sh and ab-native.sh: `aeg run` as the listener comparison measures it.
#
# start_daemon BIN DIR PORT HTTP_PORT RULES: writes DIR/aeg.yaml and starts BIN run in the background
# (output in DIR/daemon.log, pid in $daemon_pid); returns once it listens, or fails with its output.
# The listener is configured as by a user who set only where it listens (the defaults apply). The
# annotation side and RT point at a port nobody listens on: the poller retries (1 s, doubling to
# 60 s) and no rule fires on the benchmark's events, so neither takes CPU from the measured listener.
# BENCH_RT_PORT points RT elsewhere (outbox-cost.sh: a socket that never answers).
start_daemon() {
  local bin=$1 dir=$2 port=$3 http_port=$4 rules=$5 dead_port rt_port
  dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  rt_port=${BENCH_RT_PORT:-$dead_port}
  rm -rf "$dir/state" && mkdir -p "$dir/state"
  cat >"$dir/aeg.yaml" <<EOF
database: { host: 127.0.0.1, port: $dead_port, user: bench, passwordEnv: AEG_BENCH_DB_PASSWORD }
state: { directory: $dir/state }
syslog: { host: 127.0.0.1, port: $dead_port, protocol: udp }
listen:
  listeners:
    - { protocol: tcp, address: 127.0.0.1, port: $port }
rules: { path: $rules }
tickets:
  systems:
    rt: { type: rt, url: "http://127.0.0.1:$rt_port", auth: token, tokenEnv: AEG_BENCH_RT_TOKEN }
http: { enabled: true, address: 127.0.0.1, port: $http_port }
EOF
  AEG_BENCH_DB_PASSWORD=unused AEG_BENCH_RT_TOKEN=unused "$bin" run --config "$dir/aeg.yaml" >"$dir/daemon.log" 2>&1 &
  daemon_pid=$!
  local deadline=$(( $(date +%s) + 60 ))
  until grep -q 'Listening for syslog' "$dir/daemon.log"; do
    if ! kill -0 "$daemon_pid" 2>/dev/null || (( $(date +%s) > deadline )); then
      cat "$dir/daemon.log" >&2
      return 1
    fi
    sleep 0.05
  done
}

# measure_daemon BENCH BIN DIR RULES COUNT WARMUP: one `aeg run` with RULES, a warm-up, then COUNT messages
# over one TCP connection; sets $measured to "<msg/s> <ns CPU per message> <matched> <load>" (CPU from
# /proc/PID/stat). Not in a subshell, so a caller's EXIT trap can still stop $daemon_pid.
measure_daemon() {
  local bench=$1 bin=$2 dir=$3 rules=$4 count=$5 warmup=$6 port http_port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  start_daemon "$bin" "$dir" "$port" "$http_port" "$rules"
  local pid=$daemon_pid metrics=(wait-metrics --url "http://127.0.0.1:$http_port/metrics")
  "$bench" send --port "$port" --count "$warmup" >/dev/null
  "$bench" "${metrics[@]}" --count "$warmup" >/dev/null
  local c0 out res c1
  c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  out=$("$bench" send --port "$port" --count "$count")
  res=$("$bench" "${metrics[@]}" --count $(( warmup + count )))
  c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" || true; daemon_pid=""
  local start end matched
  start=$(grep -o 'start_ms=[0-9]*' <<<"$out" | cut -d= -f2)
  end=$(grep -o 'end_ms=[0-9]*' <<<"$res" | cut -d= -f2)
  matched=$(grep -o '\bmatched=[0-9]*' <<<"$res" | cut -d= -f2)
  measured=$(python3 -c "
ms = $end - $start; cpu = ($c1 - $c0) / $(getconf CLK_TCK)
print(f'{$count * 1000 / ms:.0f} {cpu / $count * 1e9:.0f} ${matched:-0} $(cut -d' ' -f1 /proc/loadavg)')")
}

