-- Revocation requests and time-stamping issuance stops: records that start
-- and pause the clocks of the certificate and time-stamping profiles
-- (internal/profile). Append-only; each row is a projection of one ledger
-- leaf ("revocation.request", "issuance.stop").

CREATE TABLE revocation_requests (
    id           TEXT PRIMARY KEY,
    service      TEXT NOT NULL DEFAULT '',
    serial       TEXT NOT NULL,       -- upper-case hex, no leading zeros
    reason       TEXT NOT NULL,       -- RFC 5280 CRLReason name
    received_at  TEXT NOT NULL,       -- when the CA received the request: the clocks start here
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL        -- the evident.RevocationRequest as JSON
);
CREATE INDEX revocation_requests_received ON revocation_requests (received_at);

CREATE TABLE issuance_stops (
    id           TEXT PRIMARY KEY,
    service      TEXT NOT NULL DEFAULT '',
    from_at      TEXT NOT NULL,
    to_at        TEXT NOT NULL DEFAULT '',   -- '' while not resumed
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL        -- the evident.IssuanceStop as JSON
);
