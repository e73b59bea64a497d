-- Default automation jobs, sample department sources with records, and ingest jobs.
-- Idempotent: stable ids/names with ON CONFLICT DO NOTHING.

INSERT INTO jobs (id, name, automation, cron, enabled, params) VALUES
  ('job_send_attendance_reminders', 'Send attendance reminders', 'send_attendance_reminders', '0 7 * * 1-5', true, '{}'),
  ('job_send_system_status_digest', 'Send system status digest', 'send_system_status_digest', '0 8 * * *', true, '{}'),
  ('job_run_web_scrape', 'Run web scrape', 'run_web_scrape', '0 */6 * * *', true, '{}'),
  ('job_schedule_file_ingest', 'Schedule file ingest', 'schedule_file_ingest', '*/15 * * * *', true, '{}'),
  ('job_purge_old_records', 'Purge old records', 'purge_old_records', '30 3 * * 0', true, '{"olderThanDays": 365}'),
  ('job_run_daily_backup', 'Run daily backup', 'run_daily_backup', '0 2 * * *', true, '{}')
ON CONFLICT DO NOTHING;

INSERT INTO department_sources (id, name, department, kind, enabled) VALUES
  ('src_admissions', 'Admissions applications', 'admissions', 'csv', true),
  ('src_library', 'Library loans', 'library', 'api', true),
  ('src_facilities', 'Facilities work orders', 'facilities', 'web_scrape', true)
ON CONFLICT DO NOTHING;

INSERT INTO department_records (id, source_id, payload, recorded_at) VALUES
  ('rec_admissions_1', 'src_admissions', '{"applicant": "A-1001", "program": "Science", "status": "received"}', '2026-01-05T09:00:00Z'),
  ('rec_admissions_2', 'src_admissions', '{"applicant": "A-1002", "program": "Arts", "status": "accepted"}', '2026-01-06T10:30:00Z'),
  ('rec_library_1', 'src_library', '{"item": "B-2001", "borrower": "S-301", "due": "2026-02-01"}', '2026-01-07T11:00:00Z'),
  ('rec_library_2', 'src_library', '{"item": "B-2002", "borrower": "S-302", "due": "2026-02-03"}', '2026-01-08T12:15:00Z'),
  ('rec_facilities_1', 'src_facilities', '{"order": "W-501", "room": "Lab 2", "issue": "projector"}', '2026-01-09T08:45:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO jobs (id, name, automation, cron, enabled, params) VALUES
  ('job_ingest_admissions', 'Ingest admissions', 'ingest_department', '0 6 * * *', true, '{"sourceIds": ["src_admissions"]}'),
  ('job_ingest_library', 'Ingest library', 'ingest_department', '10 6 * * *', true, '{"sourceIds": ["src_library"]}'),
  ('job_ingest_facilities', 'Ingest facilities', 'ingest_department', '20 6 * * *', true, '{"sourceIds": ["src_facilities"]}'),
  ('job_ingest_all_departments', 'Ingest all departments', 'ingest_department', '0 1 * * *', true,
    '{"sourceIds": ["src_admissions", "src_library", "src_facilities"]}')
ON CONFLICT DO NOTHING;
