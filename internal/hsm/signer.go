package hsm

import (
	"crypto/ed25519"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
)

// Signer signs with a key on a PKCS#11 token. It is a note.Signer: Name
// is the ledger's key name, KeyHash the hash note gives the same public
// key, so the signatures verify with the verifier key VerifierKey returns.
type Signer struct {
	uri  URI
	name string
	hash uint32
	vkey string
	pub  ed25519.PublicKey
	tok  *token
}

// Open connects to the token u names, logs in with pin and finds the
// Ed25519 key; name is the ledger's key name (the log's origin), which a
// token does not store. The caller closes the signer.
func Open(u URI, pin, name string) (*Signer, error) {
	tok, pub, err := openToken(u, pin)
	if err != nil {
		return nil, err
	}
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		tok.close()
		return nil, evident.Errorf(evident.EINVALID, "ledger signer %s: key name %q: %v", u, name, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		tok.close()
		return nil, err
	}
	return &Signer{uri: u, name: name, hash: v.KeyHash(), vkey: vkey, pub: pub, tok: tok}, nil
}

// Name is the ledger's key name.
func (s *Signer) Name() string { return s.name }

// KeyHash is note's hash of the name and the public key.
func (s *Signer) KeyHash() uint32 { return s.hash }

// VerifierKey is the public half as a note verifier key
// (name+hash+base64(0x01||pub)), what ledger.pub holds and --key pins.
func (s *Signer) VerifierKey() string { return s.vkey }

// URI is the signer's URI, for messages.
func (s *Signer) URI() URI { return s.uri }

// Sign signs msg on the token with CKM_EDDSA. Each signature is checked
// against the public key before it is returned: a token answering with
// anything else must fail the write, not store a checkpoint no one can
// verify.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	sig, err := s.tok.sign(msg)
	if err != nil {
		return nil, fmt.Errorf("ledger signer %s: %w", s.uri, err)
	}
	if !ed25519.Verify(s.pub, msg, sig) {
		return nil, fmt.Errorf("ledger signer %s: the token's signature does not verify with its public key", s.uri)
	}
	return sig, nil
}

// Close ends the signer's session with the token.
func (s *Signer) Close() error { return s.tok.close() }
