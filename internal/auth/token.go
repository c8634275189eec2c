package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// TokenPrefix starts every API token, so a token pasted into a log or a
// repository is recognisable to secret scanners and to people.
const TokenPrefix = "evt_"

// newSecret returns 256 random bits, base64url-encoded.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewToken returns a new API token and the hash to store. The token is
// shown once; with 256 random bits a plain SHA-256 is enough at rest (no
// password hashing needed: there is nothing to guess).
func NewToken() (token string, hash []byte) {
	token = TokenPrefix + newSecret()
	return token, HashSecret(token)
}

// HashSecret is how tokens and session ids are stored and looked up.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// looksLikeToken tells an API token from other bearer values early, so a
// malformed header is refused without a database round trip.
func looksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}
