-- Job runs carried out by the runner: who asked for a run by hand, how long it took, its
-- steps and its error; the moment a scheduled run was due; and whether a job may run while
-- its previous run is still going (by default it waits for it).

-- requested_by is not a foreign key: a run keeps who asked for it after their account is gone
-- (as the audit log does).
ALTER TABLE job_runs
  ADD COLUMN requested_by text,
  ADD COLUMN duration_ms bigint CHECK (duration_ms IS NULL OR duration_ms >= 0),
  ADD COLUMN steps jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(steps) = 'array'),
  ADD COLUMN error text,
  ADD COLUMN scheduled_for timestamptz;

-- manual runs queued before this migration said who asked in their details
UPDATE job_runs SET requested_by = details->>'requested_by'
  WHERE requested_by IS NULL AND jsonb_typeof(details->'requested_by') = 'string';

ALTER TABLE jobs ADD COLUMN allow_overlap boolean NOT NULL DEFAULT false;

-- "is a run of this job running": asked before every run
CREATE INDEX job_runs_job_running_idx ON job_runs (job_id) WHERE status = 'running';
-- the retention purge: department records older than a cut-off, across sources
CREATE INDEX department_records_recorded_idx ON department_records (recorded_at);
