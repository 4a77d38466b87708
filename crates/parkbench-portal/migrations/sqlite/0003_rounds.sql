-- Issue 29: scopes, API tokens, the append-only audit trail, two-level review (moves and
-- comments), the totals checked across years, data requests and evidence files. Kept in step
-- with the other backend's 0003_rounds.sql. Existing databases keep working: every new column
-- may be empty (staff without a province are national, as all staff were).

-- Provincial staff: the province key of the factor tables (`jiangsu`); NULL: nation-wide.
ALTER TABLE users ADD COLUMN province TEXT;
-- A park's province key, from its roster row (filled in at start for parks added before).
ALTER TABLE parks ADD COLUMN province TEXT;

-- Bearer tokens for the API. Only a hash is stored; a token works until it expires or is
-- revoked.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Every upload, decision, comment, role or scope change, token and evidence file: who, when,
-- what, from which address. Appended in the transaction of what it records; never changed.
CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    actor_id  BIGINT,
    actor     TEXT NOT NULL,
    address   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    park_id   TEXT,
    year      BIGINT,
    version   BIGINT,
    -- JSON.
    detail    TEXT NOT NULL
);
CREATE INDEX audit_events_park ON audit_events (park_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

-- The review of a park's data for a year, one move at a time: `seq` counts the moves of a park
-- and year, so two decisions taken at once on the same state cannot both be stored.
CREATE TABLE moves (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    park_id       TEXT NOT NULL REFERENCES parks (park_id),
    year          BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    action        TEXT NOT NULL,
    from_state    TEXT NOT NULL,
    to_state      TEXT NOT NULL,
    -- park, province or nation: the level the account acted at.
    level         TEXT NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    at            BIGINT NOT NULL,
    comment       TEXT NOT NULL,
    UNIQUE (park_id, year, seq)
);
CREATE INDEX moves_submission ON moves (submission_id);
CREATE TRIGGER moves_no_update BEFORE UPDATE ON moves
BEGIN
    SELECT RAISE(ABORT, 'review moves are append-only');
END;
CREATE TRIGGER moves_no_delete BEFORE DELETE ON moves
BEGIN
    SELECT RAISE(ABORT, 'review moves are append-only');
END;

-- A reviewer's comment on one rule or one cell (file, line, column) of a version, made with a
-- move.
CREATE TABLE review_comments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    move_id       BIGINT NOT NULL REFERENCES moves (id),
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    rule          TEXT,
    file          TEXT,
    line          BIGINT,
    col           BIGINT,
    body          TEXT NOT NULL
);
CREATE INDEX review_comments_submission ON review_comments (submission_id);

-- JSON: the version's totals for the checks across years (energy, CO2, electricity, carriers);
-- NULL for versions with errors and those stored before.
ALTER TABLE submissions ADD COLUMN totals TEXT;

-- Data requests: staff ask parks for a reporting year's data by a date.
CREATE TABLE requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    year       BIGINT NOT NULL,
    -- JSON: the benchmark set ids the data is for.
    sets       TEXT NOT NULL,
    -- xlsx or csv: the template the parks fill in.
    template   TEXT NOT NULL,
    -- YYYY-MM-DD: data is late after this day (UTC).
    due        TEXT NOT NULL,
    note       TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE TABLE request_parks (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    park_id    TEXT NOT NULL REFERENCES parks (park_id),
    PRIMARY KEY (request_id, park_id)
);
CREATE INDEX request_parks_park ON request_parks (park_id);

-- Evidence behind a version's numbers (a bill, a verification report), for the whole version
-- or one rule. Typed by its content.
CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    rule          TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    bytes         BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    content       BLOB NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX evidence_submission ON evidence (submission_id);
