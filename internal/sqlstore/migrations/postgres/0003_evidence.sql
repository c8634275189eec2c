-- Evidence records, checkpoints and anchors. Every row here is also a
-- ledger leaf or is signed over ledger leaves: `evident verify` recomputes
-- these tables from the ledger and reports any row that differs. Rows are
-- never updated or deleted.

CREATE TABLE evidence (
    id              TEXT PRIMARY KEY,         -- UUIDv7: time-ordered inserts
    ledger_idx      BIGINT NOT NULL UNIQUE,  -- the record's leaf
    kind            TEXT NOT NULL,            -- raw, derived
    digest          TEXT NOT NULL,            -- SHA-256 hex of the blob
    size            BIGINT NOT NULL,
    media_type      TEXT NOT NULL,
    filename        TEXT NOT NULL,
    actor           TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    effective_to    TEXT,                     -- NULL: an instant
    supersedes      TEXT,
    verdict         TEXT,
    body            TEXT NOT NULL             -- the full record as JSON (the leaf body)
);
CREATE INDEX evidence_digest ON evidence (digest);
CREATE INDEX evidence_received ON evidence (received_at);
CREATE INDEX evidence_supersedes ON evidence (supersedes) WHERE supersedes IS NOT NULL;

-- One row per (evidence, control) and (evidence, requirement), carrying the
-- effective time so "evidence for control C in [t0, t1)" and "latest
-- evidence per control" are index range scans at a million records.
CREATE TABLE evidence_controls (
    control_id      TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    effective_end   TEXT NOT NULL,            -- effective_to; for an instant effective_from + 1 µs (half-open)
    evidence_id     TEXT NOT NULL REFERENCES evidence (id),
    received_at     TEXT NOT NULL,
    PRIMARY KEY (control_id, effective_from, evidence_id)
);
CREATE INDEX evidence_controls_evidence ON evidence_controls (evidence_id);

CREATE TABLE evidence_requirements (
    requirement     TEXT NOT NULL,            -- EN319401@3.2.1:REQ-7.8-14
    effective_from  TEXT NOT NULL,
    effective_end   TEXT NOT NULL,            -- effective_to; for an instant effective_from + 1 µs (half-open)
    evidence_id     TEXT NOT NULL REFERENCES evidence (id),
    received_at     TEXT NOT NULL,
    PRIMARY KEY (requirement, effective_from, evidence_id)
);
CREATE INDEX evidence_requirements_evidence ON evidence_requirements (evidence_id);

-- Every signed checkpoint, kept: verify checks each signature and that each
-- is consistent with the one before it.
CREATE TABLE checkpoints (
    size        BIGINT PRIMARY KEY,
    root        BYTEA NOT NULL,
    note        BYTEA NOT NULL,               -- the signed note, verbatim
    created_at  TEXT NOT NULL
);

-- RFC 3161 time-stamp tokens over signed checkpoints.
CREATE TABLE anchors (
    id               TEXT PRIMARY KEY,
    checkpoint_size  BIGINT NOT NULL REFERENCES checkpoints (size),
    tsa              TEXT NOT NULL,          -- the TSA URL
    gen_time         TEXT NOT NULL,          -- the TSA's time
    token            BYTEA NOT NULL,          -- the DER TimeStampResp, verbatim
    created_at       TEXT NOT NULL
);
CREATE INDEX anchors_checkpoint ON anchors (checkpoint_size);
