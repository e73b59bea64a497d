-- Sign-in attempts counted per account and per client address in fixed windows, here rather
-- than in a process's memory so that every server process counts the same attempts.
CREATE TABLE auth_rate_limits (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL DEFAULT now(),
  count integer NOT NULL DEFAULT 0 CHECK (count >= 0)
);
CREATE INDEX auth_rate_limits_window_idx ON auth_rate_limits (window_start);

-- The current code of an account is its latest unused one: these find it in one step.
CREATE INDEX email_verification_requests_open_idx ON email_verification_requests (user_id) WHERE used_at IS NULL;
CREATE INDEX password_reset_requests_open_idx ON password_reset_requests (user_id) WHERE used_at IS NULL;

-- Accounts are found by email in any case (sign in, verification, reset).
CREATE INDEX users_email_lower_idx ON users (lower(email));
