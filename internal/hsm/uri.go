// Package hsm signs the ledger's checkpoints with an Ed25519 key that
// never leaves a PKCS#11 token (an HSM, or SoftHSM2 in tests), so that a
// TSP can keep the ledger key under the same custody as its CA keys and
// share one key between replicas without copying it.
//
// The signer is a note.Signer like the key file's, with the same name and
// key hash rule as note.NewSigner for Ed25519, so every verifier (verify,
// pack verify, witnesses, key rotation) accepts its signatures unchanged.
//
// PKCS#11 loads a C library, so the signer needs cgo and is built only
// with the build tag pkcs11 (the evident-pkcs11 release artefact). The
// static build parses the same URI and then refuses it, saying so.
package hsm

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/evidenthq/evident"
)

// PINEnv is the environment variable the token's user PIN is read from
// when the URI names no pin-source. The PIN is never a flag: flags show
// in process listings and shell histories.
const PINEnv = "EVIDENT_SIGNER_PIN"

// URI is a PKCS#11 URI (RFC 7512) naming the token and the Ed25519 private
// key the ledger signs with, and where the library and the PIN are.
type URI struct {
	Token      string // token label (CKA_LABEL of the token), required
	Serial     string // token serial number, optional
	Object     string // the key's CKA_LABEL; Object or ID is required
	ID         []byte // the key's CKA_ID
	ModulePath string // the PKCS#11 library to load, required
	PINSource  string // "file:PATH", or "" to read PINEnv
}

// uriAttrs are the attributes the signer reads, each allowed once; any
// other attribute is refused rather than ignored, since a key selector
// silently dropped could select another key.
var uriAttrs = map[string]bool{
	"token": true, "serial": true, "object": true, "id": true, "type": true,
	"module-path": true, "pin-source": true,
}

// ParseURI parses s, a "pkcs11:" URI as RFC 7512 writes it: path
// attributes separated by ";", then query attributes after "?" separated
// by "&", values percent-encoded. pin-source and module-path are query
// attributes in the RFC; they are accepted in the path too.
func ParseURI(s string) (URI, error) {
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return URI{}, uriError("%q is not a PKCS#11 URI (want pkcs11:token=...;object=...?module-path=...)", s)
	}
	path, query, _ := strings.Cut(rest, "?")
	attrs := map[string]string{}
	for _, part := range [][2]string{{path, ";"}, {query, "&"}} {
		if part[0] == "" {
			continue
		}
		for _, kv := range strings.Split(part[0], part[1]) {
			if err := addAttr(attrs, kv); err != nil {
				return URI{}, err
			}
		}
	}
	return fromAttrs(attrs)
}

// addAttr decodes one name=value pair into attrs.
func addAttr(attrs map[string]string, kv string) error {
	name, raw, ok := strings.Cut(kv, "=")
	if !ok || name == "" {
		return uriError("attribute %q has no name=value form", kv)
	}
	if name == "pin-value" {
		return uriError("pin-value is refused: the PIN is never written in the signer URI; use pin-source=file:PATH or %s", PINEnv)
	}
	if !uriAttrs[name] {
		return uriError("unknown attribute %q (known: token, serial, object, id, type, module-path, pin-source)", name)
	}
	if _, dup := attrs[name]; dup {
		return uriError("attribute %q given twice", name)
	}
	v, err := url.PathUnescape(raw)
	if err != nil {
		return uriError("attribute %q: %v", name, err)
	}
	// id is bytes (CKA_ID); every other attribute is text.
	if name != "id" && strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return uriError("attribute %q holds a control character", name)
	}
	attrs[name] = v
	return nil
}

// fromAttrs checks that the attributes select one private key.
func fromAttrs(a map[string]string) (URI, error) {
	u := URI{Token: a["token"], Serial: a["serial"], Object: a["object"], ID: []byte(a["id"]), ModulePath: a["module-path"], PINSource: a["pin-source"]}
	if len(u.ID) == 0 {
		u.ID = nil
	}
	if t, ok := a["type"]; ok && t != "private" {
		return URI{}, uriError("type=%s: the ledger signs with a private key (type=private)", t)
	}
	if u.Token == "" {
		return URI{}, uriError("token is required: the label of the token holding the ledger key")
	}
	if u.Object == "" && u.ID == nil {
		return URI{}, uriError("object or id is required: which key on token %q signs", u.Token)
	}
	if u.ModulePath == "" {
		return URI{}, uriError("module-path is required: the PKCS#11 library to load (for SoftHSM2, module-path=/usr/lib/softhsm/libsofthsm2.so)")
	}
	if u.PINSource != "" && !strings.HasPrefix(u.PINSource, "file:") {
		return URI{}, uriError("pin-source %q: only file:PATH is supported (or leave it out and set %s)", u.PINSource, PINEnv)
	}
	return u, nil
}

// String is the URI in the form ParseURI reads, without a PIN (it never
// holds one), for messages and logs.
func (u URI) String() string {
	path := []string{"token=" + esc(u.Token)}
	if u.Serial != "" {
		path = append(path, "serial="+esc(u.Serial))
	}
	if u.Object != "" {
		path = append(path, "object="+esc(u.Object))
	}
	if u.ID != nil {
		var id strings.Builder
		for _, b := range u.ID {
			fmt.Fprintf(&id, "%%%02X", b)
		}
		path = append(path, "id="+id.String())
	}
	q := []string{"module-path=" + esc(u.ModulePath)}
	if u.PINSource != "" {
		q = append(q, "pin-source="+esc(u.PINSource))
	}
	return "pkcs11:" + strings.Join(path, ";") + "?" + strings.Join(q, "&")
}

// esc percent-encodes what would end an attribute early.
func esc(s string) string {
	r := strings.NewReplacer("%", "%25", ";", "%3B", "?", "%3F", "&", "%26", "=", "%3D")
	return r.Replace(s)
}

// PIN reads the token's user PIN: from the pin-source file (its first
// line), or from PINEnv. A missing PIN is an error naming both places.
func (u URI) PIN(getenv func(string) string) (string, error) {
	if path, ok := strings.CutPrefix(u.PINSource, "file:"); ok {
		raw, err := os.ReadFile(path)
		if err != nil {
			return "", evident.Errorf(evident.EINVALID, "signer PIN: pin-source %s: %v", u.PINSource, err)
		}
		pin, _, _ := strings.Cut(string(raw), "\n")
		if pin = strings.TrimRight(pin, "\r"); pin == "" {
			return "", evident.Errorf(evident.EINVALID, "signer PIN: pin-source %s is empty", u.PINSource)
		}
		return pin, nil
	}
	if pin := getenv(PINEnv); pin != "" {
		return pin, nil
	}
	return "", evident.Errorf(evident.EINVALID, "signer PIN: set %s or add pin-source=file:PATH to the signer URI", PINEnv)
}

// uriError is an invalid signer URI, exit 2.
func uriError(format string, args ...any) error {
	return evident.Errorf(evident.EINVALID, "signer URI: %s", fmt.Sprintf(format, args...))
}
