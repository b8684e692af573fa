#!/usr/bin/env bash
# Stop the Request Tracker that scripts/services/rt-up.sh started (its whole process group,
# by the recorded PID). Does nothing when there is no live server of ours.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
aeg_stop_pidfile RT "$AEG_RUN_DIR/rt/pid" "$AEG_RUN_DIR/rt" 30
rm -f "$AEG_RUN_DIR/rt.env"
