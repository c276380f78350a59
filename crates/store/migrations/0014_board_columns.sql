-- Board columns: what the boards order, limit and count records by, beside
-- the state, in columns of their own so that a board of ten thousand
-- records decodes only the rows it shows (issue 11: the commander's home
-- decoded every open request's document to find the 50 most urgent, and
-- each room's open incidents to count them).
--
-- The writer fills them from the document (`domain::storage::BoardAttributes`)
-- whenever it writes a record; they are not part of the row's commitment
-- (stores written before this migration still verify), but `ledger verify`
-- recomputes them from the document and flags a row whose columns differ.
-- A record without a document (purged) has none.
--
--   open_due_at  a record still open on a board (a request neither refused,
--                closed nor cancelled): when it is due, Unix ms, or
--                9223372036854775807 while it has no deadline (a draft);
--                NULL once finished
--   category     a log entry's category (`incident`, …)
--   severity     a log entry's severity, 1 to 5
--   awaiting     the host's decision a record waits for: `disclosure_approval`
--                for an answer with personal data not yet approved
ALTER TABLE records ADD COLUMN open_due_at BIGINT;
ALTER TABLE records ADD COLUMN category TEXT;
ALTER TABLE records ADD COLUMN severity BIGINT;
ALTER TABLE records ADD COLUMN awaiting TEXT;

-- Open records, soonest due first (the home's requests by time left)...
CREATE INDEX records_open_by_due ON records (kind, open_due_at, updated_seq DESC)
    WHERE open_due_at IS NOT NULL;
-- ... and a delegation's (a foreign viewer's board), and their count by
-- owning delegation from the index alone (without it SQLite counts them
-- through `records_by_owner_seq`, reading every request's row).
CREATE INDEX records_open_by_owner ON records (kind, delegation, open_due_at, updated_seq DESC)
    WHERE open_due_at IS NOT NULL;
-- A room's open incidents by severity, from the index alone.
CREATE INDEX records_by_category ON records (kind, room, state, category, severity)
    WHERE category IS NOT NULL;
-- What waits for the host's decision (the approvals queue).
CREATE INDEX records_awaiting ON records (kind, awaiting) WHERE awaiting IS NOT NULL;
