-- What every ledger entry wrote: one row per table row an entry created,
-- changed or deleted, with the row's commitment (HMAC-SHA-256 under the
-- record's salt for a salted record, SHA-256 of the row's canonical
-- encoding otherwise; a fixed value for a deletion). The entry's
-- personal-data commitment is the digest of its list, so this table can be
-- neither edited nor trimmed without `cortina ledger verify` noticing, and
-- every row must match the last write here (see `store::stamps`).
-- Purging a record's salt and document leaves its commitments here: they
-- reveal nothing without the salt, and the log still verifies.
CREATE TABLE row_writes (
    seq BIGINT NOT NULL,
    tbl TEXT NOT NULL,
    row_key TEXT NOT NULL,
    salted BIGINT NOT NULL,
    commitment BYTEA NOT NULL,
    PRIMARY KEY (seq, tbl, row_key)
);

-- The log's size when this migration ran: entries before it were written
-- before rows were committed to, and their rows are checked by their
-- stamps alone. A new store starts at 0 (the head row does not exist yet,
-- so nothing is inserted). `cortina ledger verify` refuses an epoch moved
-- past an entry that commits to rows.
CREATE TABLE stamp_epoch (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO stamp_epoch (id, seq) SELECT 1, size FROM ledger_head WHERE id = 1;
