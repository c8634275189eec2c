-- Readiness over a period reads every record of the range, control by
-- control. evidence_controls carries the record's facts a window is
-- judged by (its effective end, its verdict, its leaf), and one index
-- covers them in (control, time) order, so the read is one range scan of
-- that index rather than a lookup of each record's row and body. Like the
-- rest of the row they are written with the record and re-derived from
-- its leaf by verify.

ALTER TABLE evidence_controls ADD COLUMN effective_to TEXT;
ALTER TABLE evidence_controls ADD COLUMN verdict TEXT;
ALTER TABLE evidence_controls ADD COLUMN ledger_idx BIGINT;
UPDATE evidence_controls c SET effective_to = e.effective_to, verdict = e.verdict, ledger_idx = e.ledger_idx
    FROM evidence e WHERE e.id = c.evidence_id;
ALTER TABLE evidence_controls ALTER COLUMN ledger_idx SET NOT NULL;
CREATE INDEX evidence_controls_period ON evidence_controls (control_id, effective_from, evidence_id)
    INCLUDE (received_at, effective_to, verdict, ledger_idx);
