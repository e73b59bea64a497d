-- Retries and the mass-change guard.
--
-- uploads.incident_id: the incident a failed upload was recorded on (its own, or the group's
-- incident it joined), so a retry of the upload counts on that incident.
-- uploads.approval: what a held run would change (counts and a preview), and the decision.
-- 'rejected': an upload whose held change a person refused; nothing was published.
-- upload_events: the upload's own timeline (held, approved, rejected, retried).
ALTER TABLE uploads ADD COLUMN incident_id text REFERENCES incidents (id) ON DELETE SET NULL;
ALTER TABLE uploads ADD COLUMN approval jsonb;
ALTER TABLE uploads DROP CONSTRAINT uploads_status_check;
ALTER TABLE uploads ADD CONSTRAINT uploads_status_check
  CHECK (status IN ('queued', 'processing', 'awaiting_approval', 'published', 'failed', 'rejected'));
CREATE INDEX uploads_incident_idx ON uploads (incident_id);

CREATE TABLE upload_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  upload_id text NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  actor text,
  kind text NOT NULL,
  message text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX upload_events_upload_idx ON upload_events (upload_id, id);
