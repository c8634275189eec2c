-- Evidence retention (issue #18): the program's default period (the
-- event-log retention of its terms and conditions) and each requirement's
-- own, legal holds, and the blobs `evident retention apply` deleted.
-- Holds and deletions are projections of ledger leaves ("retention.hold",
-- "retention.release", "retention.delete"); deleting a blob never removes
-- its evidence's record or leaf.

ALTER TABLE program ADD COLUMN retention TEXT NOT NULL DEFAULT '';                -- "" for ever, else "7y"
ALTER TABLE program ADD COLUMN requirement_retention TEXT NOT NULL DEFAULT '{}';  -- JSON: ref -> period

CREATE TABLE legal_holds (
    id           TEXT PRIMARY KEY,
    evidence     TEXT NOT NULL DEFAULT '',   -- one of evidence and incident is set
    incident     TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    placed_at    TEXT NOT NULL,
    placed_by    TEXT NOT NULL,
    released_at  TEXT NOT NULL DEFAULT '',   -- '' while the hold stands
    released_by  TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL               -- the evident.Hold as JSON
);

CREATE TABLE retention_deletions (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,              -- the same bytes may come back and go again
    deleted_at   TEXT NOT NULL,
    actor        TEXT NOT NULL,
    body         TEXT NOT NULL               -- the evident.RetentionDeletion as JSON
);
CREATE INDEX retention_deletions_sha256 ON retention_deletions (sha256);
