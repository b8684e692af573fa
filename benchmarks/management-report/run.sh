#!/bin/sh
# Times aeg report with and without the manager's sections (issue 20 item 4) on one history.
# run.sh BASE_AEG SOC_AEG STATE_DIR: BASE_AEG a build without them (e.g. main at 649b1b6), SOC_AEG
# one with them; STATE_DIR holds analytics.db from make-history.py. Alternates the two builds,
# 30 days and the whole history, 2 rounds; prints "<build> <from> <s> s <peak RSS> KB".
set -eu
B=$1 S=$2 STATE=$3
dir=$(mktemp -d)
printf 'state: { directory: %s }\nmappings: %s\n' "$STATE" "$(cd "$(dirname "$0")/../.." && pwd)/cef-mappings.yaml" > "$dir/base.yaml"
cp "$dir/base.yaml" "$dir/soc.yaml"
printf 'analytics:\n  sla: { respond: 30m, review: 2h, close: 1d }\n' >> "$dir/soc.yaml"
for round in 1 2; do
  for from in 2026-11-07 2026-08-01; do
    /usr/bin/time -f "base $from %e s %M KB" "$B" report --config "$dir/base.yaml" --from $from --to 2026-12-07 --format json > /dev/null
    /usr/bin/time -f "soc  $from %e s %M KB" "$S" report --config "$dir/soc.yaml" --from $from --to 2026-12-07 --format json > /dev/null
    echo "load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
rm -r "$dir"
