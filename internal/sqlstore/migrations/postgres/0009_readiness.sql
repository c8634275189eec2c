-- Readiness: the program's risk appetite (the highest residual score it
-- tolerates without a treatment plan or an expiring acceptance, 0 = not
-- set) and the date of its next conformity assessment ('' = not known),
-- by which evidence made stale by a significant change must be refreshed.

ALTER TABLE program ADD COLUMN risk_appetite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE program ADD COLUMN next_audit TEXT NOT NULL DEFAULT '';
