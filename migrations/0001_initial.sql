-- BatchOps initial schema: every model of packages/core/src/Models.ts.
-- Identifiers are text (the models speak string ids); timestamps are timestamptz.

CREATE TABLE users (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  username text NOT NULL UNIQUE,
  email text NOT NULL UNIQUE,
  password_hash text,
  role text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'moderator', 'user')),
  email_verified boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE uploads (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  file_name text NOT NULL,
  format text,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'processing', 'awaiting_approval', 'published', 'failed')),
  profile text NOT NULL,
  process_mode text NOT NULL,
  process_config jsonb NOT NULL DEFAULT '{}'::jsonb,
  progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
  steps jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(steps) = 'array'),
  report_csv bytea,
  report_pdf bytea,
  report_csv_path text,
  report_pdf_path text,
  rows integer CHECK (rows IS NULL OR rows >= 0),
  uploaded_by text REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_status_created_idx ON uploads (status, created_at DESC);
CREATE INDEX uploads_sha256_idx ON uploads (sha256);
CREATE INDEX uploads_uploaded_by_idx ON uploads (uploaded_by);

CREATE TABLE jobs (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  automation text NOT NULL,
  cron text NOT NULL CHECK (array_length(regexp_split_to_array(btrim(cron), '\s+'), 1) = 5),
  enabled boolean NOT NULL DEFAULT true,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_automation_idx ON jobs (automation);

CREATE TABLE job_runs (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  job_id text REFERENCES jobs (id) ON DELETE SET NULL,
  automation text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'upload')),
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  logs jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(logs) = 'array'),
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX job_runs_job_created_idx ON job_runs (job_id, created_at DESC);
CREATE INDEX job_runs_status_idx ON job_runs (status);

CREATE TABLE known_errors (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  pattern text NOT NULL,
  stage text,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  root_cause text NOT NULL,
  corrective_action text NOT NULL,
  active boolean NOT NULL DEFAULT true
);
CREATE INDEX known_errors_active_idx ON known_errors (active) WHERE active;

CREATE TABLE incidents (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  upload_id text REFERENCES uploads (id) ON DELETE SET NULL,
  stage text NOT NULL,
  error text NOT NULL,
  fingerprint text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'resolved', 'archived')),
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  known_error text REFERENCES known_errors (name) ON UPDATE CASCADE ON DELETE SET NULL,
  root_cause text,
  corrective_action text,
  impact_summary text,
  analysis_notes text,
  assignee text REFERENCES users (id) ON DELETE SET NULL,
  retry_count integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  last_retry_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_status_created_idx ON incidents (status, created_at DESC);
CREATE INDEX incidents_upload_idx ON incidents (upload_id);
CREATE INDEX incidents_assignee_idx ON incidents (assignee);
-- at most one unresolved incident per fingerprint (repeated failures join it)
CREATE UNIQUE INDEX incidents_open_fingerprint_idx ON incidents (fingerprint)
  WHERE fingerprint IS NOT NULL AND status IN ('open', 'in_progress');

-- Failures that are the same story across uploads, keyed by fingerprint (see IncidentGroups.ts in core).
CREATE TABLE incident_groups (
  fingerprint text PRIMARY KEY,
  stage text NOT NULL,
  known_error text,
  message_pattern text NOT NULL,
  source text,
  incident_id text REFERENCES incidents (id) ON DELETE SET NULL,
  count integer NOT NULL DEFAULT 1 CHECK (count >= 1),
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  CHECK (last_seen >= first_seen)
);
CREATE INDEX incident_groups_incident_idx ON incident_groups (incident_id);
CREATE INDEX incident_groups_last_seen_idx ON incident_groups (last_seen DESC);

CREATE TABLE incident_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  kind text NOT NULL,
  message text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incident_events_incident_at_idx ON incident_events (incident_id, at, id);

CREATE TABLE tickets (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  incident_id text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (btrim(title) <> ''),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_incident_idx ON tickets (incident_id);

CREATE TABLE department_sources (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name text NOT NULL UNIQUE,
  department text NOT NULL,
  kind text NOT NULL,
  enabled boolean NOT NULL DEFAULT true
);

CREATE TABLE department_records (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  source_id text NOT NULL REFERENCES department_sources (id) ON DELETE CASCADE,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX department_records_source_recorded_idx ON department_records (source_id, recorded_at DESC);

CREATE TABLE email_verification_requests (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_verification_requests_user_idx ON email_verification_requests (user_id, created_at DESC);

CREATE TABLE password_reset_requests (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_requests_user_idx ON password_reset_requests (user_id, created_at DESC);

-- Work queue: workers claim with
--   SELECT ... FROM work_queue WHERE status = 'pending' AND run_after <= now()
--   ORDER BY run_after, id LIMIT n FOR UPDATE SKIP LOCKED
-- (work_queue_claim_idx serves exactly that), then set status 'running' and leased_until.
CREATE TABLE work_queue (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  run_after timestamptz NOT NULL DEFAULT now(),
  leased_until timestamptz,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_queue_claim_idx ON work_queue (run_after, id) WHERE status = 'pending';
-- expired leases are reclaimed by scanning running rows by lease end
CREATE INDEX work_queue_lease_idx ON work_queue (leased_until) WHERE status = 'running';
