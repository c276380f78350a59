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
