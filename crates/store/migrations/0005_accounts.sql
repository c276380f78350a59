-- Separation of duties and the second factor (issue 10, part 2).
--
-- `demo`: 1 for the accounts of a demo world (`cortina serve --demo`),
-- which log in with a password alone; only the demo builder sets it, and
-- only in a store whose ledger the demo builder started.
-- `totp_secret`: the RFC 6238 secret (raw bytes; needed to compute codes,
-- so not hashed), `totp_last_step` the time step of the last code accepted
-- (a code is never accepted twice). `recovery_hashes`: the SHA-256 (hex,
-- space separated) of the recovery codes not used yet.
-- `enrol_hash`, `enrol_expires_ms`: the SHA-256 of the single-use
-- enrolment secret of an account whose user has not chosen a password yet,
-- and when it expires. Every column is committed to by the entry that
-- wrote the row (`AccountRow::row_write`).
ALTER TABLE accounts ADD COLUMN demo BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_secret BYTEA;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
ALTER TABLE accounts ADD COLUMN recovery_hashes TEXT;
ALTER TABLE accounts ADD COLUMN enrol_hash BYTEA;
ALTER TABLE accounts ADD COLUMN enrol_expires_ms BIGINT;
