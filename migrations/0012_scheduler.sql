-- The scheduler: each job's time zone, misfire policy and school-calendar skip dates, when it
-- is next due and the last tick handled; one scheduled run per job and tick at most; and the
-- ticks a job missed (its scheduler was down longer than the job may be late).

ALTER TABLE jobs
  ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
  ADD COLUMN misfire_policy text NOT NULL DEFAULT 'coalesce_once'
    CHECK (misfire_policy IN ('skip', 'coalesce_once', 'run_all')),
  ADD COLUMN max_lateness_ms bigint NOT NULL DEFAULT 3600000 CHECK (max_lateness_ms >= 0),
  ADD COLUMN skip_dates jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(skip_dates) = 'array'),
  -- NULL with last_scheduled_for NULL: not registered yet (a job seeded by SQL), the scheduler's
  -- next pass computes it (the rules live in code, not here); NULL otherwise: never runs again
  ADD COLUMN next_run_at timestamptz,
  -- ticks at or before this moment are handled (run or missed) or predate the schedule
  ADD COLUMN last_scheduled_for timestamptz;

-- the scheduler's "which jobs are due": enabled jobs by their next tick
CREATE INDEX jobs_due_idx ON jobs (next_run_at) WHERE enabled;

-- The exactly-once guarantee: two schedulers inserting the same tick of a job, one wins (the
-- other's insert does nothing, and it queues no work for it).
CREATE UNIQUE INDEX job_runs_job_scheduled_idx ON job_runs (job_id, scheduled_for)
  WHERE scheduled_for IS NOT NULL;

-- Missed ticks are a table of their own rather than job_runs rows: a missed tick never ran,
-- has no automation output, and must not show up as a run the runner could pick up or count.
CREATE TABLE job_missed_ticks (
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  scheduled_for timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, scheduled_for)
);
