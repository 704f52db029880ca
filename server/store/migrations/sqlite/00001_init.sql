-- TraceVault server schema, SQLite (times are Unix microseconds, UTC). Every table is keyed by org_id and
-- every query filters on it. The Postgres twin is migrations/postgres/00001_init.sql;
-- keep the two in step (same tables, columns and constraints).

-- +goose Up
CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Registered mirrors.
CREATE TABLE repos (
    id         INTEGER PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    url        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, url)
) STRICT;

-- Last fetched tip of each mirrored ref.
CREATE TABLE repo_refs (
    org_id     TEXT NOT NULL,
    repo_id    INTEGER NOT NULL,
    ref        TEXT NOT NULL,
    tip        TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, repo_id, ref),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id) ON DELETE CASCADE
) STRICT;

-- Registered writer public keys.
CREATE TABLE writers (
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    writer_id  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    PRIMARY KEY (org_id, writer_id)
) STRICT;

-- Org-scoped API keys; hash is SHA-256 of the whole token. created_by and
-- role are the seam for the user and role model.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created_by   TEXT,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Signed records, byte for byte as received (record.json and record.sig).
CREATE TABLE records (
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    writer      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    record_hash BLOB NOT NULL,
    prev        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    source      TEXT NOT NULL,
    repo_id     INTEGER,
    raw         BLOB NOT NULL,
    sig         BLOB NOT NULL,
    PRIMARY KEY (org_id, writer, seq),
    UNIQUE (org_id, record_hash),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id)
) STRICT;

-- Records refused at ingest, with the reason.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    record_hash BLOB NOT NULL,
    writer      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    source      TEXT NOT NULL,
    repo_id     INTEGER,
    received_at INTEGER NOT NULL,
    raw         BLOB NOT NULL,
    sig         BLOB NOT NULL,
    UNIQUE (org_id, record_hash, code)
) STRICT;
CREATE INDEX quarantine_org_time ON quarantine (org_id, received_at);

-- Sessions, decoded from the latest record of each; the child tables below
-- are replaced with it. These derived tables (sessions, commits and their
-- children) have no foreign keys: only Ingest writes them, in the
-- transaction that stores their record, and per-row foreign key checks made
-- bulk loading them many times slower (on tables without statistics the
-- check's cached plan can even pick an index on org_id alone and scan the
-- whole org per row).
CREATE TABLE sessions (
    org_id            TEXT NOT NULL,
    session_id        TEXT NOT NULL,
    writer            TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    record_created_at INTEGER NOT NULL,
    repo_id           INTEGER,
    agent             TEXT NOT NULL,
    agent_version     TEXT NOT NULL,
    author_name       TEXT NOT NULL,
    author_email      TEXT NOT NULL,
    branch            TEXT NOT NULL,
    head_at_start     TEXT NOT NULL,
    started_at        INTEGER,
    ended_at          INTEGER,
    ended             INTEGER NOT NULL,
    evidence          TEXT NOT NULL,
    models            TEXT NOT NULL,
    prompts           INTEGER NOT NULL,
    tool_calls        INTEGER NOT NULL,
    edits             INTEGER NOT NULL,
    ai_lines_added    INTEGER NOT NULL,
    human_lines_added INTEGER NOT NULL,
    input_tokens      INTEGER NOT NULL,
    output_tokens     INTEGER NOT NULL,
    cache_write_5m    INTEGER NOT NULL,
    cache_write_1h    INTEGER NOT NULL,
    cache_read        INTEGER NOT NULL,
    cost_usd          REAL,
    PRIMARY KEY (org_id, session_id)
) STRICT;
CREATE INDEX sessions_started ON sessions (org_id, started_at);
CREATE INDEX sessions_repo ON sessions (org_id, repo_id, started_at);
CREATE INDEX sessions_author ON sessions (org_id, author_email);

-- Prompts, tool calls and denials, in session order.
CREATE TABLE session_events (
    org_id      TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER,
    name        TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    model       TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, session_id, ord)
) STRICT;

CREATE TABLE file_changes (
    org_id      TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    ord         INTEGER NOT NULL,
    path        TEXT NOT NULL,
    old_path    TEXT NOT NULL,
    op          TEXT NOT NULL,
    tool        TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    at          INTEGER,
    added       INTEGER NOT NULL,
    removed     INTEGER NOT NULL,
    human       INTEGER NOT NULL,
    model       TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    before_hash TEXT NOT NULL,
    after_hash  TEXT NOT NULL,
    PRIMARY KEY (org_id, session_id, ord)
) STRICT;
CREATE INDEX file_changes_path ON file_changes (org_id, path);

-- Token usage per session and model.
CREATE TABLE model_usage (
    org_id         TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    model          TEXT NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cache_write_5m INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL,
    cache_read     INTEGER NOT NULL,
    requests       INTEGER NOT NULL,
    cost_usd       REAL,
    PRIMARY KEY (org_id, session_id, model)
) STRICT;

-- Commit attribution, decoded from the latest commit record of each commit.
CREATE TABLE commits (
    org_id            TEXT NOT NULL,
    sha               TEXT NOT NULL,
    writer            TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    record_created_at INTEGER NOT NULL,
    repo_id           INTEGER,
    parent            TEXT NOT NULL,
    evidence          TEXT NOT NULL,
    rewritten_from    TEXT NOT NULL,
    ai_lines          INTEGER NOT NULL,
    human_lines       INTEGER NOT NULL,
    PRIMARY KEY (org_id, sha)
) STRICT;
CREATE INDEX commits_time ON commits (org_id, record_created_at);
CREATE INDEX commits_repo ON commits (org_id, repo_id, record_created_at);

CREATE TABLE commit_sessions (
    org_id     TEXT NOT NULL,
    sha        TEXT NOT NULL,
    ord        INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    agent      TEXT NOT NULL,
    models     TEXT NOT NULL,
    record     TEXT NOT NULL,
    PRIMARY KEY (org_id, sha, ord)
) STRICT;
CREATE INDEX commit_sessions_session ON commit_sessions (org_id, session_id);

CREATE TABLE commit_files (
    org_id   TEXT NOT NULL,
    sha      TEXT NOT NULL,
    ord      INTEGER NOT NULL,
    path     TEXT NOT NULL,
    old_path TEXT NOT NULL,
    added    INTEGER NOT NULL,
    ai       INTEGER NOT NULL,
    human    INTEGER NOT NULL,
    PRIMARY KEY (org_id, sha, ord)
) STRICT;

CREATE TABLE attribution_ranges (
    org_id     TEXT NOT NULL,
    sha        TEXT NOT NULL,
    file_ord   INTEGER NOT NULL,
    ord        INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line   INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    agent      TEXT NOT NULL,
    model      TEXT NOT NULL,
    tool       TEXT NOT NULL,
    PRIMARY KEY (org_id, sha, file_ord, ord)
) STRICT;

-- Policy verdicts: canonical verdict JSON, append-only.
CREATE TABLE policy_verdicts (
    id           INTEGER PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    sha          TEXT NOT NULL,
    repo_id      INTEGER,
    policy       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    verdict      BLOB NOT NULL,
    verdict_hash BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (org_id, sha, verdict_hash),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id)
) STRICT;
CREATE INDEX policy_verdicts_sha ON policy_verdicts (org_id, sha, id);

-- The seal's Merkle log. Not tied to orgs by foreign key: the log is
-- addressed by org string alone (seal.HashStore).
CREATE TABLE seal_leaves (
    org_id      TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    leaf        BLOB NOT NULL,
    record_hash BLOB,
    PRIMARY KEY (org_id, idx)
) STRICT;
CREATE INDEX seal_leaves_record ON seal_leaves (org_id, record_hash);

CREATE TABLE seal_hashes (
    org_id TEXT NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (org_id, idx)
) STRICT;

CREATE TABLE seal_checkpoints (
    org_id     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    note       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, size)
) STRICT;

-- Checkpoint signing keys: each version of the encrypted key ring, and the
-- public history of its keys.
CREATE TABLE seal_keyrings (
    org_id     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    blob       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, version)
) STRICT;

CREATE TABLE seal_signing_keys (
    org_id       TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    state        TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER,
    PRIMARY KEY (org_id, key_id)
) STRICT;

-- +goose Down
DROP TABLE seal_signing_keys;
DROP TABLE seal_keyrings;
DROP TABLE seal_checkpoints;
DROP TABLE seal_hashes;
DROP TABLE seal_leaves;
DROP TABLE policy_verdicts;
DROP TABLE attribution_ranges;
DROP TABLE commit_files;
DROP TABLE commit_sessions;
DROP TABLE commits;
DROP TABLE model_usage;
DROP TABLE file_changes;
DROP TABLE session_events;
DROP TABLE sessions;
DROP TABLE quarantine;
DROP TABLE records;
DROP TABLE api_keys;
DROP TABLE writers;
DROP TABLE repo_refs;
DROP TABLE repos;
DROP TABLE orgs;
