-- Cadence: changes, exceptions, change-triggered tasks, the scheduler's
-- leases and the period outcomes it records. Changes, exceptions, tasks and
-- outcomes are append-only (each is also a ledger record); only leases are
-- updated, and they carry no history.

CREATE TABLE changes (
    id           TEXT PRIMARY KEY,
    system       TEXT NOT NULL DEFAULT '',
    service      TEXT NOT NULL DEFAULT '',
    supplier     TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL DEFAULT '',
    significant  INTEGER NOT NULL,
    at           TEXT NOT NULL,       -- when the change took effect
    recorded_at  TEXT NOT NULL,       -- server time: status --at filters on it
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL        -- the evident.Change as JSON
);
CREATE INDEX changes_recorded ON changes (recorded_at);

CREATE TABLE exceptions (
    id           TEXT PRIMARY KEY,
    control_id   TEXT NOT NULL,
    valid_from   TEXT NOT NULL,
    expires      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL        -- the evident.Exception as JSON
);
CREATE INDEX exceptions_control ON exceptions (control_id, expires);

-- Work a change opened (pen test, risk and policy reviews, supplier
-- review). Whether a task is done is computed from evidence, never stored,
-- so status at a past instant stays exact.
CREATE TABLE change_tasks (
    id           TEXT PRIMARY KEY,
    change_id    TEXT NOT NULL REFERENCES changes (id),
    kind         TEXT NOT NULL,
    requirement  TEXT NOT NULL,       -- EN319401@3.2.1:REQ-7.8-18
    title        TEXT NOT NULL,
    due          TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    opens_at     TEXT NOT NULL        -- the change's effective time: evidence after it closes the task
);
CREATE INDEX change_tasks_due ON change_tasks (due);

-- Scheduled work claimed by one replica at a time.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

-- Periods the scheduler found missed, each recorded once (the primary key
-- makes a second replica's insert a no-op) with its ledger record.
CREATE TABLE period_outcomes (
    control_id   TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    state        TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    ledger_idx   BIGINT NOT NULL,
    PRIMARY KEY (control_id, period_start)
);
CREATE INDEX period_outcomes_recorded ON period_outcomes (recorded_at);
