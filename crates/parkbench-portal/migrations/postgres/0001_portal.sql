-- The portal's tables (PostgreSQL). Kept in step with ../sqlite/0001_portal.sql.
CREATE TABLE parks (
    park_id   TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    -- The park's row of the roster's parks.csv, with its header: used when an upload has no
    -- parks table of its own.
    meta_csv  TEXT NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    -- argon2 PHC string; NULL until the setup link has been used.
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'operator')),
    park_id       TEXT REFERENCES parks (park_id),
    created_at    BIGINT NOT NULL
);

-- One-time links to set a password (first admin, invitations). Only a hash is stored.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Every upload is kept: versions count up per park and reporting year and are never changed.
CREATE TABLE submissions (
    id         BIGSERIAL PRIMARY KEY,
    park_id    TEXT NOT NULL REFERENCES parks (park_id),
    year       BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    valid      BIGINT NOT NULL,
    errors     BIGINT NOT NULL,
    warnings   BIGINT NOT NULL,
    -- JSON: the validator's problems, file names as the operator uploaded them.
    problems   TEXT NOT NULL,
    -- JSON: the uploaded file names (shown, never used as paths).
    names      TEXT NOT NULL,
    UNIQUE (park_id, year, version)
);

CREATE TABLE submission_files (
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    idx           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    content       BYTEA NOT NULL,
    PRIMARY KEY (submission_id, idx)
);

CREATE INDEX submissions_park_year ON submissions (park_id, year);
