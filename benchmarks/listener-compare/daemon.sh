# Sourced by run.sh and ab-native.sh: `aeg run` as the listener comparison measures it.
#
# start_daemon BIN DIR PORT HTTP_PORT RULES: writes DIR/aeg.yaml and starts BIN run in the background
# (output in DIR/daemon.log, pid in $daemon_pid); returns once it listens, or fails with its output.
# The listener is configured as by a user who set only where it listens (the defaults apply). The
# annotation side and RT point at a port nobody listens on: the poller retries (1 s, doubling to
# 60 s) and no rule fires on the benchmark's events, so neither takes CPU from the measured listener.
start_daemon() {
  local bin=$1 dir=$2 port=$3 http_port=$4 rules=$5 dead_port
  dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
    rt: { type: rt, url: "http://127.0.0.1:$dead_port", auth: token, tokenEnv: AEG_BENCH_RT_TOKEN }
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
