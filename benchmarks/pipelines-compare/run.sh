#!/usr/bin/env bash
# Pipelines.Sockets.Unofficial's SocketConnection against today's transport, same run, interleaved:
# the listener's receive path (ReceiveBenchmarks) and the syslog sender's write path (SendBenchmarks)
# over real loopback TCP. Each case runs in its own process (BenchmarkDotNet in-process toolchain,
# so nothing is rebuilt between cases), and every round runs all cases in a rotated order, so a
# switch of the machine's CPU speed lands on different cases in different rounds.
#
#   benchmarks/pipelines-compare/run.sh                 # 5 rounds
#   ROUNDS=3 WARMUP=3 ITERATIONS=10 benchmarks/pipelines-compare/run.sh
#   CASES='Receive' benchmarks/pipelines-compare/run.sh # only cases whose name contains Receive
#
# Prints, per case, min / median / max of the per-round BenchmarkDotNet medians (ns per line) and
# the spread (max/min - 1), the bytes allocated per line, and each SocketConnection case relative
# to today's path with the same framing; then the same from the per-round minimums, which other
# work on the two cores disturbs least. Raw JSON: $OUT (default /tmp/aeg-pipes-<pid>).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-5}
ITERATIONS=${ITERATIONS:-15}
CASES=${CASES:-}
OUT=${OUT:-/tmp/aeg-pipes-$$}
mkdir -p "$OUT"

echo "building Aeg.PipelinesCompare (Release)…" >&2
dotnet build -c Release -v q --nologo "$here/Aeg.PipelinesCompare/Aeg.PipelinesCompare.csproj" >/dev/null
dll="$here/Aeg.PipelinesCompare/bin/Release/net10.0/Aeg.PipelinesCompare.dll"

cases=()
for reader in stream sc-default sc-64k sc-64k-inline; do
  for framing in lf octet; do
    cases+=("ReceiveBenchmarks.ReceiveAndFrame(Framing: \"$framing\", Reader: \"$reader\")")
  done
done
for writer in sender sc-default sc-64k sc-64k-inline; do
  cases+=("SendBenchmarks.SendFlushAndDeliver(Writer: \"$writer\")")
done
if [[ -n "$CASES" ]]; then
  selected=()
  for c in "${cases[@]}"; do [[ "$c" == *"$CASES"* ]] && selected+=("$c"); done
  cases=("${selected[@]}")
fi

n=${#cases[@]}
for ((round = 0; round < ROUNDS; round++)); do
  for ((k = 0; k < n; k++)); do
    i=$(((k + round * 5) % n))
    dir="$OUT/r$round-c$i"
    echo "$(date +%T) round $((round + 1))/$ROUNDS: ${cases[$i]}" >&2
    dotnet "$dll" --inProcess --filter "*${cases[$i]}" --warmupCount "$WARMUP" --iterationCount "$ITERATIONS" \
      --exporters json --artifacts "$dir" >"$dir.log" 2>&1 || { echo "failed, see $dir.log" >&2; exit 1; }
  done
done

python3 "$here/summarize.py" "$OUT" Median
echo
python3 "$here/summarize.py" "$OUT" Min
