-- records.seal_idx: the index of the seal leaf that sealed the record, set
-- when the record is stored in the transaction that seals it (and here for
-- records sealed before), so the audit reads an org's sealed records by a
-- range of leaf indexes instead of probing the record_hash index once per
-- leaf. It is a shortcut, not a source of truth: ReadRecords still matches
-- every record to its leaf by record hash, and looks records up by hash
-- where the shortcut does not match.

-- +goose Up
ALTER TABLE records ADD COLUMN seal_idx INTEGER;
UPDATE records SET seal_idx = (SELECT MIN(l.idx) FROM seal_leaves l
    WHERE l.org_id = records.org_id AND l.record_hash = records.record_hash);
CREATE INDEX records_seal ON records (org_id, seal_idx) WHERE seal_idx IS NOT NULL;

-- +goose Down
DROP INDEX records_seal;
ALTER TABLE records DROP COLUMN seal_idx;
