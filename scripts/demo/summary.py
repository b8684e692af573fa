"""Summarises the demo's received Annotation Events (JSON lines from aeg --print-events)."""
import collections
import json
import os
import sys

events = per_analyst = None
events = 0
gaps = 0
stages = collections.Counter()
per_analyst = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    ext = e.get("extensions") or {}
    if e.get("name") != "Annotation Event":
        continue
    events += 1
    stage = ext.get("cs3", "?")
    stages[stage] += 1
    per_analyst[ext.get("duser", "(auto)")][stage] += 1
    if "cs5" in ext:
        gaps += int(ext["cs5"])

print(f"Annotation Events received by Aeg's listener: {events}")
print(f"Edits lost between two polls (missed_versions): {gaps}")
print("Annotation Events per analyst and stage:")
names = sorted(stages)
print("  " + "analyst".ljust(10) + "".join(n.rjust(11) for n in names))
for analyst in sorted(per_analyst):
    print("  " + analyst.ljust(10) + "".join(str(per_analyst[analyst][n]).rjust(11) for n in names))

# The analyst report printed next counts differently and measures in wall-clock time: say so here.
print("  This table counts every event received, comment- and flag-only edits included, under the")
print("  stage it was in. The analyst report's 'Transitions into each stage' counts each move into a")
print("  stage once, moves lost between two polls included (recovered from the audit trail): the two")
print("  tables differ by design.")
speed = os.environ.get("AEG_DEMO_SPEED", "60x")
if speed.lower() != "max":
    factor = speed.rstrip("xX")
    print(f"  The simulation ran at {speed}: the report's durations are wall-clock time, so the simulated")
    print(f"  analysts took {factor} times as long (at 60x, a time to respond of 5s is 5 simulated minutes).")
