-- One step of the demo's analyst simulator (run repeatedly by ./aeg.sh demo).
-- Either a new event arrives in Queued, or an analyst moves an open event to a later stage,
-- with a comment full of characters CEF must escape, a new audit-trail line and maybe flags.
-- Several steps on one event between two polls show up as a version gap (missed_versions).
SET @now = CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS UNSIGNED);
SET @new = (RAND() < 0.35 OR (SELECT COUNT(*) FROM arc_event_annotation WHERE stage < 4) = 0);

INSERT INTO arc_event_annotation
  (event_id, version, modification_time, modified_by, stage, stage_update_time, stage_user,
   current_comment, audit_trail, flags, end_time, manager_receipt_time)
SELECT COALESCE(MAX(event_id), 1000) + 1, 1, @now, NULL, 1, @now, NULL, NULL,
       CONCAT('1,', @now, ',root,Queued,,,,\n'), 0, @now - 2000, @now - 1000
FROM arc_event_annotation HAVING @new;

SET @event = (SELECT event_id FROM arc_event_annotation WHERE stage < 4 AND NOT @new ORDER BY RAND() LIMIT 1);
SET @analyst = 101 + FLOOR(RAND() * 5);
SET @comments = JSON_ARRAY(
  'Checked host | user=root, path C:\\Temp\\x.exe',
  'Benign: backup job "nightly" (see ticket #42)',
  'Ünïcødé résumé ☕ — escalating',
  'Line one\nline two = still the same comment',
  'Re-image requested; a\\b=c | d');

UPDATE arc_event_annotation a
JOIN arc_resource next_stage ON next_stage.id = LEAST(a.stage + 1 + (RAND() < 0.3), 5)
JOIN arc_resource analyst ON analyst.id = @analyst
SET a.version = a.version + 1,
    a.modification_time = @now,
    a.modified_by = @analyst,
    a.stage = next_stage.id,
    a.stage_update_time = @now,
    a.stage_user = @analyst,
    a.current_comment = JSON_UNQUOTE(JSON_EXTRACT(@comments, CONCAT('$[', FLOOR(RAND() * 5), ']'))),
    a.audit_trail = LEFT(CONCAT('1,', @now, ',', analyst.name, ',', next_stage.name, ',,,,\n', a.audit_trail), 2048),
    a.flags = a.flags | IF(next_stage.id >= 4, 1, 0) | IF(RAND() < 0.2, 2, 0)
WHERE a.event_id = @event;
