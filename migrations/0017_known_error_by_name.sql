-- An incident names the known error that diagnosed it. A plugin's known error lives in the code
-- that registered it, and need not be a row of known_errors, so the name is no longer a foreign
-- key: an embedder's first diagnosed failure is recorded without copying the registry's known
-- errors into the table first. Known errors are never renamed or deleted (only deactivated), so
-- nothing the key kept true is lost.
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_known_error_fkey;
