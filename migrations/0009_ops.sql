-- Operations: the audit log of every state-changing API request, and the heartbeats of the
-- background processes (the health check's "is the worker alive").

-- Only ever appended to. actor_id is not a foreign key: the log keeps who acted even after
-- their account is gone.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id text,
  method text NOT NULL,
  route text NOT NULL,
  status integer NOT NULL CHECK (status BETWEEN 100 AND 599),
  record_type text,
  record_id text,
  detail text,
  ip text NOT NULL,
  request_id text NOT NULL
);
-- the admin's list: newest first, whole or narrowed by actor, record or method
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_at_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_record_at_idx ON audit_log (record_type, record_id, at DESC);

-- One row per process loop, beat_at moved forward every every_ms by the database clock.
-- A beat older than three intervals means the process stopped.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('worker', 'scheduler', 'mailer')),
  host text NOT NULL,
  pid integer NOT NULL,
  every_ms integer NOT NULL CHECK (every_ms > 0),
  started_at timestamptz NOT NULL DEFAULT now(),
  beat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX worker_heartbeats_kind_beat_idx ON worker_heartbeats (kind, beat_at DESC);

-- the job runs list: newest first, across jobs
CREATE INDEX job_runs_created_idx ON job_runs (created_at DESC);
