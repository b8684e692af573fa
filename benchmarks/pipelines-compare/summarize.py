#!/usr/bin/env python3
"""Summarises run.sh's rounds: per case min / median / max of the per-round medians, spread, allocation,
and each SocketConnection case relative to today's path with the same framing: the ratio of the medians,
and min / median / max of the per-round ratios (both measured in the same round, minutes apart)."""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict


def main(out, stat):
    medians = defaultdict(list)
    allocated = defaultdict(list)
    by_round = defaultdict(dict)
    for path in glob.glob(os.path.join(out, "r*-c*", "results", "*-report-full-compressed.json")):
        round_ = os.path.relpath(path, out).split("-")[0]
        with open(path) as f:
            report = json.load(f)
        for b in report["Benchmarks"]:
            name = b["Type"] + " " + b["Parameters"].replace("&", " ")
            medians[name].append(b["Statistics"][stat])
            allocated[name].append(b["Memory"]["BytesAllocatedPerOperation"])
            by_round[round_][name] = b["Statistics"][stat]
    if not medians:
        sys.exit("no BenchmarkDotNet JSON under " + out)

    print("Per round: BenchmarkDotNet's %s of each case (ns per line)." % stat)
    print()
    print("| case | rounds | min | median | max | spread | B/line | vs today: ratio of medians | per-round ratio min / median / max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in sorted(medians):
        values = sorted(medians[name])
        median = statistics.median(values)
        baseline = baseline_of(name)
        ratio = paired = "-"
        if baseline != name and baseline in medians:
            ratio = "%.3f" % (median / statistics.median(medians[baseline]))
            pairs = sorted(r[name] / r[baseline] for r in by_round.values() if name in r and baseline in r)
            if pairs:
                paired = "%.3f / %.3f / %.3f" % (pairs[0], statistics.median(pairs), pairs[-1])
        print("| %s | %d | %.1f | %.1f | %.1f | %.1f%% | %s | %s | %s |" % (
            name, len(values), values[0], median, values[-1], (values[-1] / values[0] - 1) * 100,
            "/".join(sorted({"%.2f" % a for a in allocated[name]})), ratio, paired))


def baseline_of(name):
    """Today's path with the same framing: Reader=stream for receive, Writer=sender for send."""
    for param, today in (("Reader=", "stream"), ("Writer=", "sender")):
        parts = name.split(" ")
        for i, p in enumerate(parts):
            if p.startswith(param):
                parts[i] = param + today
                return " ".join(parts)
    return name


if __name__ == "__main__":
    # The second argument picks BenchmarkDotNet's per-round statistic: Median (default), or Min, which a
    # busy machine (other builds on the two cores) disturbs least.
    main(sys.argv[1] if len(sys.argv) > 1 else ".", sys.argv[2] if len(sys.argv) > 2 else "Median")
