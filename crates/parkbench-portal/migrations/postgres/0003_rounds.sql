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
    id          BIGSERIAL PRIMARY KEY,
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
    id        BIGSERIAL PRIMARY KEY,
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
CREATE FUNCTION parkbench_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION parkbench_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION parkbench_append_only();

-- The review of a park's data for a year, one move at a time: `seq` counts the moves of a park
-- and year, so two decisions taken at once on the same state cannot both be stored.
CREATE TABLE moves (
    id            BIGSERIAL PRIMARY KEY,
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
CREATE TRIGGER moves_append_only BEFORE UPDATE OR DELETE ON moves
    FOR EACH ROW EXECUTE FUNCTION parkbench_append_only();
CREATE TRIGGER moves_no_truncate BEFORE TRUNCATE ON moves
    FOR EACH STATEMENT EXECUTE FUNCTION parkbench_append_only();

-- A reviewer's comment on one rule or one cell (file, line, column) of a version, made with a
-- move.
CREATE TABLE review_comments (
    id            BIGSERIAL PRIMARY KEY,
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
    id         BIGSERIAL PRIMARY KEY,
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
    id            BIGSERIAL PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    rule          TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    bytes         BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    content       BYTEA NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX evidence_submission ON evidence (submission_id);
