-- The incidents list (GET /api/incidents/): newest first, filtered by status (served by
-- incidents_status_created_idx), by severity, by stage, by known error, or by date alone;
-- the newest-first order also serves the recent failures a known error is tried against.
CREATE INDEX incidents_created_idx ON incidents (created_at DESC, id DESC);
CREATE INDEX incidents_severity_created_idx ON incidents (severity, created_at DESC);
CREATE INDEX incidents_stage_created_idx ON incidents (stage, created_at DESC);
CREATE INDEX incidents_known_error_idx ON incidents (known_error);
