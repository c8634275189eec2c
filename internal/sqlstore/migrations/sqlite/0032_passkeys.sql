-- Passkeys (WebAuthn credentials) a user signs in with, in place of a
-- password and code. A credential's public key is not secret: it is in the
-- user.passkey.add leaf that registered it, and this table is that leaf's
-- projection. Ids and keys are base64url text, the form WebAuthn sends.
CREATE TABLE passkeys (
    id           TEXT PRIMARY KEY,        -- credential id, base64url
    user_name    TEXT NOT NULL REFERENCES users (name),
    user_handle  TEXT NOT NULL,           -- the WebAuthn user handle, base64url; one per user
    label        TEXT NOT NULL,           -- the name the user gave it ("laptop")
    public_key   TEXT NOT NULL,           -- COSE public key, base64url
    aaguid       TEXT NOT NULL DEFAULT '',    -- the authenticator model, hex
    backup_eligible INTEGER NOT NULL DEFAULT 0, -- 1: a synced passkey; an answer claiming otherwise is refused
    created_at   TEXT NOT NULL,
    sign_count   BIGINT NOT NULL DEFAULT 0, -- operational: the authenticator's counter, to spot clones
    last_used_at TEXT                       -- operational
);
CREATE INDEX passkeys_user ON passkeys (user_name);

-- A ceremony under way: the challenge the server sent, kept until the
-- browser answers or it expires. Operational state, like sessions.
CREATE TABLE passkey_challenges (
    id_hash    TEXT PRIMARY KEY,  -- hex SHA-256 of the random id in the browser's cookie
    user_name  TEXT NOT NULL,     -- '' for a sign-in, which does not know the user yet
    data       TEXT NOT NULL,     -- the ceremony's session data, JSON
    expires_at TEXT NOT NULL
);
