# Shared helpers for the throw-away test services (sourced, not run).
# Callers set `set -euo pipefail` themselves.

AEG_RUN_DIR="${AEG_RUN_DIR:-/tmp/aeg-test-services}"
# mariadbd lives in /usr/sbin, which is not on an ordinary user's PATH.
PATH="$PATH:/usr/sbin:/sbin"

aeg_log() { printf '[aeg] %s\n' "$*"; }
aeg_die() { printf '[aeg] error: %s\n' "$*" >&2; exit 1; }

# Seconds since $1 (an $EPOCHREALTIME value), one decimal. EPOCHREALTIME uses the locale's
# decimal point, which may be a comma.
aeg_elapsed() { awk -v a="${1/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }'; }

# True when something accepts TCP connections on 127.0.0.1:$1.
aeg_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# aeg_wait_until SECONDS PID|"" COMMAND...: poll COMMAND every 0.2 s until it succeeds.
# Fails when the deadline passes or when PID (the process being waited for) has died.
aeg_wait_until() {
  local seconds=$1 pid=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 0.2
  done
}

# aeg_spawn_detached PIDFILE LOGFILE COMMAND...: start COMMAND in its own session (so a Ctrl-C
# in the terminal reaches our cleanup, not the server, and the whole process group can be
# stopped by the recorded PID), and record its PID. The PID is written by the child itself
# because setsid may fork, which would make $! the wrong process.
aeg_spawn_detached() {
  local pidfile=$1 logfile=$2; shift 2
  rm -f "$pidfile"
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    >"$logfile" 2>&1 </dev/null &
  aeg_wait_until 10 "" test -s "$pidfile" || aeg_die "could not start $1 (see $logfile)"
}

# aeg_stop_pidfile NAME PIDFILE MARKER SECONDS: stop the process group recorded in PIDFILE,
# but only when the process's command line or environment contains MARKER (our run dir), so
# a recycled PID is never killed. TERM first, KILL when SECONDS pass.
aeg_stop_pidfile() {
  local name=$1 pidfile=$2 marker=$3 seconds=$4 pid started=$EPOCHREALTIME
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if ! kill -0 "$pid" 2>/dev/null || ! cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n' | grep -F -- "$marker" >/dev/null; then
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  if ! aeg_wait_until "$seconds" "" aeg__gone "$pid"; then
    aeg_log "$name (pid $pid) did not stop within ${seconds}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    aeg_wait_until 10 "" aeg__gone "$pid" || aeg_die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$pidfile"
  aeg_log "$name stopped in $(aeg_elapsed "$started")s"
}
aeg__gone() { ! kill -0 "$1" 2>/dev/null; }

# Runs a command as root: directly when we are root, through sudo when it exists.
aeg_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 127
  fi
}

# aeg_ensure_packages PACKAGE...: install the Debian packages that are not installed yet.
# apt-get update runs only when something is missing, so a second run costs one dpkg-query.
aeg_ensure_packages() {
  local missing=() p started=$EPOCHREALTIME
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    aeg_die "missing Debian packages; as root run:
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  aeg_log "installing ${missing[*]}"
  aeg_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || aeg_die "apt-get update failed"
  aeg__with_services_blocked aeg_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || aeg_die "apt-get install ${missing[*]} failed"
  aeg_log "packages installed in $(aeg_elapsed "$started")s"
}

# Installing mariadb-server would start the system MariaDB through invoke-rc.d (sysvinit
# script; there is no systemd in CI). We run our own instance, so forbid service starts
# during the install with a policy-rc.d that denies everything (exit 101), unless the
# machine already has one (Docker images do), and remove it again afterwards.
aeg__with_services_blocked() {
  local policy=/usr/sbin/policy-rc.d status=0
  if [ -e "$policy" ]; then "$@"; return; fi
  # Must run before the caller installs its own traps: these are reset afterwards.
  trap 'aeg_as_root rm -f /usr/sbin/policy-rc.d' EXIT
  trap 'exit 130' INT TERM
  aeg_as_root sh -c "printf '#!/bin/sh\n# aeg.sh: no service starts during package install\nexit 101\n' >$policy && chmod 755 $policy"
  "$@" || status=$?
  aeg_as_root rm -f "$policy"
  trap - EXIT INT TERM
  return "$status"
}
