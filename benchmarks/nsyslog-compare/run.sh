#!/usr/bin/env bash
# Measures nsyslog-parser and Aeg's CefReader on the same lines (benchmarks/samples/*.txt) and
# prints both plus the speed-up per line.
# Usage: benchmarks/nsyslog-compare/run.sh [BenchmarkDotNet args, e.g. --job short]
# Env: NSYSLOG_SECONDS (default 3) seconds measured per line by bench.js.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
artifacts="$here/BenchmarkDotNet.Artifacts"

cd "$here"
if [ ! -d node_modules/nsyslog-parser ]; then
  npm ci --no-audit --no-fund
fi

echo "== nsyslog-parser =="
node bench.js --seconds "${NSYSLOG_SECONDS:-3}" --json "$here/nsyslog-results.json"

echo
echo "== Aeg CefReader (BenchmarkDotNet) =="
cd "$repo"
dotnet run -c Release --project benchmarks/Aeg.Benchmarks -- \
  --filter '*CefReader*' --exporters json --artifacts "$artifacts" "$@"

echo
echo "== Comparison =="
node "$here/compare.js" "$here/nsyslog-results.json" "$artifacts/results"
