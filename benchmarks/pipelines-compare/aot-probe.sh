#!/usr/bin/env bash
# Does Pipelines.Sockets.Unofficial publish under Native AOT without a warning, and what does it add
# to the binary? Publishes aot-probe/ twice from a copy in /tmp (outside the repository's
# Directory.Build.props), with SocketConnection and with NetworkStream, runs both, and prints the
# warnings (IL2xxx trim, IL3xxx AOT; TreatWarningsAsErrors makes any of them fail the publish)
# and the sizes.
#
#   benchmarks/pipelines-compare/aot-probe.sh          # work dir: /tmp/aeg-aot-probe
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-/tmp/aeg-aot-probe}
rm -rf "$work"
mkdir -p "$work"
for variant in true false; do
  dir="$work/sc-$variant"
  cp -r "$here/aot-probe" "$dir"
  echo "== publish UseSocketConnection=$variant" >&2
  # Warnings are only reported when the native compile runs, so no incremental state is reused.
  dotnet publish "$dir/AotProbe.csproj" -c Release -r linux-x64 -p:UseSocketConnection=$variant -o "$dir/out" \
    -p:IlcGenerateMapFile=false -clp:Summary -v n >"$dir/publish.log" 2>&1 \
    || { tail -30 "$dir/publish.log" >&2; echo "publish failed (UseSocketConnection=$variant), see $dir/publish.log" >&2; exit 1; }
  warnings=$(grep -cE "warning (IL|CS|NU)[0-9]+" "$dir/publish.log" || true)
  echo "UseSocketConnection=$variant: $warnings warning line(s); $(grep -E "Warning\(s\)|Error\(s\)" "$dir/publish.log" | tr -s ' ' | tr '\n' ' ')"
  grep -E "warning (IL|CS|NU)[0-9]+" "$dir/publish.log" | sort -u | head -20 || true
  "$dir/out/AotProbe"
  echo "binary: $(stat -c %s "$dir/out/AotProbe") bytes"
done
