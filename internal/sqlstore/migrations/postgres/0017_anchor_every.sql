-- How often the program asks for its ledger to be time-stamped by an
-- RFC 3161 TSA (program.anchor_every, as "24h" or "7d"; '' for never),
-- kept in the program so a missed anchor is judged from the signed log.

ALTER TABLE program ADD COLUMN anchor_every TEXT NOT NULL DEFAULT '';
