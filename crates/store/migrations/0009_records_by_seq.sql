-- Records by the entry that last changed them: live boards follow the
-- store (changes made by other processes on the same database) by asking
-- which records changed since the last entry they showed.
CREATE INDEX records_by_updated_seq ON records (updated_seq);

-- A room's latest log entries (a board shows the most recently changed)
-- without sorting the whole room's log.
CREATE INDEX records_by_room_seq ON records (kind, room, updated_seq);
