-- The ledger's entries table is in the per-backend files: SQLite wants
-- `INTEGER PRIMARY KEY` (the row id itself, one B-tree lookup per entry),
-- PostgreSQL `BIGINT`.

-- The sequencer's head: one row. `size` and `checkpoint` change in the same
-- transaction as the entries they cover.
CREATE TABLE ledger_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    size BIGINT NOT NULL,
    checkpoint TEXT NOT NULL
);
