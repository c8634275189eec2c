-- Foundation: the program row, actors, the catalog and the ledger.

CREATE TABLE program (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT NOT NULL,
    standard    TEXT NOT NULL,
    version     TEXT NOT NULL,
    overlays    TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

CREATE TABLE actors (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    first_seen  TEXT NOT NULL
);

CREATE TABLE catalog_requirements (
    standard     TEXT NOT NULL,
    version      TEXT NOT NULL,
    id           TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    clause       TEXT NOT NULL,
    clause_title TEXT NOT NULL,
    text         TEXT NOT NULL,
    types        TEXT NOT NULL,
    figures      TEXT NOT NULL,
    confirmed    INTEGER NOT NULL,
    PRIMARY KEY (standard, version, id)
);

CREATE TABLE ledger_leaves (
    idx      BIGINT PRIMARY KEY,
    kind     TEXT NOT NULL,
    ref      TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       TEXT NOT NULL,
    data     BYTEA NOT NULL
);
CREATE INDEX ledger_leaves_ref ON ledger_leaves (ref);
CREATE INDEX ledger_leaves_kind_at ON ledger_leaves (kind, at);

CREATE TABLE ledger_hashes (
    idx   BIGINT PRIMARY KEY,
    hash  BYTEA NOT NULL
);
