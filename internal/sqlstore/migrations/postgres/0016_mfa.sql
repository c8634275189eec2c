-- Second factor for password sign-in: a TOTP secret per user, one-time
-- recovery codes, and which roles must use it. A secret is set when
-- enrolment begins and counts only once confirmed (mfa_enrolled_at); the
-- last accepted time step refuses a code seen before (replay).

ALTER TABLE users ADD COLUMN mfa_secret TEXT NOT NULL DEFAULT '';      -- base32 TOTP secret; '' = none
ALTER TABLE users ADD COLUMN mfa_enrolled_at TEXT;                     -- NULL: not enrolled
ALTER TABLE users ADD COLUMN mfa_last_step BIGINT NOT NULL DEFAULT 0;  -- last TOTP step accepted

-- Recovery codes are shown once at enrolment and kept as the SHA-256 of
-- user name and code; n numbers them so a spent code can be named in the
-- log without its hash.
CREATE TABLE mfa_recovery_codes (
    user_name  TEXT NOT NULL REFERENCES users (name),
    n          INTEGER NOT NULL,
    code_hash  BYTEA NOT NULL,
    used_at    TEXT,                     -- NULL: not spent
    PRIMARY KEY (user_name, n)
);

-- Roles whose members must use a second factor. A role without a row
-- follows the default (admin and management-approver required).
CREATE TABLE mfa_roles (
    role        TEXT PRIMARY KEY,
    required    INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
