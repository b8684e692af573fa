"""Prints each received Annotation Event (JSON lines on stdin) as one readable line."""
import json
import sys

for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if "error" in e:
        print(f"  rejected: {e['error']} at {e.get('position')}", flush=True)
        continue
    x = e.get("extensions", {})
    gap = f"  [{x['cs5']} edit(s) missed]" if "cs5" in x else ""
    comment = x.get("cs2", "").replace("\n", "\\n")
    print(f"  event {x.get('cn2', '?'):>5} v{x.get('cn1', '?'):<3} {x.get('cs3', '?'):<10} by {x.get('duser', '(auto)'):<7}"
          f" flags={x.get('cs4', '-'):<22} {comment[:60]}{gap}", flush=True)
