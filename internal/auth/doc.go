// Package auth signs people and pipelines in and decides what they may do.
//
// People sign in with a password (argon2id), with a second factor (TOTP or
// a one-time recovery code, mfa.go) once they enrolled one or their role
// requires it, or, when configured, through an OpenID Connect provider,
// and get a session: a random 256-bit id in a
// Secure, HttpOnly, SameSite=Lax cookie, stored only as its SHA-256 and
// ending after a fixed lifetime. Pipelines use API tokens: shown once when
// created, stored only as their SHA-256, sent as "Authorization: Bearer".
//
// Every state-changing browser request carries a CSRF token bound to the
// session (CSRFToken); requests with a bearer token need none, since a
// browser never adds one on its own. Sign-in attempts are rate-limited per
// account and per client address with a token bucket whose refill slows
// down with each refusal.
//
// What a user may do follows from their role alone (the table in
// permission.go), narrowed for two roles: a control owner writes evidence
// only for the controls they were given, and an assessor sees only the
// audit period they were given. Every sign-in, refusal, sign-out, token
// and role change is appended to the audit trail.
package auth
