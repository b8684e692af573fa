#!/usr/bin/python3
"""The original script's method, re-implemented as a baseline for the drain benchmark.

Each run: read the kept maximum modification_time from a file in the state directory, select
every row newer than it, send one syslog message per row (here over TCP, LF-framed), then keep
the new maximum. Same arguments as the original (password on the command line is one of its
weaknesses; this runs on loopback only):

  baseline.py <state_dir> <db_host> <db_user> <db_password> <db_port> <db_name> <syslog_host> <syslog_port>

The SELECT resolves stage and user names with the same joins Aeg uses, so both produce the same
event content. Uses MySQLdb (C driver) when installed, else PyMySQL.
"""
import os
import socket
import sys
import time

try:
    import MySQLdb as driver
    DRIVER = "MySQLdb"
except ImportError:  # pragma: no cover
    import pymysql as driver
    DRIVER = "pymysql"

QUERY = """
SELECT a.event_id, a.version, a.modification_time, mu.name, st.name, a.current_comment,
       a.audit_trail, a.flags, a.manager_receipt_time
FROM arc_event_annotation a
LEFT JOIN arc_resource st ON st.id = a.stage
LEFT JOIN arc_resource mu ON mu.id = a.modified_by
WHERE a.modification_time > %s
"""

FLAGS = {0: "Is Reviewed", 1: "In Case", 2: "Is Ignored"}
SEVERITY = {"Queued": "3", "Initial": "5", "Follow-Up": "5", "Final": "7", "Closed": "1"}


def esc(value):
    return (str(value).replace("\\", "\\\\").replace("=", "\\=")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r"))


def main(argv):
    state_dir, db_host, db_user, db_password, db_port, db_name, syslog_host, syslog_port = argv[1:9]
    state_file = os.path.join(state_dir, "max_modification_time")
    kept = 0
    if os.path.exists(state_file):
        with open(state_file) as f:
            kept = int(f.read().strip() or 0)
    host = socket.getfqdn()
    started = time.time()
    db = driver.connect(host=db_host, user=db_user, passwd=db_password, port=int(db_port), db=db_name, charset="utf8mb4")
    cur = db.cursor()
    cur.execute(QUERY, (kept,))
    rows = cur.fetchall()  # the original's method: everything newer than the kept maximum, at once
    sock = socket.create_connection((syslog_host, int(syslog_port)))
    newest = kept
    for event_id, version, mt, user, stage, comment, trail, flags, mrt in rows:
        labels = ",".join(label for bit, label in FLAGS.items() if flags & (1 << bit))
        ts = time.strftime("%b %d %H:%M:%S", time.localtime())
        ext = [f"shost={esc(host)}"]
        if user is not None:
            ext.append(f"duser={esc(user)}")
        if trail is not None:
            ext.append(f"cs1={esc(trail)} cs1Label=audit_trail")
        if comment is not None:
            ext.append(f"cs2={esc(comment)} cs2Label=current_comment")
        if stage is not None:
            ext.append(f"cs3={esc(stage)} cs3Label=stage")
        if labels:
            ext.append(f"cs4={esc(labels)} cs4Label=flag_labels")
        ext.append(f"deviceCustomDate1={mt} deviceCustomDate1Label=modification_time")
        if mrt is not None:
            ext.append(f"deviceCustomDate2={mrt} deviceCustomDate2Label=event_mrt")
        ext.append(f"cn1={version} cn1Label=version cn2={event_id} cn2Label=event_id cn3={flags} cn3Label=flags")
        line = (f"<165>{ts} {host} aeg: CEF:0|HP|AEG|1.0|annotation|Annotation Event|"
                f"{SEVERITY.get(stage, 'Unknown')}|{' '.join(ext)}\n")
        sock.sendall(line.encode("utf-8"))  # one send per row
        newest = max(newest, mt)
    sock.close()
    with open(state_file, "w") as f:
        f.write(str(newest))
    elapsed = time.time() - started
    print(f"baseline ({DRIVER}): {len(rows)} rows in {elapsed:.2f}s = {len(rows) / elapsed:,.0f} rows/s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
