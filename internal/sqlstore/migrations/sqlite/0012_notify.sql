-- Notifications: who wants which event on which channel, where an admin
-- sends webhooks, and every delivery with its attempts. All of it is
-- operational: it decides nothing about compliance (the events themselves
-- are computed from the ledger), so none of it is a leaf.

CREATE TABLE notify_prefs (
    user_name  TEXT NOT NULL REFERENCES users(name),
    event      TEXT NOT NULL,  -- an event kind, e.g. clock-half
    channel    TEXT NOT NULL,  -- email, digest or off
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_name, event)
);

CREATE TABLE notify_endpoints (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,           -- HMAC key; shown once when the endpoint is added
    events     TEXT NOT NULL DEFAULT '', -- comma-separated kinds; '' = every kind
    failed_at  TEXT,                    -- set when a delivery ran out of retries
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- One row per (event, recipient, channel): the unique key is what makes a
-- second replica's insert of the same delivery a no-op.
CREATE TABLE notify_deliveries (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT NOT NULL,
    recipient   TEXT NOT NULL,  -- a user name, or endpoint:<id>
    channel     TEXT NOT NULL,  -- email, digest or webhook
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    event_at    TEXT NOT NULL,
    state       TEXT NOT NULL,  -- pending, sending, queued (for a digest), sent, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    claimed_at  TEXT,           -- when a replica moved it to sending
    sent_at     TEXT,
    UNIQUE (event_key, recipient, channel)
);
CREATE INDEX notify_deliveries_state ON notify_deliveries (state, channel);

CREATE TABLE notify_attempts (
    delivery_id INTEGER NOT NULL REFERENCES notify_deliveries(id),
    n           INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0, -- HTTP status, 0 for none
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, n)
);
