-- Import runs: one row per tool output imported for a control. The raw file
-- and the verdict are evidence records (the verdict a derived record naming
-- the raw one); this table keeps what the next import of the same control
-- and target is compared with (the findings), and what lists show without
-- opening blobs. Rows are only ever inserted.

CREATE TABLE import_runs (
    id           TEXT PRIMARY KEY,
    control_id   TEXT NOT NULL,
    target       TEXT NOT NULL,             -- what was checked: --target, else the tool's own target; '' if neither
    format       TEXT NOT NULL,
    tool         TEXT NOT NULL,
    tool_version TEXT NOT NULL DEFAULT '',
    raw_id       TEXT NOT NULL REFERENCES evidence (id),
    verdict_id   TEXT NOT NULL REFERENCES evidence (id),
    pass         INTEGER NOT NULL,          -- 1 pass, 0 fail
    defaulted    INTEGER NOT NULL,          -- 1 when judged by the format's default criteria
    metrics      TEXT NOT NULL,             -- JSON object metric -> number
    findings     TEXT NOT NULL,             -- JSON array of findings, the baseline of the next compare
    appeared     TEXT NOT NULL,             -- JSON array of finding keys new since the previous run
    gone         TEXT NOT NULL,             -- JSON array of finding keys no longer reported
    previous_id  TEXT,                      -- the run compared with; NULL for the first
    effective_at TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
-- The previous run of a control and target is the newest by receipt.
CREATE INDEX import_runs_previous ON import_runs (control_id, target, received_at, id);
