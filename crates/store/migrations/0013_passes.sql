-- Accreditation passes (issue 12, items 6 and 7). A pass is derived from
-- its accreditation and signed on demand, so only what a gate must refuse
-- is stored: the accreditations suspended or revoked, each with the pass id
-- the gates' signed revocation list names and the ledger entry that last
-- changed it. A reinstated accreditation's row is deleted.
CREATE TABLE pass_revocations (
    pass_id TEXT PRIMARY KEY,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    state TEXT NOT NULL,
    changed_seq BIGINT NOT NULL
);

CREATE INDEX pass_revocations_by_subject ON pass_revocations (subject_kind, subject_id);
