-- The consultation log's epoch: from this entry on, every consultation
-- entry has its row in `consultations` (unless a purge entry removed it),
-- and `ledger verify` checks that it does. A store created with the log
-- has epoch 0; an older one starts at its first logged consultation (the
-- entries before the log existed have no rows), or at the end of its
-- ledger if it logged none yet.
CREATE TABLE consultation_epoch (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO consultation_epoch (id, seq)
SELECT 1, COALESCE(
    (SELECT MIN(seq) FROM consultations),
    (SELECT MAX(seq) + 1 FROM ledger_entries),
    0
);

-- A purge of the log deletes a range of entries' subjects at once.
CREATE INDEX consultation_subjects_by_seq ON consultation_subjects (seq);

-- The statistics now count requests by kind and by deadline kept, and
-- declarations' screenings: the cells (derived data) are counted again
-- from the ledger by the next read.
DELETE FROM stats_cells;
UPDATE stats_cursor SET seq = 0;

-- The analysts' queue marks the cases that put an accreditation in force
-- in question (a list change hit an applicant accredited before it), for
-- the commander's home and the queue's filter. Cases opened before this
-- column are not marked.
ALTER TABLE vetting_queue ADD COLUMN in_question BIGINT NOT NULL DEFAULT 0;
CREATE INDEX vetting_queue_in_question ON vetting_queue (state) WHERE in_question = 1;
