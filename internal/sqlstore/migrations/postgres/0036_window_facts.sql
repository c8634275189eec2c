-- Each control's closed windows and their states, as readiness over a
-- period judged them: a window whose grace time has run out changes state
-- only when a record changes it, so a report over years reads these rows
-- and judges afresh only what the log added since (see
-- readiness.StatusOver). A row holds while the control's schedule,
-- changes and exceptions hash to schedule; the ledger leaves appended
-- after tree_size say what it no longer covers: evidence of the control
-- effective before through cuts it back, any write that could change a
-- judgement (an act, a program change) sets it aside. verify judges every
-- row again from the records and fails on any difference.
CREATE TABLE window_facts (
    control_id  TEXT PRIMARY KEY,
    schedule    TEXT NOT NULL,     -- SHA-256 of the schedule, changes and exceptions judged with
    tree_size   BIGINT NOT NULL,   -- the ledger size the windows were judged at
    computed_at TEXT NOT NULL,     -- the instant they were judged at
    through     TEXT NOT NULL,     -- the end of the last window held
    body        BYTEA NOT NULL     -- the windows: start, end and state of each (readiness.EncodeWindows)
);
