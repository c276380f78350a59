-- Authentication state: browser sessions, API and witness tokens, and the
-- failed-login counters behind the lockout. Secrets are never stored: a
-- session cookie and a token each carry 256 random bits, and only their
-- SHA-256 is kept, so a copy of the database lets nobody log in. Logins,
-- logouts, issued and revoked tokens are ledger entries; these rows are
-- the state those entries created.

-- One row per logged-in browser. `id` is the public name the ledger
-- entries use (never the cookie); `expires_ms` is the absolute expiry,
-- `last_seen_ms` drives the idle expiry (refreshed at most once a minute).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    secret_hash BYTEA NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    created_seq BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- API tokens for scripts, bound to an account (they act as it), and
-- witness tokens, bound to no account and good only for reading the
-- ledger. Exactly one of `account_id` and `witness` is set.
-- `revoked_seq` is the entry that revoked the token.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    secret_hash BYTEA NOT NULL UNIQUE,
    account_id TEXT REFERENCES accounts (id),
    witness TEXT,
    purpose TEXT,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT,
    revoked_seq BIGINT,
    created_seq BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL,
    CHECK ((account_id IS NULL AND witness IS NOT NULL) OR (account_id IS NOT NULL AND witness IS NULL))
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id);

-- Consecutive failed logins per login name, keyed by the SHA-256 of the
-- name as typed (lower-cased), so that mistyped names — sometimes a
-- password typed in the wrong field — are not kept in clear.
CREATE TABLE login_failures (
    name_hash BYTEA PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_ms BIGINT NOT NULL,
    locked_until_ms BIGINT
);
