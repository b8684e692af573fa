-- Aeg: a model of the ArcSight ESM (CORR-Engine) annotation table, for development and tests.
--
-- Schema-agnostic on purpose: there is no CREATE DATABASE / USE here. Load it into the database
-- of your choice, e.g.
--   mysql -h 127.0.0.1 -P 3306 -u root -p -e 'CREATE DATABASE IF NOT EXISTS arcsight'
--   mysql -h 127.0.0.1 -P 3306 -u root -p arcsight < content/esm/schema.sql
-- The tests load it into a throwaway database named aeg_t_<random>.
--
-- What is known and what is modelled (see docs/annotations.md):
--   KNOWN   from ESM installations: table arc_event_annotation with the columns event_id,
--           modification_time, version, audit_trail (<= 2048 bytes), current_comment (<= 1024).
--   GUESSED from the ESM API's EventAnnotation object (names and types are NOT documented
--           publicly): modified_by, stage, stage_update_time, stage_user, flags, end_time,
--           manager_receipt_time, and the resource lookup table arc_resource.
-- A real install may differ: every table and column name, and whether times are epoch
-- milliseconds (BIGINT) or DATETIME, is configuration in aeg.yaml (source: section).

-- Stages and users are ESM resources; a row points at them by id. Aeg resolves the id to a
-- name (and, for stages, a URI such as /All Stages/Queued) with a LEFT JOIN on this table.
-- MODELLED GUESS: ESM keeps resources in arc_resource-style tables; the exact layout is unknown.
CREATE TABLE IF NOT EXISTS arc_resource (
  id            BIGINT       NOT NULL,
  resource_type INT          NOT NULL COMMENT 'MODELLED: 1 = stage, 2 = user',
  name          VARCHAR(255) NOT NULL,
  uri           VARCHAR(1024)    NULL COMMENT 'e.g. /All Stages/Queued',
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per annotated event holding its latest state: an edit updates the row in place and
-- increments version, so several edits between two polls show up as one row whose version
-- jumped by more than 1.
CREATE TABLE IF NOT EXISTS arc_event_annotation (
  event_id             BIGINT        NOT NULL COMMENT 'KNOWN',
  version              INT           NOT NULL DEFAULT 1 COMMENT 'KNOWN',
  modification_time    BIGINT        NOT NULL COMMENT 'KNOWN; epoch milliseconds (type MODELLED)',
  modified_by          BIGINT            NULL COMMENT 'MODELLED: user resource id (API: modifiedBy)',
  stage                BIGINT            NULL COMMENT 'MODELLED: stage resource id (API: stage)',
  stage_update_time    BIGINT            NULL COMMENT 'MODELLED: epoch ms (API: stageUpdateTime)',
  stage_user           BIGINT            NULL COMMENT 'MODELLED: user resource id (API: stageUser)',
  current_comment      VARCHAR(1024)     NULL COMMENT 'KNOWN; at most 1024',
  audit_trail          VARCHAR(2048)     NULL COMMENT 'KNOWN; at most 2048, lines of 8 comma-separated fields, newest first',
  flags                INT           NOT NULL DEFAULT 0 COMMENT 'MODELLED: bitmask (API: flags)',
  end_time             BIGINT            NULL COMMENT 'MODELLED: event end time, epoch ms (API: endTime)',
  manager_receipt_time BIGINT            NULL COMMENT 'MODELLED: event MRT, epoch ms (API: managerReceiptTime)',
  PRIMARY KEY (event_id),
  -- Aeg reads with a keyset cursor on (modification_time, event_id); this index makes every
  -- poll a range scan. MODELLED: whether a real install has it is unknown (see docs).
  KEY idx_aeg_keyset (modification_time, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The companion table exists in ESM; Aeg does not read it.
CREATE TABLE IF NOT EXISTS arc_event_annotation_p LIKE arc_event_annotation;

-- The default stages of ESM.
INSERT IGNORE INTO arc_resource (id, resource_type, name, uri) VALUES
  (1, 1, 'Queued',    '/All Stages/Queued'),
  (2, 1, 'Initial',   '/All Stages/Initial'),
  (3, 1, 'Follow-Up', '/All Stages/Follow-Up'),
  (4, 1, 'Final',     '/All Stages/Final'),
  (5, 1, 'Closed',    '/All Stages/Closed');
