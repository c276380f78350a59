-- The ledger: one row per entry, in log order, never updated or deleted.
-- `entry` is the canonical encoding (ledger::entry, version 1); `hashes`
-- holds the stored hashes this entry completes (level 0 first), so the
-- concatenation of all `hashes` in `seq` order is the stored-hash array of
-- Go's sumdb/tlog layout and proofs need no recomputation.
CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY,
    entry BYTEA NOT NULL,
    hashes BYTEA NOT NULL
);

-- The database itself refuses to rewrite history. (Someone with write
-- access to the file can drop these triggers; `cortina ledger verify` is what
-- catches that.)
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
