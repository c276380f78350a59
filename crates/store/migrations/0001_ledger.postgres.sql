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

-- The database itself refuses to rewrite history. (Someone with owner rights
-- can drop this trigger; `cortina ledger verify` is what catches that.)
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entries_no_rewrite BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();
