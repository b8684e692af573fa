#!/usr/bin/env bash
# Long-running fuzzing of CefReader and SyslogFrameReader (the engine of the CI test
# tests/Aeg.Cef.Tests/CefFuzzTests.cs). Arguments go to the fuzzer, e.g.:
#   benchmarks/fuzz/run.sh --minutes 600 --threads 2          # ten hours on two cores
#   benchmarks/fuzz/run.sh --seed 42 --iterations 5000000
#   benchmarks/fuzz/run.sh --seed 42 --repro 123456           # re-run one failing input
# Failing inputs are saved under benchmarks/fuzz/crashes/ (see README.md); exit code 1 if any.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
dotnet build -c Release benchmarks/fuzz/Aeg.CefFuzz -v quiet -nologo >/dev/null
exec dotnet benchmarks/fuzz/Aeg.CefFuzz/bin/Release/net10.0/Aeg.CefFuzz.dll "$@"
