-- Idempotency keys of browser forms: every form carries a fresh random
-- key, and a submission whose key was already used is sent where the
-- first one went instead of being done twice (a reload, a double click).
-- Operational state: it decides nothing about compliance, and every write
-- a form made is a leaf of its own.
CREATE TABLE form_keys (
    form_key    TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,           -- who used it; another login's key is refused
    location    TEXT NOT NULL,           -- where the first submission went; '' while it runs
    created_at  TEXT NOT NULL
);
