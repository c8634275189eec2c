-- The bytes of small blobs whose files were written but not yet flushed:
-- a single evidence add commits them here, in the same commit as its
-- record, leaf and signed checkpoint, so one flush makes the write
-- durable instead of two (the blob's, then the commit's). A row is
-- removed once its file is known durable; after a crash the next open
-- rewrites any file that did not reach the disk from these bytes.
-- Operational: the record's digest, which verify checks against the file,
-- says what the bytes are.
CREATE TABLE blob_intents (
    digest  TEXT PRIMARY KEY,      -- sha256:<hex>, the blob's address
    data    BYTEA NOT NULL           -- the whole blob (at most 64 KiB)
);
