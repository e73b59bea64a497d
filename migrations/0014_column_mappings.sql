-- Column mappings that remember: when a file's headers do not satisfy its profile, a person
-- confirms which source header is which profile column; the mapping is kept for the
-- department, the profile and the header set (its fingerprint: normalized names, order
-- ignored), so the next file with the same headers maps with no questions. One mapping per
-- (department, profile, fingerprint): confirming again replaces it.
CREATE TABLE column_mappings (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  department text NOT NULL CHECK (btrim(department) <> ''),
  profile text NOT NULL CHECK (btrim(profile) <> ''),
  fingerprint text NOT NULL CHECK (btrim(fingerprint) <> ''),
  -- the header it was confirmed for, as written in that file
  headers jsonb NOT NULL CHECK (jsonb_typeof(headers) = 'array'),
  -- source header -> profile column
  mapping jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'object'),
  confirmed_by text REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (department, profile, fingerprint)
);

-- the department an upload came from (optional): its remembered mappings apply to it
ALTER TABLE uploads ADD COLUMN department text;
