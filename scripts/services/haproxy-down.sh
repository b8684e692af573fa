#!/usr/bin/env bash
# Stop the HAProxy that scripts/services/haproxy-up.sh started (by its recorded PID).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
aeg_stop_pidfile HAProxy "$AEG_RUN_DIR/haproxy/pid" "$AEG_RUN_DIR/haproxy" 30
rm -f "$AEG_RUN_DIR/haproxy.env"
