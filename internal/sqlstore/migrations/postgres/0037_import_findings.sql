-- An import run's findings in parts of about a mebibyte each, in order:
-- bound as one value, a large scan's list (tens of megabytes) was copied
-- whole by the driver and again by the database while it built the row,
-- a third of the import's peak memory. Runs stored before keep their
-- findings in import_runs.findings; findings_parts counts the parts of a
-- run stored after (its findings column then holds '').

ALTER TABLE import_runs ADD COLUMN findings_parts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE import_findings (
    run_id TEXT NOT NULL REFERENCES import_runs (id),
    seq    INTEGER NOT NULL,
    part   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
