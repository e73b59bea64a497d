-- Work queue leases: who holds an item, and the status names the queue speaks
-- (queued, running, completed, failed; same words as uploads and job runs).
--
-- Workers claim with one statement:
--   WITH next AS (SELECT id FROM work_queue
--     WHERE (status = 'queued' AND run_after <= now()) OR (status = 'running' AND leased_until < now())
--     ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
--   UPDATE work_queue ... SET status = 'running', leased_by = $worker, leased_until = now() + $lease
-- work_queue_claim_idx serves the queued rows, work_queue_lease_idx the expired leases.

ALTER TABLE work_queue ADD COLUMN leased_by text;

ALTER TABLE work_queue DROP CONSTRAINT work_queue_status_check;
UPDATE work_queue SET status = 'queued' WHERE status = 'pending';
UPDATE work_queue SET status = 'completed' WHERE status = 'done';
ALTER TABLE work_queue ALTER COLUMN status SET DEFAULT 'queued';
ALTER TABLE work_queue ADD CONSTRAINT work_queue_status_check
  CHECK (status IN ('queued', 'running', 'completed', 'failed'));

-- a running item always has a holder and a lease end
UPDATE work_queue SET leased_by = 'unknown', leased_until = COALESCE(leased_until, now())
  WHERE status = 'running' AND (leased_by IS NULL OR leased_until IS NULL);
ALTER TABLE work_queue ADD CONSTRAINT work_queue_lease_check
  CHECK (status <> 'running' OR (leased_by IS NOT NULL AND leased_until IS NOT NULL));

DROP INDEX work_queue_claim_idx;
CREATE INDEX work_queue_claim_idx ON work_queue (run_after, id) WHERE status = 'queued';
CREATE INDEX work_queue_status_idx ON work_queue (status);
