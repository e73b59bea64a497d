-- The uploads list (GET /api/uploads/): newest first, filtered by status (served by
-- uploads_status_created_idx), by profile, by plan, by who uploaded, or by date alone.
CREATE INDEX uploads_created_idx ON uploads (created_at DESC, id DESC);
CREATE INDEX uploads_profile_created_idx ON uploads (profile, created_at DESC);
CREATE INDEX uploads_mode_created_idx ON uploads (process_mode, created_at DESC);
-- removing an upload removes the work items that still name it
CREATE INDEX work_queue_upload_idx ON work_queue ((payload->>'uploadId')) WHERE kind = 'process_upload';
