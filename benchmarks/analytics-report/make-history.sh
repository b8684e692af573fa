#!/usr/bin/env bash
# Builds a big analyst history for timing `aeg report` (issue 20: < 3 s and < 150 MiB over
# 10,000,000 durations). Not run in CI.
#
#   benchmarks/analytics-report/make-history.sh STATE_DIR [DURATIONS] [DAYS]   # default 10000000, 120
#
# Writes STATE_DIR/analytics.db in one SQLite transaction per table (sqlite3 CLI, recursive CTEs),
# with aeg's schema created by aeg itself first (AEG: path of the aeg to use, default the one on
# PATH, or a command such as "dotnet src/Aeg/bin/Release/net10.0/aeg.dll"; any later migration of the file is aeg's own). Shape, per 10 durations: 4 respond,
# 3 review, 3 close; 9 transitions; 5 notes; 6 events; 12 analysts; lengths log-uniform from
# 1 s to ~7 days; every row ends inside the DAYS days before now, in time order, so its rowid
# order matches end_ms as a drain's would. 10M durations: ~1.7 GB, a few minutes.
# Needs the sqlite3 CLI (apt-get install sqlite3; installed when missing).
set -euo pipefail
STATE=${1:?state directory}
N=${2:-10000000}
DAYS=${3:-120}
AEG=${AEG:-aeg}
dpkg -s sqlite3 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
mkdir -p "$STATE"
DB="$STATE/analytics.db"
rm -f "$DB" "$DB-wal" "$DB-shm"

# aeg creates the schema (the current one, migrations included) when it opens the history: a
# report over an empty period opens it. The config needs a database section it never connects to.
W=$(mktemp -d /tmp/aeg-history-XXXXXX)
trap 'rm -rf "$W"' EXIT
cat > "$W/aeg.yaml" <<YAML
database: { host: 127.0.0.1, port: 3306, database: none, user: none, passwordEnv: AEG_HISTORY_UNUSED, sslMode: None }
state: { directory: $STATE }
syslog: { host: 127.0.0.1, port: 514, protocol: udp }
YAML
: > "$DB"   # a report never creates state: an empty file lets aeg create the tables in it
AEG_HISTORY_UNUSED=x $AEG report --config "$W/aeg.yaml" --from 1971-01-01 --to 1971-01-02 --format json > /dev/null

NOW_MS=$(( $(date +%s) * 1000 ))
SPAN_MS=$(( DAYS * 86400000 ))
START_MS=$(( NOW_MS - SPAN_MS ))
t0=$(date +%s)
sqlite3 "$DB" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
PRAGMA cache_size=-262144;
BEGIN;
-- Durations: row n ends at START + n*SPAN/N; kind by n % 10; analyst by (n*7) % 12; length
-- log-uniform in [1 s, ~7 days] from a hash of n.
INSERT INTO analytics_durations (event_id, kind, analyst, start_ms, end_ms, source)
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < $N - 1),
v AS (SELECT n, $START_MS + n * $SPAN_MS / $N AS end_ms,
        CAST(1000 * exp(((n * 2654435761) % 1000003) / 1000003.0 * 13.3) AS INTEGER) AS len FROM s)
SELECT 1000000 + n * 6 / 10,
  CASE WHEN n % 10 < 4 THEN 'Respond' WHEN n % 10 < 7 THEN 'Review' ELSE 'Close' END,
  'analyst' || ((n * 7) % 12), end_ms - len, end_ms,
  CASE WHEN n % 50 = 0 THEN 'Recovered' WHEN n % 97 = 0 THEN 'Inferred' ELSE 'Observed' END
FROM v;
COMMIT;
BEGIN;
INSERT INTO analytics_transitions (event_id, version, time_ms, analyst, from_stage, to_stage, from_audit)
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < $N * 9 / 10 - 1)
SELECT 1000000 + n * 6 / 9, 1 + n % 3, $START_MS + n * $SPAN_MS / ($N * 9 / 10), 'analyst' || ((n * 5) % 12),
  CASE n % 4 WHEN 0 THEN 'Queued' WHEN 1 THEN 'Initial' WHEN 2 THEN 'Follow-Up' ELSE 'Final' END,
  CASE n % 4 WHEN 0 THEN 'Initial' WHEN 1 THEN 'Follow-Up' WHEN 2 THEN 'Final' ELSE 'Closed' END,
  n % 20 = 0
FROM s;
COMMIT;
BEGIN;
INSERT INTO analytics_notes (event_id, version, time_ms, note)
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < $N / 2 - 1)
SELECT 1000000 + n * 6 / 5, 1 + n % 3, $START_MS + n * $SPAN_MS / ($N / 2),
  CASE WHEN n % 10 < 6 THEN 'RecoveredFromAuditTrail' WHEN n % 10 < 8 THEN 'ClosedWithoutReview' WHEN n % 10 = 8 THEN 'Reopened' ELSE 'StaleRow' END
FROM s;
COMMIT;
BEGIN;
INSERT INTO analytics_events (event_id, version, modification_ms, mrt_ms, stage, flags, review_anchor_ms, responded, review_measured, incomplete)
WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < $N * 6 / 10 - 1)
SELECT 1000000 + n, 3, $START_MS + n * $SPAN_MS / ($N * 6 / 10), $START_MS + n * $SPAN_MS / ($N * 6 / 10) - 600000,
  CASE n % 3 WHEN 0 THEN 'Closed' WHEN 1 THEN 'Follow-Up' ELSE 'Initial' END, n % 2, NULL, 1, n % 2, 0
FROM s;
COMMIT;
INSERT OR REPLACE INTO analytics_cursor (id, modification_ms, event_id) VALUES (1, $NOW_MS, 0);
DELETE FROM analytics_buckets;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
# aeg computes its totals (and anything a newer schema keeps beside the rows) when it next opens the file.
AEG_HISTORY_UNUSED=x $AEG report --config "$W/aeg.yaml" --from 1971-01-01 --to 1971-01-02 --format json > /dev/null
echo "history of $N durations over $DAYS days in $DB ($(du -m "$DB" | cut -f1) MB) in $(( $(date +%s) - t0 )) s"
