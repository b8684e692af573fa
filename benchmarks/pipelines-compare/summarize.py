#!/usr/bin/env python3
"""Summarises run.sh's rounds: per case min / median / max of the per-round medians, spread, allocation,
and each SocketConnection case relative to today's path with the same framing (ratio of the medians)."""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict


def main(out):
    medians = defaultdict(list)
    allocated = defaultdict(list)
    for path in glob.glob(os.path.join(out, "*", "results", "*-report-full-compressed.json")) + \
            glob.glob(os.path.join(out, "*", "results", "*-report-full.json")):
        with open(path) as f:
            report = json.load(f)
        for b in report["Benchmarks"]:
            name = b["Type"] + " " + b["Parameters"].replace("&", " ")
            medians[name].append(b["Statistics"]["Median"])
            allocated[name].append(b["Memory"]["BytesAllocatedPerOperation"])
    if not medians:
        sys.exit("no BenchmarkDotNet JSON under " + out)

    print("| case | rounds | min ns/line | median ns/line | max ns/line | spread | B/line | vs today (median) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in sorted(medians):
        values = sorted(medians[name])
        median = statistics.median(values)
        baseline = baseline_of(name)
        ratio = "-"
        if baseline != name and baseline in medians:
            ratio = "%.3f" % (median / statistics.median(medians[baseline]))
        print("| %s | %d | %.1f | %.1f | %.1f | %.1f%% | %s | %s |" % (
            name, len(values), values[0], median, values[-1], (values[-1] / values[0] - 1) * 100,
            "/".join(sorted({"%.2f" % a for a in allocated[name]})), ratio))


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
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
