#!/usr/bin/env bash
# Start a throw-away MariaDB on 127.0.0.1:$AEG_TEST_MYSQL_PORT (default 33306) with its own
# datadir under $AEG_RUN_DIR/mariadb, and an account aeg_admin/aeg-test with ALL privileges.
# When a MariaDB already answers on that port with those credentials it is reused, not restarted.
# Writes $AEG_RUN_DIR/mariadb.env (export lines, source it); AEG_MARIADB_STARTED=1 there means
# this script started the server and scripts/services/mariadb-down.sh should stop it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port="${AEG_TEST_MYSQL_PORT:-33306}"
dir="$AEG_RUN_DIR/mariadb"
env_file="$AEG_RUN_DIR/mariadb.env"
started_at=$EPOCHREALTIME

answers() {
  mariadb --no-defaults --protocol=TCP --host=127.0.0.1 --port="$port" \
    --user=aeg_admin --password=aeg-test --connect-timeout=2 -Nse 'SELECT 1' >/dev/null 2>&1
}
write_env() {
  cat >"$env_file" <<ENV
export AEG_TEST_MYSQL='Server=127.0.0.1;Port=$port;User ID=aeg_admin;Password=aeg-test'
export AEG_MARIADB_STARTED=$1
ENV
}

mkdir -p "$AEG_RUN_DIR"
rm -f "$env_file"
if aeg_port_open "$port"; then
  answers || aeg_die "port $port is taken by something that is not a MariaDB accepting aeg_admin/aeg-test; set AEG_TEST_MYSQL_PORT to a free port"
  write_env 0
  aeg_log "MariaDB already answers on 127.0.0.1:$port; reusing it (it will not be stopped)"
  exit 0
fi

command -v mariadbd >/dev/null || aeg_die "mariadbd not found; install the Debian package mariadb-server"
# A leftover of an earlier run of ours that no longer answers: stop it before wiping its datadir.
aeg_stop_pidfile MariaDB "$dir/pid" "$dir" 30
rm -rf "$dir"
mkdir -p "$dir/data"

as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(--user=root)

# If anything below fails (or we are stopped), stop the server we launched; the launched
# process writes its PID itself, so give it a moment to do that.
spawned=
trap '[ -z "$spawned" ] || { aeg_wait_until 10 "" test -s "$dir/pid" || true; aeg_stop_pidfile MariaDB "$dir/pid" "$dir" 30; }' EXIT
trap 'exit 130' INT TERM

mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=socket \
  --skip-test-db "${as_user[@]}" >"$dir/install.log" 2>&1 \
  || { cat "$dir/install.log" >&2; aeg_die "mariadb-install-db failed"; }

# Created by the server itself at start-up, before it accepts connections.
cat >"$dir/init.sql" <<'SQL'
CREATE USER IF NOT EXISTS 'aeg_admin'@'%' IDENTIFIED BY 'aeg-test';
CREATE USER IF NOT EXISTS 'aeg_admin'@'localhost' IDENTIFIED BY 'aeg-test';
GRANT ALL PRIVILEGES ON *.* TO 'aeg_admin'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'aeg_admin'@'localhost' WITH GRANT OPTION;
SQL

# Durability settings are relaxed: the data is thrown away after the run. The server keeps
# the compiled-in default character set (latin1), as the shared dev server does, so code that
# forgets to ask for utf8mb4 on its connections fails here too.
spawned=1
# Buffer pool 1G: a production ESM database serves its annotation table from memory. With the
# 128M default the 1M-row drain benchmark's table (~250 MB) did not fit, and every drain read
# ~12,600 pages from disk inside the scan (benchmarks/history/2026-12-sessions-1-8.md, issue 3, eighth session). The
# memory is touched only as pages are used, so the tests' small tables cost little extra.
aeg_spawn_detached "$dir/pid" "$dir/stdout.log" mariadbd --no-defaults \
  --datadir="$dir/data" --socket="$dir/mysqld.sock" --pid-file="$dir/mariadbd.pid" \
  --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$dir/error.log" \
  --init-file="$dir/init.sql" --max-connections=500 --innodb-buffer-pool-size=1G \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
  "${as_user[@]}"

if ! aeg_wait_until 120 "$(cat "$dir/pid")" answers; then
  tail -n 30 "$dir/error.log" >&2 || true
  aeg_die "MariaDB did not answer on 127.0.0.1:$port (log: $dir/error.log)"
fi
# Ownership passes to the caller once the env file says so; only then drop our cleanup.
write_env 1
trap - EXIT INT TERM
aeg_log "MariaDB up on 127.0.0.1:$port in $(aeg_elapsed "$started_at")s (pid $(cat "$dir/pid"), dir $dir)"
