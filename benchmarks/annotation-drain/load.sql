-- Bulk-loads the annotation backlog for the drain benchmark into the current database
-- (schema from content/esm/schema.sql must be loaded first). @rows sets the size.
-- Rows are one millisecond apart, all more than a day old (outside any look-back window),
-- with comments and two-line audit trails of realistic size, 10 users and the 5 stages.
SET SESSION max_recursive_iterations = 100000000;
SET @base = UNIX_TIMESTAMP(NOW() - INTERVAL 2 DAY) * 1000;
INSERT IGNORE INTO arc_resource (id, resource_type, name, uri)
WITH RECURSIVE u(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM u WHERE n < 9)
SELECT 100 + n, 2, CONCAT('analyst', n), NULL FROM u;
INSERT INTO arc_event_annotation (event_id, version, modification_time, modified_by, stage, stage_update_time,
  stage_user, current_comment, audit_trail, flags, end_time, manager_receipt_time)
WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < @rows - 1)
SELECT 1000000 + n, 1 + n % 3, @base + n, 100 + n % 10, 1 + n % 5, @base + n,
  100 + (n + 3) % 10,
  CONCAT('Checked host ', n % 251, ': false positive | see ticket=', n, ' \\ closed'),
  CONCAT('2,', @base + n, ',analyst', n % 10, ',Initial,,,,\n1,', @base + n - 60000, ',root,Queued,,,,\n'),
  n % 8, @base + n - 5000, @base + n - 4000
FROM seq;
