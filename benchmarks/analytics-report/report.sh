#!/usr/bin/env bash
# Times `aeg report` over a history (one from make-history.sh): wall and CPU seconds, peak RSS and the
# md5 of the JSON with sorted keys (equal md5 = equal report), one line per run.
#
#   benchmarks/analytics-report/report.sh "AEG COMMAND" STATE_DIR FROM TO [--stage-times]
#   e.g. report.sh /tmp/aeg-new/aeg /tmp/h10m 2026-08-01 2026-12-31      # all of a 120-day history
#        report.sh "dotnet src/Aeg/bin/Release/net10.0/aeg.dll" /tmp/h10m 2026-11-07 2026-12-07
# To compare builds, alternate them (the machine's speed drifts): old new old new ...
set -euo pipefail
AEG=$1 STATE=$2 FROM=$3 TO=$4; shift 4
W=$(mktemp -d /tmp/aeg-report-XXXXXX)
trap 'rm -rf "$W"' EXIT
cat > "$W/aeg.yaml" <<YAML
database: { host: 127.0.0.1, port: 3306, database: none, user: none, passwordEnv: AEG_REPORT_UNUSED, sslMode: None }
state: { directory: $STATE }
syslog: { host: 127.0.0.1, port: 514, protocol: udp }
YAML
AEG_REPORT_UNUSED=x /usr/bin/time -f "%e %M %U %S" -o "$W/t" $AEG report --config "$W/aeg.yaml" --from "$FROM" --to "$TO" --format json "$@" > "$W/out" 2>/dev/null
read -r s kb us ss < "$W/t"
md5=$(python3 -c "import json,hashlib; print(hashlib.md5(json.dumps(json.load(open('$W/out')), sort_keys=True).encode()).hexdigest()[:8])")
echo "$s s  $(echo "$us + $ss" | bc) CPU s  $((kb / 1024)) MiB  $(wc -c < "$W/out") B json  md5 $md5  (load $(cut -d' ' -f1 /proc/loadavg))"
