-- Results of a computation over the whole ledger that a page shows (the
-- dashboard's readiness over a period), kept under the ledger size they
-- were computed at. Any write grows the ledger, so a row whose size is not
-- the current one is never read; replicas of one database share the rows
-- and so show the same figures. A cache, not a projection: it decides
-- nothing and is recomputed from the records whenever it is missing.
CREATE TABLE result_cache (
    cache_key   TEXT PRIMARY KEY,  -- what was computed, with its parameters
    tree_size   BIGINT NOT NULL,   -- the ledger size it was computed at
    computed_at TEXT NOT NULL,     -- the instant it judged
    body        TEXT NOT NULL      -- the result, JSON
);
