-- Sign-in limits that cannot lock out a school. Failed attempts are counted per (action,
-- account, client address) pair, and a pair that failed too often waits (growing delays);
-- nothing is counted per address alone, so one person behind a school's shared address
-- cannot lock the staff out. The fixed windows of every attempt are gone.
DROP TABLE auth_rate_limits;

CREATE TABLE auth_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL CHECK (failures > 0),
  last_failure_at timestamptz NOT NULL DEFAULT now(),
  wait_until timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_last_idx ON auth_failures (last_failure_at);

-- Tokens stop working after BATCHOPS_TOKEN_IDLE_HOURS without use, besides their lifetime.
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();

