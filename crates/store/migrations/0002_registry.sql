-- The coordination core's tables. Every row keeps the sequence number of
-- the ledger entry that created it and of the one that last changed it;
-- `cortina ledger verify` checks that each names an entry about this row.

-- Agencies: host, foreign, organiser, oversight. Read on every request to
-- tell host from foreign, so kept as columns rather than a document.
CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL,
    created_seq BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL
);

-- Accounts. Foreign accounts name their delegation and the accredited
-- declaration line that allowed them to exist. `password_hash` is an
-- argon2 PHC string; `disabled_seq` the entry that disabled the account.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    delegation_id TEXT,
    declaration_id TEXT,
    password_hash TEXT,
    disabled_seq BIGINT,
    created_seq BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL
);

-- Every other aggregate of the domain (event, delegations, declarations,
-- rooms, log entries, requests, tasks, protectees, movements, vetting
-- cases, situation reports) as a JSON document in the domain's storage
-- format, with the attributes that queries and the policy need as columns.
-- `salt` keys the HMAC commitments the ledger holds for the record's
-- personal data; purging a record deletes `doc` and `salt`, keeps the row.
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    delegation TEXT,
    room TEXT,
    state TEXT NOT NULL,
    doc TEXT,
    salt BYTEA,
    created_seq BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_by_delegation ON records (kind, delegation);
CREATE INDEX records_by_room ON records (kind, room);
CREATE INDEX records_by_state ON records (kind, state);

-- The salt of each entry's payload digest (HMAC-SHA-256 of the command as
-- submitted). Whoever holds the salt and the payload can show that the
-- entry is about it; without the salt the digest reveals nothing, even of
-- a guessable payload. Purging personal data deletes the salts concerned.
CREATE TABLE entry_salts (
    seq BIGINT PRIMARY KEY,
    salt BYTEA NOT NULL
);
