-- Witness cosignatures (c2sp.org/tlog-cosignature) of signed checkpoints:
-- each row is the checkpoint as the log signed it with one witness's
-- cosignature line appended, so it verifies with the log's key and the
-- witness's key alone. verify checks each against the witness key it is
-- given and the store's tree.
CREATE TABLE cosignatures (
    witness      TEXT NOT NULL,          -- the witness's key name
    key_hash     TEXT NOT NULL,          -- its key hash, 8 hex digits
    size         BIGINT NOT NULL,         -- the checkpoint's tree size
    note         BYTEA NOT NULL,           -- checkpoint + cosignature line, verbatim
    cosigned_at  TEXT NOT NULL,          -- the cosignature's own timestamp
    created_at   TEXT NOT NULL,
    PRIMARY KEY (witness, key_hash, size)
);
