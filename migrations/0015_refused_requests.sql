-- Requests refused to callers without an account (failed sign-ins, 401s, other 4xx answers)
-- are counted, not written one audit row each: one row per hour, method, route and status
-- whose count grows, so a flood of them cannot flood the audit log.
CREATE TABLE refused_requests (
  hour timestamptz NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  status integer NOT NULL CHECK (status BETWEEN 400 AND 499),
  count bigint NOT NULL CHECK (count > 0),
  last_at timestamptz NOT NULL,
  PRIMARY KEY (hour, method, route, status)
);
