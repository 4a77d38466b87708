-- Issue 14: bounded problems, idempotent uploads, retention of old invalid versions, and the
-- portal's own secrets. Kept in step with the other backend's 0002_hardening.sql.

-- JSON: the problems not kept in full, counted by kind ([{severity, kind, count}]).
ALTER TABLE submissions ADD COLUMN omitted TEXT NOT NULL DEFAULT '[]';
-- The upload form's one-time key: a retried or doubled request answers with the first
-- submission and stores nothing new.
ALTER TABLE submissions ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX submissions_idem ON submissions (user_id, idem_key);
-- 1 when an old invalid version's files and problems were deleted (retention); its row stays.
ALTER TABLE submissions ADD COLUMN pruned BIGINT NOT NULL DEFAULT 0;

-- The portal's secrets (the key that signs login-form tokens), made on first start.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
