-- The seal tables as WITHOUT ROWID tables, clustered on their primary key
-- (org_id, idx): an append writes one b-tree per table instead of the table
-- and its primary-key index, and the audit's range reads scan the leaves
-- and hashes in index order without a lookup per row. Same columns and
-- constraints; the Postgres tables are clustered by their primary key
-- already (append order is index order), so Postgres has no twin of this.

-- +goose Up
CREATE TABLE seal_leaves_new (
    org_id      TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    leaf        BLOB NOT NULL,
    record_hash BLOB,
    PRIMARY KEY (org_id, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO seal_leaves_new (org_id, idx, leaf, record_hash)
    SELECT org_id, idx, leaf, record_hash FROM seal_leaves ORDER BY org_id, idx;
DROP TABLE seal_leaves;
ALTER TABLE seal_leaves_new RENAME TO seal_leaves;
CREATE INDEX seal_leaves_record ON seal_leaves (org_id, record_hash);

CREATE TABLE seal_hashes_new (
    org_id TEXT NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (org_id, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO seal_hashes_new (org_id, idx, hash)
    SELECT org_id, idx, hash FROM seal_hashes ORDER BY org_id, idx;
DROP TABLE seal_hashes;
ALTER TABLE seal_hashes_new RENAME TO seal_hashes;

-- +goose Down
CREATE TABLE seal_leaves_old (
    org_id      TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    leaf        BLOB NOT NULL,
    record_hash BLOB,
    PRIMARY KEY (org_id, idx)
) STRICT;
INSERT INTO seal_leaves_old SELECT org_id, idx, leaf, record_hash FROM seal_leaves;
DROP TABLE seal_leaves;
ALTER TABLE seal_leaves_old RENAME TO seal_leaves;
CREATE INDEX seal_leaves_record ON seal_leaves (org_id, record_hash);

CREATE TABLE seal_hashes_old (
    org_id TEXT NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (org_id, idx)
) STRICT;
INSERT INTO seal_hashes_old SELECT org_id, idx, hash FROM seal_hashes;
DROP TABLE seal_hashes;
ALTER TABLE seal_hashes_old RENAME TO seal_hashes;
