-- TraceVault server schema, Postgres. Every table is keyed by org_id and
-- every query filters on it. The SQLite twin is migrations/sqlite/00001_init.sql;
-- keep the two in step (same tables, columns and constraints).

-- +goose Up
CREATE TABLE orgs (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

-- Registered mirrors.
CREATE TABLE repos (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     text NOT NULL REFERENCES orgs (id),
    url        text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, url)
);

-- Last fetched tip of each mirrored ref.
CREATE TABLE repo_refs (
    org_id     text NOT NULL,
    repo_id    bigint NOT NULL,
    ref        text NOT NULL,
    tip        text NOT NULL,
    fetched_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, repo_id, ref),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id) ON DELETE CASCADE
);

-- Registered writer public keys.
CREATE TABLE writers (
    org_id     text NOT NULL REFERENCES orgs (id),
    writer_id  text NOT NULL,
    public_key text NOT NULL,
    name       text NOT NULL,
    email      text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    PRIMARY KEY (org_id, writer_id)
);

-- Org-scoped API keys; hash is SHA-256 of the whole token. created_by and
-- role are the seam for the user and role model.
CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    org_id       text NOT NULL REFERENCES orgs (id),
    name         text NOT NULL,
    role         text NOT NULL,
    hash         bytea NOT NULL,
    created_by   text,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Signed records, byte for byte as received (record.json and record.sig).
CREATE TABLE records (
    org_id      text NOT NULL REFERENCES orgs (id),
    writer      text NOT NULL,
    seq         bigint NOT NULL,
    type        text NOT NULL,
    record_hash bytea NOT NULL,
    prev        text NOT NULL,
    created_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    source      text NOT NULL,
    repo_id     bigint,
    raw         bytea NOT NULL,
    sig         bytea NOT NULL,
    PRIMARY KEY (org_id, writer, seq),
    UNIQUE (org_id, record_hash),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id)
);

-- Raw records are most of the bytes ingested: compress them with lz4, about
-- ten times cheaper than the default pglz, where the server supports it.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE records ALTER COLUMN raw SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
-- +goose StatementEnd

-- Records refused at ingest, with the reason.
CREATE TABLE quarantine (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      text NOT NULL REFERENCES orgs (id),
    record_hash bytea NOT NULL,
    writer      text NOT NULL,
    seq         bigint NOT NULL,
    code        text NOT NULL,
    reason      text NOT NULL,
    source      text NOT NULL,
    repo_id     bigint,
    received_at timestamptz NOT NULL,
    raw         bytea NOT NULL,
    sig         bytea NOT NULL,
    UNIQUE (org_id, record_hash, code)
);
CREATE INDEX quarantine_org_time ON quarantine (org_id, received_at);

-- Sessions, decoded from the latest record of each; the child tables below
-- are replaced with it. These derived tables (sessions, commits and their
-- children) have no foreign keys: only Ingest writes them, in the
-- transaction that stores their record, and per-row foreign key checks made
-- bulk loading them many times slower (on tables without statistics the
-- check's cached plan can even pick an index on org_id alone and scan the
-- whole org per row).
CREATE TABLE sessions (
    org_id            text NOT NULL,
    session_id        text NOT NULL,
    writer            text NOT NULL,
    seq               bigint NOT NULL,
    record_created_at timestamptz NOT NULL,
    repo_id           bigint,
    agent             text NOT NULL,
    agent_version     text NOT NULL,
    author_name       text NOT NULL,
    author_email      text NOT NULL,
    branch            text NOT NULL,
    head_at_start     text NOT NULL,
    started_at        timestamptz,
    ended_at          timestamptz,
    ended             boolean NOT NULL,
    evidence          text NOT NULL,
    models            text NOT NULL,
    prompts           integer NOT NULL,
    tool_calls        integer NOT NULL,
    edits             integer NOT NULL,
    ai_lines_added    bigint NOT NULL,
    human_lines_added bigint NOT NULL,
    input_tokens      bigint NOT NULL,
    output_tokens     bigint NOT NULL,
    cache_write_5m    bigint NOT NULL,
    cache_write_1h    bigint NOT NULL,
    cache_read        bigint NOT NULL,
    cost_usd          double precision,
    PRIMARY KEY (org_id, session_id)
);
CREATE INDEX sessions_started ON sessions (org_id, started_at);
CREATE INDEX sessions_repo ON sessions (org_id, repo_id, started_at);
CREATE INDEX sessions_author ON sessions (org_id, author_email);

-- Prompts, tool calls and denials, in session order.
CREATE TABLE session_events (
    org_id      text NOT NULL,
    session_id  text NOT NULL,
    ord         integer NOT NULL,
    kind        text NOT NULL,
    at          timestamptz,
    name        text NOT NULL,
    tool_use_id text NOT NULL,
    status      text NOT NULL,
    detail      text NOT NULL,
    model       text NOT NULL,
    agent_id    text NOT NULL,
    duration_ms bigint NOT NULL,
    PRIMARY KEY (org_id, session_id, ord)
);

CREATE TABLE file_changes (
    org_id      text NOT NULL,
    session_id  text NOT NULL,
    ord         integer NOT NULL,
    path        text NOT NULL,
    old_path    text NOT NULL,
    op          text NOT NULL,
    tool        text NOT NULL,
    tool_use_id text NOT NULL,
    at          timestamptz,
    added       integer NOT NULL,
    removed     integer NOT NULL,
    human       boolean NOT NULL,
    model       text NOT NULL,
    agent_id    text NOT NULL,
    before_hash text NOT NULL,
    after_hash  text NOT NULL,
    PRIMARY KEY (org_id, session_id, ord)
);
CREATE INDEX file_changes_path ON file_changes (org_id, path);

-- Token usage per session and model.
CREATE TABLE model_usage (
    org_id         text NOT NULL,
    session_id     text NOT NULL,
    model          text NOT NULL,
    input_tokens   bigint NOT NULL,
    output_tokens  bigint NOT NULL,
    cache_write_5m bigint NOT NULL,
    cache_write_1h bigint NOT NULL,
    cache_read     bigint NOT NULL,
    requests       bigint NOT NULL,
    cost_usd       double precision,
    PRIMARY KEY (org_id, session_id, model)
);

-- Commit attribution, decoded from the latest commit record of each commit.
CREATE TABLE commits (
    org_id            text NOT NULL,
    sha               text NOT NULL,
    writer            text NOT NULL,
    seq               bigint NOT NULL,
    record_created_at timestamptz NOT NULL,
    repo_id           bigint,
    parent            text NOT NULL,
    evidence          text NOT NULL,
    rewritten_from    text NOT NULL,
    ai_lines          bigint NOT NULL,
    human_lines       bigint NOT NULL,
    PRIMARY KEY (org_id, sha)
);
CREATE INDEX commits_time ON commits (org_id, record_created_at);
CREATE INDEX commits_repo ON commits (org_id, repo_id, record_created_at);

CREATE TABLE commit_sessions (
    org_id     text NOT NULL,
    sha        text NOT NULL,
    ord        integer NOT NULL,
    session_id text NOT NULL,
    agent      text NOT NULL,
    models     text NOT NULL,
    record     text NOT NULL,
    PRIMARY KEY (org_id, sha, ord)
);
CREATE INDEX commit_sessions_session ON commit_sessions (org_id, session_id);

CREATE TABLE commit_files (
    org_id   text NOT NULL,
    sha      text NOT NULL,
    ord      integer NOT NULL,
    path     text NOT NULL,
    old_path text NOT NULL,
    added    integer NOT NULL,
    ai       integer NOT NULL,
    human    integer NOT NULL,
    PRIMARY KEY (org_id, sha, ord)
);

CREATE TABLE attribution_ranges (
    org_id     text NOT NULL,
    sha        text NOT NULL,
    file_ord   integer NOT NULL,
    ord        integer NOT NULL,
    start_line integer NOT NULL,
    end_line   integer NOT NULL,
    session_id text NOT NULL,
    agent      text NOT NULL,
    model      text NOT NULL,
    tool       text NOT NULL,
    PRIMARY KEY (org_id, sha, file_ord, ord)
);

-- Policy verdicts: canonical verdict JSON, append-only.
CREATE TABLE policy_verdicts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       text NOT NULL REFERENCES orgs (id),
    sha          text NOT NULL,
    repo_id      bigint,
    policy       text NOT NULL,
    outcome      text NOT NULL,
    verdict      bytea NOT NULL,
    verdict_hash bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    UNIQUE (org_id, sha, verdict_hash),
    FOREIGN KEY (org_id, repo_id) REFERENCES repos (org_id, id)
);
CREATE INDEX policy_verdicts_sha ON policy_verdicts (org_id, sha, id);

-- The seal's Merkle log. Not tied to orgs by foreign key: the log is
-- addressed by org string alone (seal.HashStore).
CREATE TABLE seal_leaves (
    org_id      text NOT NULL,
    idx         bigint NOT NULL,
    leaf        bytea NOT NULL,
    record_hash bytea,
    PRIMARY KEY (org_id, idx)
);
CREATE INDEX seal_leaves_record ON seal_leaves (org_id, record_hash);

CREATE TABLE seal_hashes (
    org_id text NOT NULL,
    idx    bigint NOT NULL,
    hash   bytea NOT NULL,
    PRIMARY KEY (org_id, idx)
);

CREATE TABLE seal_checkpoints (
    org_id     text NOT NULL,
    size       bigint NOT NULL,
    note       bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, size)
);

-- Checkpoint signing keys: each version of the encrypted key ring, and the
-- public history of its keys.
CREATE TABLE seal_keyrings (
    org_id     text NOT NULL,
    version    bigint NOT NULL,
    blob       bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, version)
);

CREATE TABLE seal_signing_keys (
    org_id       text NOT NULL,
    key_id       text NOT NULL,
    state        text NOT NULL,
    verifier_key text NOT NULL,
    created_at   timestamptz NOT NULL,
    retired_at   timestamptz,
    PRIMARY KEY (org_id, key_id)
);

-- +goose Down
DROP TABLE seal_signing_keys, seal_keyrings, seal_checkpoints, seal_hashes, seal_leaves,
    policy_verdicts, attribution_ranges, commit_files, commit_sessions, commits,
    model_usage, file_changes, session_events, sessions, quarantine, records,
    api_keys, writers, repo_refs, repos, orgs;
