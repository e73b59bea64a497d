-- Department feeds as the scheduled ingest jobs use them: each source has a short code, a kind
-- that says how its data arrives (`simulated` sample data, a `directory` inbox folder, a `url`
-- to fetch) and the settings of that kind; each record has a kind (what it is: an application,
-- a loan, an attendance mark...) and a key, so ingesting the same record again updates it
-- instead of adding a copy. Also the automations' ledger: what a job already did (a reminder
-- sent, a file's content taken), so doing it again is refused by the database, not by luck.

ALTER TABLE department_sources
  ADD COLUMN code text,
  ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object');

-- the kinds of the first release name how data arrived then; map them to the three kinds
UPDATE department_sources SET kind = CASE
    WHEN id IN ('src_admissions', 'src_library', 'src_facilities') THEN 'simulated'
    WHEN kind IN ('csv', 'xlsx', 'directory', 'folder', 'file', 'files', 'inbox') THEN 'directory'
    WHEN kind IN ('api', 'url', 'http', 'web', 'web_scrape', 'scrape') THEN 'url'
    ELSE 'simulated'
  END;

-- codes: the seeded sources get theirs; others one derived from their id (an admin renames it)
UPDATE department_sources SET code = CASE id
    WHEN 'src_admissions' THEN 'ADM'
    WHEN 'src_library' THEN 'LIB'
    WHEN 'src_facilities' THEN 'FAC'
    ELSE 'SRC-' || upper(left(md5(id), 10))
  END;
UPDATE department_sources SET settings = jsonb_build_object('feed', department)
  WHERE id IN ('src_admissions', 'src_library', 'src_facilities');

ALTER TABLE department_sources
  ALTER COLUMN code SET NOT NULL,
  ADD CONSTRAINT department_sources_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
  ADD CONSTRAINT department_sources_kind_check CHECK (kind IN ('simulated', 'directory', 'url'));
CREATE UNIQUE INDEX department_sources_code_idx ON department_sources (code);

ALTER TABLE department_records
  ADD COLUMN kind text NOT NULL DEFAULT 'record' CHECK (btrim(kind) <> ''),
  ADD COLUMN key text;
UPDATE department_records SET key = id WHERE key IS NULL;
ALTER TABLE department_records ALTER COLUMN key SET NOT NULL;
-- one record per source, kind and key: ingesting it again updates it
CREATE UNIQUE INDEX department_records_source_kind_key_idx ON department_records (source_id, kind, key);
-- the reminders read one kind over a window, across sources
CREATE INDEX department_records_kind_recorded_idx ON department_records (kind, recorded_at);

UPDATE department_records SET kind = 'application', key = payload ->> 'applicant'
  WHERE id IN ('rec_admissions_1', 'rec_admissions_2');
UPDATE department_records SET kind = 'loan', key = payload ->> 'item'
  WHERE id IN ('rec_library_1', 'rec_library_2');
UPDATE department_records SET kind = 'work_order', key = payload ->> 'order'
  WHERE id = 'rec_facilities_1';

-- the attendance office: its simulated feed gives students (with a contact) and daily marks,
-- which the attendance reminders read
INSERT INTO department_sources (id, name, code, department, kind, enabled, settings) VALUES
  ('src_attendance', 'Attendance register', 'ATT', 'attendance', 'simulated', true, '{"feed": "attendance"}')
ON CONFLICT DO NOTHING;

INSERT INTO jobs (id, name, automation, cron, enabled, params) VALUES
  ('job_ingest_attendance', 'Ingest attendance', 'ingest_department', '30 6 * * 1-5', true,
    '{"sourceIds": ["src_attendance"]}')
ON CONFLICT DO NOTHING;

-- the combined job ingests every enabled source (also those added later), unless an admin
-- already changed its parameters
UPDATE jobs SET params = '{}'::jsonb
  WHERE id = 'job_ingest_all_departments'
    AND params = '{"sourceIds": ["src_admissions", "src_library", "src_facilities"]}'::jsonb;

CREATE TABLE automation_ledger (
  -- what kind of thing was done, e.g. 'attendance_reminder', 'file_ingest:<source id>'
  scope text NOT NULL CHECK (btrim(scope) <> ''),
  -- which one, e.g. '<student>:<day>', a file's sha256
  key text NOT NULL CHECK (btrim(key) <> ''),
  job_run_id text REFERENCES job_runs (id) ON DELETE SET NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX automation_ledger_created_idx ON automation_ledger (created_at);
