# Sourced by the benchmark scripts that use MariaDB: where it is and how to run SQL there.
# The MariaDB at AEG_BENCH_DB_HOST:AEG_BENCH_DB_PORT (default 127.0.0.1:33306, the one
# scripts/services/mariadb-up.sh starts) as AEG_BENCH_DB_USER / AEG_BENCH_DB_PASSWORD
# (default aeg_admin / aeg-test), a user allowed to create databases.
HOST=${AEG_BENCH_DB_HOST:-127.0.0.1}
PORT=${AEG_BENCH_DB_PORT:-33306}
USER_=${AEG_BENCH_DB_USER:-aeg_admin}
export AEG_BENCH_DB_PASSWORD=${AEG_BENCH_DB_PASSWORD:-aeg-test}

sql() { MYSQL_PWD=$AEG_BENCH_DB_PASSWORD mysql -h "$HOST" -P "$PORT" -u "$USER_" "$@"; }
