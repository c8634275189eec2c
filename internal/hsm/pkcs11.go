//go:build pkcs11 && cgo

package hsm

import (
	"crypto/ed25519"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"

	"github.com/evidenthq/evident"
)

// Supported reports whether this build can talk to a PKCS#11 token.
const Supported = true

// PKCS#11 3.0 names for Ed25519, which github.com/miekg/pkcs11 predates.
const (
	ckkECEdwards       = 0x40
	ckmECEdwardsKeyGen = 0x1055
	ckmEdDSA           = 0x1057
)

// oidEd25519 is CKA_EC_PARAMS for Ed25519: the DER of OID 1.3.101.112.
var oidEd25519 = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}

// A PKCS#11 library is initialized once per process (C_Initialize), however
// many signers use it, and finalized when the last one closes. This is
// the library's rule, hence state shared across the package.
var modules = struct {
	sync.Mutex
	m map[string]*module
}{m: map[string]*module{}}

// module is one loaded library and the number of open tokens using it.
type module struct {
	ctx  *pkcs11.Ctx
	refs int
}

func loadModule(path string) (*module, error) {
	modules.Lock()
	defer modules.Unlock()
	if m := modules.m[path]; m != nil {
		m.refs++
		return m, nil
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, evident.Errorf(evident.EINVALID, "module-path %s: cannot load it as a PKCS#11 library", path)
	}
	if err := ctx.Initialize(); err != nil && !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, fmt.Errorf("module-path %s: initialize: %w", path, describe(err))
	}
	m := &module{ctx: ctx, refs: 1}
	modules.m[path] = m
	return m, nil
}

func releaseModule(path string) {
	modules.Lock()
	defer modules.Unlock()
	m := modules.m[path]
	if m == nil {
		return
	}
	if m.refs--; m.refs == 0 {
		m.ctx.Finalize()
		m.ctx.Destroy()
		delete(modules.m, path)
	}
}

// token is a logged-in session with the key found. One session signs at
// a time (a PKCS#11 session is not for concurrent use); a session the
// token dropped is reopened once before a signature fails.
type token struct {
	u    URI
	pin  string
	mod  *module
	mu   sync.Mutex
	slot uint
	sess pkcs11.SessionHandle
	key  pkcs11.ObjectHandle
	live bool
}

func openToken(u URI, pin string) (*token, ed25519.PublicKey, error) {
	m, err := loadModule(u.ModulePath)
	if err != nil {
		return nil, nil, signerError(u, err)
	}
	t := &token{u: u, pin: pin, mod: m}
	pub, err := t.connect()
	if err != nil {
		releaseModule(u.ModulePath)
		return nil, nil, signerError(u, err)
	}
	return t, pub, nil
}

// signerError names the signer in an error; it stays exit 2 (the
// operator's configuration or token), as nothing was written.
func signerError(u URI, err error) error {
	var e *evident.Error
	if errors.As(err, &e) {
		return evident.Errorf(e.Code, "ledger signer %s: %s", u, e.Message)
	}
	return evident.Errorf(evident.EINVALID, "ledger signer %s: %v", u, err)
}

// connect finds the token, opens a session, logs in and finds the key
// pair. It returns the public key.
func (t *token) connect() (ed25519.PublicKey, error) {
	ctx := t.mod.ctx
	slot, err := findSlot(ctx, t.u)
	if err != nil {
		return nil, err
	}
	sess, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", describe(err))
	}
	if err := ctx.Login(sess, pkcs11.CKU_USER, t.pin); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		ctx.CloseSession(sess)
		return nil, fmt.Errorf("log in: %w", describe(err))
	}
	key, err := findObject(ctx, sess, t.u, pkcs11.CKO_PRIVATE_KEY)
	if err != nil {
		ctx.CloseSession(sess)
		return nil, err
	}
	pub, err := publicKey(ctx, sess, t.u)
	if err != nil {
		ctx.CloseSession(sess)
		return nil, err
	}
	t.slot, t.sess, t.key, t.live = slot, sess, key, true
	return pub, nil
}

func findSlot(ctx *pkcs11.Ctx, u URI) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("list slots: %w", describe(err))
	}
	var seen []string
	for _, s := range slots {
		info, err := ctx.GetTokenInfo(s)
		if err != nil {
			continue
		}
		label := strings.TrimRight(info.Label, " \x00")
		serial := strings.TrimRight(info.SerialNumber, " \x00")
		if label == u.Token && (u.Serial == "" || serial == u.Serial) {
			return s, nil
		}
		seen = append(seen, fmt.Sprintf("%q", label))
	}
	if len(seen) == 0 {
		return 0, evident.Errorf(evident.ENOTFOUND, "token %q is not present: the module shows no token at all", u.Token)
	}
	return 0, evident.Errorf(evident.ENOTFOUND, "token %q is not present (tokens present: %s)", u.Token, strings.Join(seen, ", "))
}

// findObject finds the one key of class the URI selects.
func findObject(ctx *pkcs11.Ctx, sess pkcs11.SessionHandle, u URI, class uint) (pkcs11.ObjectHandle, error) {
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkECEdwards),
	}
	if u.Object != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
	}
	if u.ID != nil {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, u.ID))
	}
	if err := ctx.FindObjectsInit(sess, tmpl); err != nil {
		return 0, fmt.Errorf("find key: %w", describe(err))
	}
	objs, _, err := ctx.FindObjects(sess, 2)
	ctx.FindObjectsFinal(sess)
	if err != nil {
		return 0, fmt.Errorf("find key: %w", describe(err))
	}
	kind := "private"
	if class == pkcs11.CKO_PUBLIC_KEY {
		kind = "public"
	}
	switch len(objs) {
	case 0:
		return 0, evident.Errorf(evident.ENOTFOUND, "no Ed25519 %s key %s on token %q", kind, keyDesc(u), u.Token)
	case 1:
		return objs[0], nil
	}
	return 0, evident.Errorf(evident.EINVALID, "more than one Ed25519 %s key %s on token %q: add id= to the URI", kind, keyDesc(u), u.Token)
}

func keyDesc(u URI) string {
	if u.Object != "" {
		return fmt.Sprintf("labelled %q", u.Object)
	}
	return fmt.Sprintf("with id %q", u.ID)
}

// publicKey reads the key pair's public half from its CKA_EC_POINT, which
// tokens give either as the 32 raw bytes or DER-wrapped in an OCTET STRING.
func publicKey(ctx *pkcs11.Ctx, sess pkcs11.SessionHandle, u URI) (ed25519.PublicKey, error) {
	obj, err := findObject(ctx, sess, u, pkcs11.CKO_PUBLIC_KEY)
	if err != nil {
		return nil, err
	}
	attrs, err := ctx.GetAttributeValue(sess, obj, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", describe(err))
	}
	return parsePoint(attrs[0].Value)
}

func parsePoint(v []byte) (ed25519.PublicKey, error) {
	if len(v) == ed25519.PublicKeySize {
		return ed25519.PublicKey(v), nil
	}
	var raw []byte
	if rest, err := asn1.Unmarshal(v, &raw); err == nil && len(rest) == 0 && len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	return nil, fmt.Errorf("the public key's CKA_EC_POINT (%d bytes) is not an Ed25519 point", len(v))
}

func (t *token) sign(msg []byte) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sig, err := t.signOnce(msg)
	if err == nil {
		return sig, nil
	}
	// The token may have dropped the session (removed and put back, or
	// reset); one new session is tried before the write fails.
	t.drop()
	if _, cerr := t.connect(); cerr != nil {
		return nil, fmt.Errorf("sign: %v; reconnecting: %w", describe(err), cerr)
	}
	sig, err = t.signOnce(msg)
	if err != nil {
		t.drop()
		return nil, fmt.Errorf("sign: %w", describe(err))
	}
	return sig, nil
}

func (t *token) signOnce(msg []byte) ([]byte, error) {
	if !t.live {
		return nil, errors.New("no session with the token")
	}
	ctx := t.mod.ctx
	if err := ctx.SignInit(t.sess, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmEdDSA, nil)}, t.key); err != nil {
		return nil, err
	}
	return ctx.Sign(t.sess, msg)
}

func (t *token) drop() {
	if t.live {
		t.mod.ctx.CloseSession(t.sess)
		t.live = false
	}
}

func (t *token) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mod == nil {
		return nil
	}
	t.drop()
	releaseModule(t.u.ModulePath)
	t.mod = nil
	return nil
}

// GenerateKey makes an Ed25519 key pair on the token u names, labelled
// u.Object and with id u.ID, the private half sensitive and never
// extractable, and returns the public half. It refuses when a key the URI
// selects already exists: the ledger key is never replaced by accident.
func GenerateKey(u URI, pin string) (ed25519.PublicKey, error) {
	m, err := loadModule(u.ModulePath)
	if err != nil {
		return nil, signerError(u, err)
	}
	defer releaseModule(u.ModulePath)
	pub, err := generate(m.ctx, u, pin)
	if err != nil {
		return nil, signerError(u, err)
	}
	return pub, nil
}

func generate(ctx *pkcs11.Ctx, u URI, pin string) (ed25519.PublicKey, error) {
	slot, err := findSlot(ctx, u)
	if err != nil {
		return nil, err
	}
	sess, err := ctx.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", describe(err))
	}
	defer ctx.CloseSession(sess)
	if err := ctx.Login(sess, pkcs11.CKU_USER, pin); err != nil && !isCode(err, pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		return nil, fmt.Errorf("log in: %w", describe(err))
	}
	if _, err := findObject(ctx, sess, u, pkcs11.CKO_PRIVATE_KEY); err == nil {
		return nil, evident.Errorf(evident.ECONFLICT, "a key %s is already on token %q: refusing to make another", keyDesc(u), u.Token)
	}
	common := func(a ...*pkcs11.Attribute) []*pkcs11.Attribute {
		a = append(a, pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, ckkECEdwards))
		if u.Object != "" {
			a = append(a, pkcs11.NewAttribute(pkcs11.CKA_LABEL, u.Object))
		}
		if u.ID != nil {
			a = append(a, pkcs11.NewAttribute(pkcs11.CKA_ID, u.ID))
		}
		return a
	}
	pubT := common(pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oidEd25519))
	privT := common(pkcs11.NewAttribute(pkcs11.CKA_SIGN, true), pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false))
	if _, _, err := ctx.GenerateKeyPair(sess, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmECEdwardsKeyGen, nil)}, pubT, privT); err != nil {
		return nil, fmt.Errorf("generate an Ed25519 key pair: %w", describe(err))
	}
	return publicKey(ctx, sess, u)
}

// isCode reports whether err is the PKCS#11 return value code.
func isCode(err error, code uint) bool {
	var e pkcs11.Error
	return errors.As(err, &e) && uint(e) == code
}

// describe puts the PKCS#11 return values an operator meets into words.
func describe(err error) error {
	var e pkcs11.Error
	if !errors.As(err, &e) {
		return err
	}
	switch uint(e) {
	case pkcs11.CKR_PIN_INCORRECT:
		return fmt.Errorf("the PIN is wrong (%w)", err)
	case pkcs11.CKR_PIN_LOCKED:
		return fmt.Errorf("the token's user PIN is locked after too many wrong PINs; its security officer must unlock it (%w)", err)
	case pkcs11.CKR_USER_PIN_NOT_INITIALIZED:
		return fmt.Errorf("the token has no user PIN yet (%w)", err)
	case pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_DEVICE_REMOVED:
		return fmt.Errorf("the token was removed (%w)", err)
	case pkcs11.CKR_MECHANISM_INVALID:
		return fmt.Errorf("the token does not support Ed25519 (CKM_EDDSA) (%w)", err)
	}
	return err
}
