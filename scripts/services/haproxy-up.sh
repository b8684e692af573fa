#!/usr/bin/env bash
# Start a throw-away HAProxy (Debian package haproxy) in TCP mode on 127.0.0.1:$AEG_TEST_HAPROXY_PORT
# (default 35140), balancing roundrobin over $AEG_HAPROXY_BACKENDS ("127.0.0.1:PORT ..."), each
# health-checked every 500 ms so a killed instance leaves the rotation at once. Loopback only; its own
# config file in $AEG_RUN_DIR/haproxy. Writes $AEG_RUN_DIR/haproxy.env (export lines, source it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port="${AEG_TEST_HAPROXY_PORT:-35140}"
backends="${AEG_HAPROXY_BACKENDS:?set AEG_HAPROXY_BACKENDS to the instances, e.g. \"127.0.0.1:1514 127.0.0.1:1515\"}"
dir="$AEG_RUN_DIR/haproxy"
env_file="$AEG_RUN_DIR/haproxy.env"
started_at=$EPOCHREALTIME

command -v haproxy >/dev/null || aeg_die "haproxy not found; install the Debian package haproxy"
aeg_stop_pidfile HAProxy "$dir/pid" "$dir" 30
aeg_port_open "$port" && aeg_die "port $port is taken; set AEG_TEST_HAPROXY_PORT to a free port"
mkdir -p "$dir"
rm -f "$env_file"

{
  cat <<CFG
global
  maxconn 2000
defaults
  mode tcp
  timeout connect 2s
  timeout client 5m
  timeout server 5m
  retries 3
  option redispatch
frontend cef
  bind 127.0.0.1:$port
  default_backend aeg
backend aeg
  balance roundrobin
CFG
  n=0
  for b in $backends; do
    case "$b" in 127.0.0.1:*|localhost:*) ;; *) aeg_die "backend $b is not on loopback" ;; esac
    n=$((n + 1))
    echo "  server aeg$n $b check inter 500ms fall 1 rise 2"
  done
} >"$dir/haproxy.cfg"

haproxy -c -f "$dir/haproxy.cfg" >"$dir/check.log" 2>&1 || { cat "$dir/check.log" >&2; aeg_die "haproxy rejected $dir/haproxy.cfg"; }
# -db: stay in the foreground (the recorded PID is HAProxy itself); -W master-worker is not needed.
aeg_spawn_detached "$dir/pid" "$dir/haproxy.log" haproxy -db -f "$dir/haproxy.cfg"
if ! aeg_wait_until 20 "$(cat "$dir/pid")" aeg_port_open "$port"; then
  tail -n 30 "$dir/haproxy.log" >&2 || true
  aeg_die "HAProxy did not listen on 127.0.0.1:$port (log: $dir/haproxy.log)"
fi
cat >"$env_file" <<ENV
export AEG_TEST_HAPROXY_PORT=$port
ENV
aeg_log "HAProxy up on 127.0.0.1:$port over $n backend(s) in $(aeg_elapsed "$started_at")s (pid $(cat "$dir/pid"), config $dir/haproxy.cfg)"
