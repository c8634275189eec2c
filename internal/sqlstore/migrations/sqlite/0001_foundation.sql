-- Foundation: the program row, actors, the catalog and the ledger.

CREATE TABLE program (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT NOT NULL,
    standard    TEXT NOT NULL,
    version     TEXT NOT NULL,
    overlays    TEXT NOT NULL DEFAULT '[]',  -- JSON array of overlay names
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

-- Every write names its actor: a user, an API token or a collector.
CREATE TABLE actors (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,   -- user, token, collector, system
    first_seen  TEXT NOT NULL
);

CREATE TABLE catalog_requirements (
    standard     TEXT NOT NULL,
    version      TEXT NOT NULL,
    id           TEXT NOT NULL,
    seq          INTEGER NOT NULL,  -- catalog order
    clause       TEXT NOT NULL,
    clause_title TEXT NOT NULL,
    text         TEXT NOT NULL,
    types        TEXT NOT NULL,     -- JSON array
    figures      TEXT NOT NULL,     -- JSON array
    confirmed    INTEGER NOT NULL,
    PRIMARY KEY (standard, version, id)
);

-- The ledger: exact leaf bytes and the RFC 6962 stored hashes (tlog layout).
CREATE TABLE ledger_leaves (
    idx      INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    ref      TEXT NOT NULL,      -- the id of the object the record is about
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL,
    data     BLOB NOT NULL
);
CREATE INDEX ledger_leaves_ref ON ledger_leaves (ref);
CREATE INDEX ledger_leaves_kind_at ON ledger_leaves (kind, at);

CREATE TABLE ledger_hashes (
    idx   INTEGER PRIMARY KEY,
    hash  BLOB NOT NULL
);
