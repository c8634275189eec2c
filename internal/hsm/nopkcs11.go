//go:build !pkcs11 || !cgo

package hsm

import (
	"crypto/ed25519"

	"github.com/evidenthq/evident"
)

// Supported reports whether this build can talk to a PKCS#11 token.
const Supported = false

// token is absent from this build.
type token struct{}

// errUnsupported is what the static build says when asked for a token.
func errUnsupported(u URI) error {
	return evident.Errorf(evident.EINVALID, "ledger signer %s: this evident is the static build, without PKCS#11; run the evident-pkcs11 build (built with -tags pkcs11 and cgo) to sign with a token", u)
}

func openToken(u URI, _ string) (*token, ed25519.PublicKey, error) {
	return nil, nil, errUnsupported(u)
}

func (*token) sign([]byte) ([]byte, error) { return nil, errUnsupported(URI{}) }

func (*token) close() error { return nil }

// GenerateKey is not available without PKCS#11.
func GenerateKey(u URI, _ string) (ed25519.PublicKey, error) {
	return nil, errUnsupported(u)
}
