#!/usr/bin/env bash
# Aeg's command for developers and CI. Run ./aeg.sh without arguments for the list of commands.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
. scripts/services/lib.sh

usage() {
  cat <<'USAGE'
usage: ./aeg.sh <command> [arguments]

commands:
  demo [--seconds N]             see Aeg work in minutes: a throw-away MariaDB with the ESM
                                 annotation schema, `aeg simulate` playing analysts at 60x, and the
                                 real `aeg run` sending Annotation Events to its own listener,
                                 printed as they arrive; a summary at the end. Ctrl-C (or N
                                 seconds) stops everything it started. See README "Quick start".
  test [dotnet test arguments]   install the Debian packages the tests need, start a throw-away
                                 MariaDB and Request Tracker, build Aeg.sln (Release) and the
                                 native aeg, run all tests; stops what it started. See README
                                 "Running the tests".
  package [OUTPUT_DIR]           build aeg_<version>_amd64.deb (default: out/): the native aeg
                                 with SQLite linked in, the systemd unit, /etc/aeg/aeg.yaml; see
                                 README "Install".
USAGE
}

# Debian packages the tests use as real peers (MariaDB, RT, syslog-ng) or as tools.
# gcc, libc6-dev, zlib1g-dev and libsqlite3-dev (SQLite linked in) build the native (AOT) aeg
# that the process tests run; dpkg-dev and systemd for the package and unit tests.
native_packages=(gcc libc6-dev zlib1g-dev libsqlite3-dev binutils)
test_packages=(mariadb-server mariadb-client syslog-ng-core haproxy request-tracker5 rt5-db-sqlite
  rt5-standalone curl openssl python3 chromium "${native_packages[@]}" dpkg-dev systemd)
test_service_jobs=()

# The services start in the background while the solution builds; wait_for_test_services
# joins them and exports their connection details.
start_test_services() {
  scripts/services/mariadb-up.sh &
  test_service_jobs+=($!)
  if [ "${AEG_TEST_SKIP_RT:-0}" = 1 ]; then
    aeg_log "AEG_TEST_SKIP_RT=1: not starting Request Tracker; tests in Category=RT are filtered out"
  else
    scripts/services/rt-up.sh &
    test_service_jobs+=($!)
  fi
}

wait_for_test_services() {
  local job failed=0
  for job in "${test_service_jobs[@]}"; do wait "$job" || failed=1; done
  test_service_jobs=()
  [ "$failed" = 0 ] || aeg_die "test services did not start"
  . "$AEG_RUN_DIR/mariadb.env"
  [ "${AEG_TEST_SKIP_RT:-0}" = 1 ] || . "$AEG_RUN_DIR/rt.env"
}

# Runs a long command (dotnet) as a child in its own process group and waits for it: bash
# runs traps only after a foreground child exits, so a TERM sent to aeg.sh alone would
# otherwise wait out a whole test run; clean-up then stops the group (dotnet, MSBuild nodes,
# test hosts). setsid does not fork here: a job of a non-interactive shell is no group leader.
foreground_child=
run_child() {
  local status=0
  setsid "$@" </dev/null &
  foreground_child=$!
  wait "$foreground_child" || status=$?
  foreground_child=
  return "$status"
}

# EXIT trap: an up script still running is stopped (it then stops what it launched itself);
# a service is stopped only when its up script says it started it (not when it reused one).
stop_test_services() {
  local status=$? job
  trap - EXIT INT TERM
  if [ -n "$foreground_child" ]; then
    kill -TERM -- "-$foreground_child" 2>/dev/null || kill -TERM "$foreground_child" 2>/dev/null || true
    wait "$foreground_child" 2>/dev/null || true
  fi
  for job in "${test_service_jobs[@]}"; do kill -TERM "$job" 2>/dev/null || true; done
  for job in "${test_service_jobs[@]}"; do wait "$job" 2>/dev/null || true; done
  if grep -qs '^export AEG_RT_STARTED=1$' "$AEG_RUN_DIR/rt.env"; then scripts/services/rt-down.sh || status=1; fi
  if grep -qs '^export AEG_MARIADB_STARTED=1$' "$AEG_RUN_DIR/mariadb.env"; then scripts/services/mariadb-down.sh || status=1; fi
  # In CI nothing may outlive the job; a developer's build servers are left alone.
  if [ "${CI:-}" = true ]; then dotnet build-server shutdown >/dev/null 2>&1 || true; fi
  exit "$status"
}

cmd_test() {
  local started=$EPOCHREALTIME step filter=()
  command -v dotnet >/dev/null || aeg_die "dotnet not found; install the .NET 10 SDK (https://dot.net)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  aeg_ensure_packages "${test_packages[@]}"
  if [ "${AEG_TEST_SKIP_RT:-0}" = 1 ] && [[ " $* " != *" --filter "* ]]; then
    filter=(--filter "Category!=RT")
  fi

  # Env files left by an earlier run that was killed must not make clean-up stop anything.
  rm -f "$AEG_RUN_DIR/mariadb.env" "$AEG_RUN_DIR/rt.env"
  trap stop_test_services EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_test_services

  step=$EPOCHREALTIME
  run_child dotnet restore Aeg.sln
  # No MSBuild node reuse: the worker nodes would otherwise outlive this command.
  run_child dotnet build Aeg.sln -c Release --no-restore -nodeReuse:false
  # The process tests start the binary users install: the Native AOT publish (README "Install").
  # AEG_TEST_BINARY set by the caller is kept; empty means dotnet aeg.dll (the JIT build).
  if [ -z "${AEG_TEST_BINARY+set}" ]; then
    run_child dotnet publish src/Aeg/Aeg.csproj -c Release -r linux-x64 -nodeReuse:false -o "$AEG_RUN_DIR/aeg-native" \
      || aeg_die "the native aeg did not build (dotnet publish -r linux-x64); see the output above"
    export AEG_TEST_BINARY="$AEG_RUN_DIR/aeg-native/aeg"
  fi
  aeg_log "restore and build done in $(aeg_elapsed "$step")s; process tests run ${AEG_TEST_BINARY:-dotnet aeg.dll}"
  wait_for_test_services

  step=$EPOCHREALTIME
  local log="$AEG_RUN_DIR/dotnet-test.log" status=0
  run_child bash -o pipefail -c 'log=$1; shift; dotnet "$@" 2>&1 | tee "$log"' _ "$log" \
    test Aeg.sln -c Release --no-build --logger "console;verbosity=normal" "${filter[@]}" "$@" || status=$?
  print_test_summary "$log"
  [ "$status" = 0 ] || aeg_die "tests failed (exit $status); output in $log"
  aeg_log "tests passed in $(aeg_elapsed "$step")s; ./aeg.sh test took $(aeg_elapsed "$started")s before clean-up"
}

# One plain closing line over all test assemblies, e.g. "tests: 120 passed, 0 failed, 2 skipped".
# dotnet test prints per assembly either "Passed!  - Failed: N, Passed: N, Skipped: N, ..." or,
# at normal verbosity, a block "Total tests: N / Passed: N / Failed: N / Skipped: N".
print_test_summary() {
  awk '
    /^(Passed|Failed)! +- Failed: / {
      gsub(/,/, ""); for (i = 1; i <= NF; i++) {
        if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1) }
      next }
    /^Total tests: / { block = 1; next }
    block && $1 == "Passed:" { p += $2; next }
    block && $1 == "Failed:" { f += $2; next }
    block && $1 == "Skipped:" { s += $2; next }
    block && /Total time:/ { block = 0 }
    END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}

# ---- demo -------------------------------------------------------------------------------
demo_packages=(mariadb-server mariadb-client python3)
demo_aeg_pid=
demo_display_pid=
demo_simulate_pid=
demo_esm_pid=

# TERM (both aeg commands stop after the write or batch in flight), KILL after 15 s.
stop_demo_process() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  aeg_wait_until 15 "" bash -c "! kill -0 $1 2>/dev/null" || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

stop_demo() {
  local status=$?
  trap - EXIT INT TERM
  stop_demo_process "$demo_simulate_pid"
  stop_demo_process "$demo_aeg_pid"
  stop_demo_process "$demo_esm_pid"
  if [ -n "$demo_display_pid" ]; then kill "$demo_display_pid" 2>/dev/null || true; wait "$demo_display_pid" 2>/dev/null || true; fi
  if [ -s "$AEG_RUN_DIR/events.jsonl" ]; then
    echo
    python3 scripts/demo/summary.py "$AEG_RUN_DIR/events.jsonl" || true
    if [ -s "$AEG_RUN_DIR/state/analytics.db" ]; then
      echo
      echo "Analyst report (aeg report --config $AEG_RUN_DIR/aeg.yaml):"
      AEG_DEMO_DB_PASSWORD=aeg-test src/Aeg/bin/Release/net10.0/aeg report --config "$AEG_RUN_DIR/aeg.yaml" </dev/null || true
    fi
    echo
    python3 scripts/demo/esm_simulator.py --summary "$AEG_RUN_DIR/tickets.jsonl" || true
    echo "Aeg's log: $AEG_RUN_DIR/aeg.log; events as JSON: $AEG_RUN_DIR/events.jsonl; tickets: $AEG_RUN_DIR/tickets.jsonl"
  fi
  if grep -qs '^export AEG_MARIADB_STARTED=1$' "$AEG_RUN_DIR/mariadb.env"; then scripts/services/mariadb-down.sh || status=1; fi
  exit "$status"
}

cmd_demo() {
  local seconds=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
      *) aeg_die "demo: unknown argument '$1' (usage: ./aeg.sh demo [--seconds N])" ;;
    esac
  done
  command -v dotnet >/dev/null || aeg_die "dotnet not found; install the .NET 10 SDK (https://dot.net)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  export AEG_RUN_DIR="${AEG_DEMO_DIR:-/tmp/aeg-demo}" AEG_TEST_MYSQL_PORT="${AEG_DEMO_MYSQL_PORT:-33406}"
  local listen_port="${AEG_DEMO_PORT:-15514}" sql
  aeg_ensure_packages "${demo_packages[@]}"
  rm -rf "$AEG_RUN_DIR/state" "$AEG_RUN_DIR/events.jsonl" "$AEG_RUN_DIR/tickets.jsonl" "$AEG_RUN_DIR/mariadb.env"
  mkdir -p "$AEG_RUN_DIR"
  trap stop_demo EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  aeg_log "building aeg (Release)"
  # No build servers (MSBuild nodes, the compiler server): nothing the demo starts may outlive it.
  dotnet build src/Aeg/Aeg.csproj -c Release -nologo -v quiet -nodeReuse:false -p:UseSharedCompilation=false >"$AEG_RUN_DIR/build.log" 2>&1 \
    || { cat "$AEG_RUN_DIR/build.log"; aeg_die "build failed"; }
  scripts/services/mariadb-up.sh
  sql() { mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$AEG_TEST_MYSQL_PORT" -uaeg_admin -paeg-test "$@"; }
  sql -e 'DROP DATABASE IF EXISTS aeg_demo; CREATE DATABASE aeg_demo CHARACTER SET utf8mb4'
  # The simulator creates the ESM annotation schema, then plays five analysts at 60x (an hour of
  # SOC work per minute); aeg run starts once the tables exist.
  AEG_DEMO_DB_PASSWORD=aeg-test setsid src/Aeg/bin/Release/net10.0/aeg simulate --create-schema \
    --db "mysql://aeg_admin@127.0.0.1:$AEG_TEST_MYSQL_PORT/aeg_demo?sslMode=None" --password-env AEG_DEMO_DB_PASSWORD \
    --analysts 5 --events "${AEG_DEMO_EVENTS:-100000}" --speed "${AEG_DEMO_SPEED:-60x}" \
    >"$AEG_RUN_DIR/simulate.log" 2>&1 </dev/null &
  demo_simulate_pid=$!
  aeg_wait_until 60 "$demo_simulate_pid" bash -c "$(declare -f sql); sql -Nse 'SELECT 1 FROM aeg_demo.arc_event_annotation LIMIT 1' 2>/dev/null | grep -q 1" \
    || { cat "$AEG_RUN_DIR/simulate.log" >&2; aeg_die "aeg simulate did not write its first event"; }
  aeg_log "MariaDB ready: database aeg_demo with the ESM annotation schema (content/esm/schema.sql)"

  # The ESM simulator: the Service Layer's login and getSecurityEvents (every id answers with the
  # example event of tests/fixtures/esm) and a webhook ticket system, on loopback.
  local esm_port="${AEG_DEMO_ESM_PORT:-18443}"
  setsid python3 -u scripts/demo/esm_simulator.py --dir "$AEG_RUN_DIR" --port "$esm_port" --password aeg-demo-esm \
    --event tests/fixtures/esm/security-event-198236.json >"$AEG_RUN_DIR/esm-simulator.log" 2>&1 </dev/null &
  demo_esm_pid=$!
  aeg_wait_until 20 "$demo_esm_pid" python3 -c "import socket; socket.create_connection(('127.0.0.1', $esm_port), 1)" \
    || { cat "$AEG_RUN_DIR/esm-simulator.log" >&2; aeg_die "the ESM simulator did not start"; }
  aeg_log "ESM simulator on 127.0.0.1:$esm_port: annotations reaching Follow-Up or Final become tickets enriched with the full ESM event"
  cat >"$AEG_RUN_DIR/rules.yaml" <<'YAML'
# Written by ./aeg.sh demo: an annotation reaching Follow-Up or Final becomes a ticket with fields
# of the full ESM event, fetched by its id (cn2) from the ESM simulator (docs/esm.md).
rules:
  - name: demo-esm-ticket
    when:
      - { field: deviceProduct, equals: AEG }
      - { field: cs3, in: [Follow-Up, Final] }
    enrich: esm
    eventIdFields: [cn2]
    dedupe: "esm-event-{{cn2}}"
    actions:
      - target: demo-tickets
        create:
          subject: "ESM event {{cn2}} reached {{cs3}} ({{duser}})"
          zone: "{{esm.originalAgent.zone.uri}}"
          agent: "{{esm.agent.address}}"
          source: "{{esm.source.address|no source}}"
          esmRule: "{{esm.name}}"
YAML
  cat >"$AEG_RUN_DIR/aeg.yaml" <<YAML
# Written by ./aeg.sh demo: the ESM database is the throw-away MariaDB, the SmartConnector is
# Aeg's own listener on 127.0.0.1:$listen_port.
database:
  host: 127.0.0.1
  port: $AEG_TEST_MYSQL_PORT
  database: aeg_demo
  user: aeg_admin
  passwordEnv: AEG_DEMO_DB_PASSWORD
  sslMode: None
poller:
  interval: 1s
  firstStart: beginning
state:
  directory: $AEG_RUN_DIR/state
syslog:
  host: 127.0.0.1
  port: $listen_port
  protocol: tcp
  framing: lf
listen:
  listeners:
    - protocol: tcp
      address: 127.0.0.1
      port: $listen_port
http:
  enabled: true
  port: ${AEG_DEMO_HTTP_PORT:-19464}
mappings: $PWD/cef-mappings.yaml
hostName: aeg-demo.example.com
rules:
  path: $AEG_RUN_DIR/rules.yaml
esm:
  url: http://127.0.0.1:$esm_port
  user: aeg-demo
  passwordEnv: AEG_DEMO_ESM_PASSWORD
  timeout: 5s
tickets:
  systems:
    demo-tickets:
      type: webhook
      url: http://127.0.0.1:$esm_port/tickets
      auth: none
YAML

  : >"$AEG_RUN_DIR/events.jsonl"
  AEG_DEMO_DB_PASSWORD=aeg-test AEG_DEMO_ESM_PASSWORD=aeg-demo-esm setsid src/Aeg/bin/Release/net10.0/aeg run --config "$AEG_RUN_DIR/aeg.yaml" --print-events \
    >"$AEG_RUN_DIR/events.jsonl" 2>"$AEG_RUN_DIR/aeg.log" </dev/null &
  demo_aeg_pid=$!
  # --pid: tail ends with aeg run, so nothing of the demo outlives it.
  tail -n +1 -f --pid="$demo_aeg_pid" "$AEG_RUN_DIR/events.jsonl" | python3 -u scripts/demo/show.py &
  demo_display_pid=$!
  aeg_log "aeg run started (pid $demo_aeg_pid): polling aeg_demo every 1s, sending CEF to its own listener"
  aeg_log "simulated analysts alice..erin now annotate events; received Annotation Events appear below"
  aeg_log "live counters: curl -s http://127.0.0.1:${AEG_DEMO_HTTP_PORT:-19464}/metrics | grep ^aeg_"
  [ "$seconds" -gt 0 ] && aeg_log "stopping by itself after $seconds s" || aeg_log "press Ctrl-C to stop"

  local deadline=$((SECONDS + seconds))
  while [ "$seconds" -eq 0 ] || [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$demo_aeg_pid" 2>/dev/null || { cat "$AEG_RUN_DIR/aeg.log" >&2; aeg_die "aeg run stopped unexpectedly"; }
    kill -0 "$demo_simulate_pid" 2>/dev/null || grep -q 'Simulation finished' "$AEG_RUN_DIR/simulate.log" \
      || { cat "$AEG_RUN_DIR/simulate.log" >&2; aeg_die "aeg simulate stopped unexpectedly"; }
    sleep 0.5
  done
  stop_demo_process "$demo_simulate_pid"
  demo_simulate_pid=
  # Let the last edits reach the listener before stopping: wait until every row's newest
  # version was printed (bounded).
  local rows
  rows=$(sql -Nse 'SELECT COUNT(*) FROM aeg_demo.arc_event_annotation')
  aeg_wait_until 20 "$demo_aeg_pid" python3 -c '
import json, sys
latest = {}
for line in open(sys.argv[1], encoding="utf-8"):
    try: x = json.loads(line).get("extensions", {})
    except ValueError: continue
    if "cn2" in x: latest[x["cn2"]] = max(latest.get(x["cn2"], 0), int(x["cn1"]))
sys.exit(0 if len(latest) >= int(sys.argv[2]) else 1)' "$AEG_RUN_DIR/events.jsonl" "$rows" || aeg_log "not every row arrived within 20 s"
}

# ---- package ----------------------------------------------------------------------------
cmd_package() {
  command -v dotnet >/dev/null || aeg_die "dotnet not found; install the .NET 10 SDK (https://dot.net)"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  aeg_ensure_packages "${native_packages[@]}" dpkg-dev
  scripts/package/build-deb.sh "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  package) shift; cmd_package "$@" ;;
  test) shift; cmd_test "$@" ;;
  -h | --help | help) usage ;;
  '') usage >&2; exit 2 ;;
  *) printf 'aeg.sh: unknown command "%s"\n\n' "$1" >&2; usage >&2; exit 2 ;;
esac
