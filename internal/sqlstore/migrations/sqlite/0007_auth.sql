-- Users, roles, sessions and API tokens. Secrets are never stored: a
-- password as its argon2id hash, a session id and an API token as their
-- SHA-256, so a copy of the database lets no one sign in.

CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',  -- argon2id PHC string; '' = no password sign-in
    oidc_subject  TEXT UNIQUE,               -- "issuer sub" of a linked identity provider account
    period_from   TEXT,                      -- assessor only: the audit period [from, to)
    period_to     TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- The controls a control owner may write evidence for.
CREATE TABLE user_controls (
    user_name   TEXT NOT NULL REFERENCES users (name),
    control_id  TEXT NOT NULL,
    PRIMARY KEY (user_name, control_id)
);

CREATE TABLE sessions (
    id_hash     BLOB PRIMARY KEY,            -- SHA-256 of the cookie value
    user_name   TEXT NOT NULL REFERENCES users (name),
    method      TEXT NOT NULL,               -- password, oidc
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,        -- SHA-256 of the token
    user_name   TEXT NOT NULL REFERENCES users (name),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,                        -- NULL: until revoked
    revoked_at  TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_name);
