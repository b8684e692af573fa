#!/usr/bin/env python3
"""A synthetic analytics.db for timing `aeg report`'s manager sections (issue 20 item 4).

make-history.py OUT.db [EVENTS] [DAYS]: EVENTS events (default 1,000,000) with MRTs spread over
DAYS days (default 120) ending 2026-12-07: 10% never touched, 15% left in Initial, the rest
reviewed and closed, 5% of those re-opened (half closed again). Written with the tables Aeg
creates (the report's first open adds the histogram totals once). Seeded: the same file each run.
"""
import random
import sqlite3
import sys

out = sys.argv[1]
events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
days = int(sys.argv[3]) if len(sys.argv) > 3 else 120
end = 1796601600000  # 2026-12-07T00:00:00Z
start = end - days * 86_400_000
analysts = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
rnd = random.Random(20)

db = sqlite3.connect(out)
db.executescript("""
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
CREATE TABLE IF NOT EXISTS analytics_events (event_id INTEGER PRIMARY KEY, version INTEGER NOT NULL, modification_ms INTEGER NOT NULL,
  mrt_ms INTEGER, stage TEXT NOT NULL, flags INTEGER NOT NULL, review_anchor_ms INTEGER, responded INTEGER NOT NULL,
  review_measured INTEGER NOT NULL, incomplete INTEGER NOT NULL, review_anchor_inferred INTEGER NOT NULL DEFAULT 0,
  review_anchor_recovered INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS analytics_transitions (event_id INTEGER NOT NULL, version INTEGER NOT NULL, time_ms INTEGER NOT NULL,
  analyst TEXT NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, from_audit INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS analytics_transitions_time ON analytics_transitions (time_ms);
CREATE TABLE IF NOT EXISTS analytics_durations (event_id INTEGER NOT NULL, kind TEXT NOT NULL, analyst TEXT NOT NULL,
  start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, source TEXT NOT NULL DEFAULT 'Observed');
CREATE INDEX IF NOT EXISTS analytics_durations_end ON analytics_durations (end_ms);
CREATE TABLE IF NOT EXISTS analytics_notes (event_id INTEGER NOT NULL, version INTEGER NOT NULL, time_ms INTEGER NOT NULL, note TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS analytics_notes_time ON analytics_notes (time_ms);
""")
ev, tr, du = [], [], []
M = 60_000


def flush():
    db.executemany("INSERT INTO analytics_events VALUES (?,?,?,?,?,?,?,?,?,?,0,0)", ev)
    db.executemany("INSERT INTO analytics_transitions VALUES (?,?,?,?,?,?,0)", tr)
    db.executemany("INSERT INTO analytics_durations VALUES (?,?,?,?,?,'Observed')", du)
    ev.clear(); tr.clear(); du.clear()


for i in range(1, events + 1):
    mrt = start + (i - 1) * (days * 86_400_000 // events) + rnd.randrange(1000)
    a = rnd.choice(analysts)
    kind = rnd.random()
    if kind < 0.10:
        ev.append((i, 1, mrt + 10_000, mrt, "Queued", 0, None, 0, 0, 0))
    else:
        t1 = mrt + rnd.randrange(M, 120 * M)
        tr.append((i, 2, t1, a, "Queued", "Initial"))
        du.append((i, "Respond", a, mrt, t1))
        if kind < 0.25:
            ev.append((i, 2, t1, mrt, "Initial", 0, None, 1, 0, 0))
        else:
            b = rnd.choice(analysts)
            t2 = t1 + rnd.randrange(M, 240 * M)
            tr.append((i, 3, t2, b, "Initial", "Follow-Up"))
            du.append((i, "Review", b, mrt, t2))
            c = rnd.choice(analysts)
            t3 = t2 + rnd.randrange(10 * M, 2 * 1440 * M)
            tr.append((i, 4, t3, c, "Follow-Up", "Closed"))
            du.append((i, "Close", c, t2, t3))
            stage, version, last = "Closed", 4, t3
            if rnd.random() < 0.05:
                t4 = t3 + rnd.randrange(10 * M, 1440 * M)
                tr.append((i, 5, t4, rnd.choice(analysts), "Closed", "Follow-Up"))
                stage, version, last = "Follow-Up", 5, t4
                if rnd.random() < 0.5:
                    t5 = t4 + rnd.randrange(10 * M, 600 * M)
                    d = rnd.choice(analysts)
                    tr.append((i, 6, t5, d, "Follow-Up", "Closed"))
                    du.append((i, "Close", d, t4, t5))
                    stage, version, last = "Closed", 6, t5
            ev.append((i, version, last, mrt, stage, 1, None, 1, 1, 0))
    if len(ev) >= 50_000:
        flush()
flush()
db.commit()
print(f"{out}: {events} events, {db.execute('SELECT COUNT(*) FROM analytics_transitions').fetchone()[0]} transitions, "
      f"{db.execute('SELECT COUNT(*) FROM analytics_durations').fetchone()[0]} durations")
