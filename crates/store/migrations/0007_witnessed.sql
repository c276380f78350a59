-- The newest checkpoint that every witness `cortina serve` is configured
-- with has cosigned (C2SP tlog-witness): the log's signed note with the
-- witnesses' signature lines appended. Not a ledger entry (recording it
-- would grow the log it witnesses); it only ever moves to a larger size,
-- and each note is checked against the log's key and the witnesses' keys
-- by whoever reads it (`cortina ledger verify --witness-key`).
CREATE TABLE ledger_witnessed (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    checkpoint TEXT NOT NULL
);
