#!/usr/bin/env bash
# Stop the MariaDB that scripts/services/mariadb-up.sh started (by its recorded PID).
# Does nothing when there is no live server of ours, e.g. when mariadb-up.sh reused one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
aeg_stop_pidfile MariaDB "$AEG_RUN_DIR/mariadb/pid" "$AEG_RUN_DIR/mariadb" 60
rm -f "$AEG_RUN_DIR/mariadb.env"
