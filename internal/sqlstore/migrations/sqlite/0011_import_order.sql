-- The leaf index of each import's verdict, kept on the run so the newest
-- run of a check is found through an index: ordering by the verdict's
-- evidence row cost one lookup per earlier run, which made a year of
-- imports quadratic. The leaf index, not the receipt time, orders imports
-- (see PreviousImport).

ALTER TABLE import_runs ADD COLUMN verdict_idx INTEGER;
UPDATE import_runs SET verdict_idx = (SELECT e.ledger_idx FROM evidence e WHERE e.id = import_runs.verdict_id);
CREATE INDEX import_runs_newest ON import_runs (control_id, target, verdict_idx);
