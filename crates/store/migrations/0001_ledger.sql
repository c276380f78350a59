-- The ledger: one row per entry, in log order, never updated or deleted.
-- `entry` is the canonical encoding (ledger::entry, version 1); `hashes`
-- holds the stored hashes this entry completes (level 0 first), so the
-- concatenation of all `hashes` in `seq` order is the stored-hash array of
-- Go's sumdb/tlog layout and proofs need no recomputation.
CREATE TABLE ledger_entries (
    seq BIGINT PRIMARY KEY,
    entry BYTEA NOT NULL,
    hashes BYTEA NOT NULL
);

-- The sequencer's head: one row. `size` and `checkpoint` change in the same
-- transaction as the entries they cover.
CREATE TABLE ledger_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    size BIGINT NOT NULL,
    checkpoint TEXT NOT NULL
);
