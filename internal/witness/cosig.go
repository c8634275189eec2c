package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
)

// algCosignature is the signed-note key type of an Ed25519
// cosignature/v1 key.
const algCosignature = 0x04

// sigSize is a cosignature's length after the key hash: timestamp and
// Ed25519 signature.
const sigSize = 8 + ed25519.SignatureSize

// GenerateKey makes a witness key pair named name: the signer key (keep it
// secret) and the verifier key (give it to whoever checks cosignatures).
func GenerateKey(rand io.Reader, name string) (skey, vkey string, err error) {
	if !validName(name) {
		return "", "", evident.Errorf(evident.EINVALID, "witness name %q: want a non-empty name without spaces or '+'", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", err
	}
	pk := append([]byte{algCosignature}, pub...)
	h := keyHash(name, pk)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(append([]byte{algCosignature}, priv.Seed()...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(pk))
	return skey, vkey, nil
}

// Cosigner signs checkpoints as a witness (a note.Signer whose signatures
// carry the time of signing from its clock).
type Cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	now  func() time.Time
}

// NewCosigner reads a signer key made by GenerateKey.
func NewCosigner(skey string, now func() time.Time) (*Cosigner, error) {
	f := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(f) != 5 || f[0] != "PRIVATE" || f[1] != "KEY" || !validName(f[2]) {
		return nil, evident.Errorf(evident.EINVALID, "witness signer key: want PRIVATE+KEY+NAME+HASH+KEY")
	}
	k, err := base64.StdEncoding.DecodeString(f[4])
	if err != nil || len(k) != 1+ed25519.SeedSize || k[0] != algCosignature {
		return nil, evident.Errorf(evident.EINVALID, "witness signer key: not an Ed25519 cosignature/v1 key")
	}
	priv := ed25519.NewKeyFromSeed(k[1:])
	pk := append([]byte{algCosignature}, priv.Public().(ed25519.PublicKey)...)
	h := keyHash(f[2], pk)
	if fmt.Sprintf("%08x", h) != f[3] {
		return nil, evident.Errorf(evident.EINVALID, "witness signer key: key hash %s does not match the key", f[3])
	}
	return &Cosigner{name: f[2], hash: h, key: priv, now: now}, nil
}

// Name returns the witness's name.
func (c *Cosigner) Name() string { return c.name }

// KeyHash returns the key hash that precedes each signature.
func (c *Cosigner) KeyHash() uint32 { return c.hash }

// Sign returns timestamp || Ed25519 signature of the cosigned message.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	t := uint64(c.now().Unix())
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, sigSize), t)
	return append(sig, ed25519.Sign(c.key, signedMessage(t, msg))...), nil
}

// VerifierKey returns the witness's verifier key string.
func (c *Cosigner) VerifierKey() string {
	pk := append([]byte{algCosignature}, c.key.Public().(ed25519.PublicKey)...)
	return fmt.Sprintf("%s+%08x+%s", c.name, c.hash, base64.StdEncoding.EncodeToString(pk))
}

// verifier checks cosignatures by one witness key.
type verifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

// NewVerifier reads a witness verifier key. It checks cosignatures only:
// a plain Ed25519 signed-note key (type 0x01) is refused, so a log's key
// is never taken for a witness's.
func NewVerifier(vkey string) (note.Verifier, error) {
	// base64 has '+' too: only the first two separate fields.
	f := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(f) != 3 || !validName(f[0]) {
		return nil, evident.Errorf(evident.EINVALID, "witness key %q: want NAME+HASH+KEY", vkey)
	}
	k, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(k) != 1+ed25519.PublicKeySize || k[0] != algCosignature {
		return nil, evident.Errorf(evident.EINVALID, "witness key %q: not an Ed25519 cosignature/v1 key (type 0x04)", vkey)
	}
	h := keyHash(f[0], k)
	if fmt.Sprintf("%08x", h) != f[1] {
		return nil, evident.Errorf(evident.EINVALID, "witness key %q: key hash does not match the key", vkey)
	}
	return &verifier{name: f[0], hash: h, key: ed25519.PublicKey(k[1:])}, nil
}

func (v *verifier) Name() string    { return v.name }
func (v *verifier) KeyHash() uint32 { return v.hash }

func (v *verifier) Verify(msg, sig []byte) bool {
	if len(sig) != sigSize {
		return false
	}
	return ed25519.Verify(v.key, signedMessage(binary.BigEndian.Uint64(sig), msg), sig[8:])
}

// Time returns when a cosignature was made, from its timestamp.
func Time(s note.Signature) (time.Time, error) {
	b, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(b) != 4+sigSize {
		return time.Time{}, evident.Errorf(evident.EINVALID, "cosignature by %s: not a cosignature/v1 signature", s.Name)
	}
	return time.Unix(int64(binary.BigEndian.Uint64(b[4:])), 0).UTC(), nil
}

// signedMessage is what a cosignature signs.
func signedMessage(t uint64, text []byte) []byte {
	return append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), text...)
}

func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validName is the signed-note rule for key names.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}
