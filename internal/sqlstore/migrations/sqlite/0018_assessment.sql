-- The assessment cycle: engagements with a conformity assessment body, the
-- assessors' requests for evidence and their findings. Each row holds the
-- whole object as JSON (body), with its history of steps; every step is a
-- ledger leaf carrying the object as it stands after the step, and verify
-- re-derives each row from the last such leaf. The other columns are the
-- ones queries filter on. States are computed from the steps at read time
-- (a finding open at an instant is what the steps made by then say).

CREATE TABLE engagements (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,    -- initial, surveillance, re-certification, ad-hoc
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL     -- JSON evident.Engagement
);

CREATE TABLE assessment_requests (
    id             TEXT PRIMARY KEY,
    engagement_id  TEXT NOT NULL REFERENCES engagements (id),
    due            TEXT NOT NULL,
    raised_at      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,  -- the time of the last step
    body           TEXT NOT NULL   -- JSON evident.Request with its steps
);
CREATE INDEX assessment_requests_engagement ON assessment_requests (engagement_id, raised_at);

CREATE TABLE findings (
    id             TEXT PRIMARY KEY,
    engagement_id  TEXT NOT NULL REFERENCES engagements (id),
    ref            TEXT NOT NULL DEFAULT '',  -- the CAB's number, '' when it gave none
    kind           TEXT NOT NULL,             -- major, minor, observation
    due            TEXT,                      -- corrective action due, NULL before the plan
    raised_at      TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    body           TEXT NOT NULL              -- JSON evident.Finding with its steps
);
CREATE INDEX findings_engagement ON findings (engagement_id, raised_at);
