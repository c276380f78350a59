-- Failed logins, counted per key, with a growing back-off instead of a
-- fixed lockout. A key is the SHA-256 of a domain-separated text: the login
-- name as typed (lower-cased), the client's network (an IPv4 address or an
-- IPv6 /64), or the pair of both, so that neither mistyped names nor
-- addresses are kept in clear. A row is forgotten once its last failure is
-- older than the login policy's window (pruned by the next attempt).
CREATE TABLE login_backoff (
    key BYTEA PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    not_before_ms BIGINT NOT NULL
);
CREATE INDEX login_backoff_last ON login_backoff (last_ms);

-- Its predecessor counted per name only and locked the name out for a
-- fixed time, which an attacker could renew forever.
DROP TABLE login_failures;
