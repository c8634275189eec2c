-- Incidents: the register of incidents and vulnerabilities, each
-- classification kept (REQ-7.9.4-02), the response timeline and the
-- notifications sent. Rows are only ever inserted, except the few columns of
-- incidents that say what is current (severity, significance, closure),
-- which are derived from the child rows and every change to them is a
-- ledger record. body holds the descriptive fields as JSON so adding one
-- needs no migration.

CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,             -- incident, vulnerability
    title        TEXT NOT NULL,
    reporter     TEXT NOT NULL,
    aware_at     TEXT NOT NULL,             -- every clock starts here (discovery for a vulnerability)
    detected_at  TEXT,
    opened_at    TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    closed_at    TEXT,                      -- NULL while open
    severity     TEXT NOT NULL DEFAULT '',  -- current classification, '' before triage
    significant  INTEGER,                   -- current: NULL before classification, 0 or 1
    root_cause   TEXT NOT NULL DEFAULT '',  -- normalised, for the recurrence check
    finding_key  TEXT UNIQUE,               -- importer finding that opened it
    body         TEXT NOT NULL,             -- JSON: summary, services, systems, flags, rules
    updated_at   TEXT NOT NULL
);
CREATE INDEX incidents_open ON incidents (closed_at, aware_at);
CREATE INDEX incidents_root_cause ON incidents (root_cause, aware_at);

CREATE TABLE incident_classifications (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL,             -- JSON evident.Classification
    ledger_idx   BIGINT NOT NULL,
    PRIMARY KEY (incident_id, seq)
);

CREATE TABLE incident_steps (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,             -- when it happened, as stated
    recorded_at  TEXT NOT NULL,             -- when the server stored it
    actor        TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    ledger_idx   BIGINT NOT NULL
);
CREATE INDEX incident_steps_incident ON incident_steps (incident_id, at);

CREATE TABLE incident_notifications (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    kind         TEXT NOT NULL,
    recipients   TEXT NOT NULL,             -- JSON array
    sent_at      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    file         TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    evidence_id  TEXT,                      -- the ledgered report, when a file was sent
    ledger_idx   BIGINT NOT NULL
);
CREATE INDEX incident_notifications_incident ON incident_notifications (incident_id, sent_at);
