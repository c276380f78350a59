-- The consultation log (issue 14): one row per consultation — a screening
-- from any channel, a read of personal data (declarations, cases,
-- requests, movements, …), allowed or refused — beside its ledger entry
-- `seq`. `payload` is exactly the bytes the entry's payload digest commits
-- to (HMAC-SHA-256 under the entry's salt in `entry_salts`): the purpose,
-- the query or the record asked for, and the result's size. It holds
-- personal data, so it is purged at the end of the log's own retention.
CREATE TABLE consultations (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    account TEXT NOT NULL,
    agency TEXT NOT NULL,
    channel TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    purpose TEXT,
    payload BYTEA NOT NULL,
    result_size BIGINT
);
CREATE INDEX consultations_by_account ON consultations (account, seq);
CREATE INDEX consultations_by_record ON consultations (record_id, seq);
CREATE INDEX consultations_by_time ON consultations (at_ms, seq);

-- Whom a consultation concerned, as keyed digests (HMAC-SHA-256 under a
-- key derived from the ledger's signing key, never stored): each token of
-- a name in the screening engine's comparison forms (`n:…`), a document
-- number as the engine normalises it (`d:…`). Never a name in clear.
CREATE TABLE consultation_subjects (
    subject TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (subject, seq)
);

-- Statistics without personal data (issue 14 item 2): counts per UTC day,
-- agency, metric and key (an action's outcome, a policy id, a decision
-- time bucket), folded in from the ledger's entries up to `stats_cursor`
-- (the first entry not yet counted). Derived data: rebuilt from the
-- ledger by emptying both tables.
CREATE TABLE stats_cells (
    day BIGINT NOT NULL,
    agency TEXT NOT NULL,
    metric TEXT NOT NULL,
    k TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, agency, metric, k)
);
CREATE TABLE stats_cursor (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO stats_cursor (id, seq) VALUES (1, 0);
