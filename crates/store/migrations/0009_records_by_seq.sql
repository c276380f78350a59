-- Records by the entry that last changed them: live boards follow the
-- store (changes made by other processes on the same database) by asking
-- which records changed since the last entry they showed.
CREATE INDEX records_by_updated_seq ON records (updated_seq);
