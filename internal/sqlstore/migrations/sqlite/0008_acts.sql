-- Acts: a person's decision (accept or reject a submission today; approve
-- a policy later), made with their login and bound to the SHA-256 of what
-- it is about. Each row is the projection of one "act" ledger leaf;
-- `evident verify` compares them. Rows are never updated or deleted: a
-- later act does not erase an earlier one, it is read after it.

CREATE TABLE acts (
    id          TEXT PRIMARY KEY,
    ledger_idx  INTEGER NOT NULL UNIQUE,  -- the act's leaf
    verb        TEXT NOT NULL,            -- accept, reject
    subject     TEXT NOT NULL,            -- evidence/<id>
    sha256      TEXT NOT NULL,            -- what was decided on
    actor       TEXT NOT NULL,            -- the login that decided
    at          TEXT NOT NULL,
    body        TEXT NOT NULL             -- the leaf body
);
CREATE INDEX acts_subject ON acts (subject, ledger_idx);
