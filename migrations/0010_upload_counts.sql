-- The uploads list answers with the number of uploads; counting 100,000 rows on every page
-- would make the list as slow as the table is large. upload_counts keeps the number per
-- status, kept right by statement triggers in the same transaction as the change, so the
-- unfiltered list (and the list by status) reads it instead of counting.
CREATE TABLE upload_counts (
  status text PRIMARY KEY,
  n bigint NOT NULL DEFAULT 0 CHECK (n >= 0)
);
INSERT INTO upload_counts (status, n) SELECT status, count(*) FROM uploads GROUP BY status;

CREATE FUNCTION upload_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO upload_counts AS c (status, n)
    SELECT status, count(*) FROM added GROUP BY status
    ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END
$$;

CREATE FUNCTION upload_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE upload_counts AS c SET n = c.n - r.k
    FROM (SELECT status, count(*) AS k FROM removed GROUP BY status) AS r
    WHERE c.status = r.status;
  RETURN NULL;
END
$$;

CREATE FUNCTION upload_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE upload_counts AS c SET n = c.n - r.k
    FROM (SELECT o.status, count(*) AS k FROM removed o JOIN added a ON a.id = o.id
          WHERE a.status <> o.status GROUP BY o.status) AS r
    WHERE c.status = r.status;
  INSERT INTO upload_counts AS c (status, n)
    SELECT a.status, count(*) FROM added a JOIN removed o ON o.id = a.id
    WHERE a.status <> o.status GROUP BY a.status
    ON CONFLICT (status) DO UPDATE SET n = c.n + EXCLUDED.n;
  RETURN NULL;
END
$$;

CREATE TRIGGER uploads_counted_insert AFTER INSERT ON uploads
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION upload_counts_added();
CREATE TRIGGER uploads_counted_delete AFTER DELETE ON uploads
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION upload_counts_removed();
CREATE TRIGGER uploads_counted_update AFTER UPDATE ON uploads
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION upload_counts_moved();
