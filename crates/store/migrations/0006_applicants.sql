-- Applicants for accreditation and the analysts' queue (issue 12).
--
-- An applicant is a record (kind `applicant`, an opaque id, the organiser's
-- agency in the owner column `delegation`, the opinion as its state; the
-- salted document holds the organiser's reference and the person). These
-- two tables are indexes beside the records, derived from their documents;
-- `ledger verify` does not check them (a tampered row misleads a lookup or
-- the queue's order, it grants nothing: every answer is read back from the
-- verified record).

-- The organiser's reference as a keyed digest (HMAC-SHA-256 under a key
-- derived from the ledger's signing key), never in clear: re-sending a
-- reference finds its applicant. `content` is the digest of the facts last
-- sent, so that sending the same row again changes nothing.
CREATE TABLE applicant_refs (
    organiser TEXT NOT NULL,
    ref_digest TEXT NOT NULL,
    id TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (organiser, ref_digest)
);

-- An organiser's applicants in the order they were submitted (keyset pages).
CREATE INDEX records_by_owner_seq ON records (kind, delegation, created_seq);

-- The analysts' queue: one row per vetting case opened at intake, with the
-- facts its filters and order need. `score` in thousandths; `claim_until`
-- in Unix ms; `bulk` 1 when cleared as one of a group.
CREATE TABLE vetting_queue (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    priority BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    category TEXT,
    venue TEXT,
    list TEXT,
    score BIGINT NOT NULL,
    assignee TEXT,
    claim_until BIGINT,
    bulk BIGINT NOT NULL,
    opened_ms BIGINT NOT NULL,
    decided_ms BIGINT
);
CREATE INDEX vetting_queue_order ON vetting_queue (state, priority DESC, due_ms, id);
CREATE INDEX vetting_queue_due ON vetting_queue (state, due_ms, id);
