package ledger

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// TSA is an RFC 3161 time-stamping authority and what we trust it with.
type TSA struct {
	URL    string
	Roots  *x509.CertPool // trust anchors for the TSA's certificate chain
	Client *http.Client   // nil: a client with a 30 s timeout
}

// AnchorRecordKind is the ledger record kind of an anchor: the history of
// anchoring is itself in the log, so removing a token shows.
const AnchorRecordKind = "ledger.anchor"

// anchorBody is the body of an anchor ledger record.
type anchorBody struct {
	CheckpointSize int64  `json:"checkpoint_size"`
	TSA            string `json:"tsa"`
	GenTime        string `json:"gen_time"`
	TokenSHA256    string `json:"token_sha256"`
}

// Anchor time-stamps the latest checkpoint (signing one first if needed)
// with tsa and keeps the token: a third party's statement that the ledger
// existed in this state no later than the token's time. The token is
// checked before it is kept (see CheckToken); a TSA that answers with a
// token for other bytes, another nonce or an untrusted chain is refused.
func (l *Ledger) Anchor(ctx context.Context, actor string, tsa TSA) (sqlstore.Anchor, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return sqlstore.Anchor{}, err
	}
	body, err := l.openCheckpoint(cp)
	if err != nil {
		return sqlstore.Anchor{}, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return sqlstore.Anchor{}, err
	}
	req, err := timestamp.CreateRequest(bytes.NewReader(cp), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true, Nonce: nonce})
	if err != nil {
		return sqlstore.Anchor{}, fmt.Errorf("time-stamp request: %w", err)
	}
	der, err := postTSA(ctx, tsa, req)
	if err != nil {
		return sqlstore.Anchor{}, err
	}
	ts, err := CheckToken(der, cp, nonce, tsa.Roots)
	if err != nil {
		return sqlstore.Anchor{}, err
	}
	a := sqlstore.Anchor{ID: evident.NewID(ts.Time), CheckpointSize: body.Size, TSA: tsa.URL, GenTime: ts.Time.UTC(), Token: der}
	th := sha256.Sum256(der)
	err = l.st.Write(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.InsertAnchor(ctx, a); err != nil {
			return err
		}
		if _, err := tx.Audit(ctx, AnchorRecordKind, a.ID, actor, anchorBody{
			CheckpointSize: a.CheckpointSize, TSA: a.TSA, GenTime: evident.UTC(a.GenTime), TokenSHA256: hex.EncodeToString(th[:]),
		}); err != nil {
			return err
		}
		_, err := l.sign(ctx, tx)
		return err
	})
	return a, err
}

func postTSA(ctx context.Context, tsa TSA, req []byte) ([]byte, error) {
	c := tsa.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, tsa.URL, bytes.NewReader(req))
	if err != nil {
		return nil, evident.Errorf(evident.EINVALID, "TSA URL %q: %v", tsa.URL, err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := c.Do(hr)
	if err != nil {
		return nil, evident.Errorf(evident.EFAILED, "TSA %s: %v", tsa.URL, err)
	}
	defer resp.Body.Close()
	der, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, evident.Errorf(evident.EFAILED, "TSA %s: %v", tsa.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, evident.Errorf(evident.EFAILED, "TSA %s answered %s", tsa.URL, resp.Status)
	}
	return der, nil
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// CheckToken checks a DER TimeStampResp over data, beyond what
// digitorus/timestamp checks (the CMS signature against the certificate it
// embeds): the message imprint is SHA-256 of data, the nonce is ours (when
// given), and the signing certificate chains to roots and is a TSA
// certificate (RFC 3161 2.3: extended key usage timeStamping only, marked
// critical). roots nil skips the chain check, which only a caller that
// reports it as unchecked may do.
func CheckToken(der, data []byte, nonce *big.Int, roots *x509.CertPool) (_ *timestamp.Timestamp, err error) {
	fail := func(format string, args ...any) error {
		return evident.Errorf(evident.EFAILED, "time-stamp token: "+format, args...)
	}
	// The CMS parser below panics on some malformed BER (an index past the
	// end, found by fuzzing the importer that shares it). Tokens come from
	// packs an assessor was handed, so a hostile one must fail, not crash.
	defer func() {
		if r := recover(); r != nil {
			err = fail("malformed encoding (%v)", r)
		}
	}()
	ts, err := timestamp.ParseResponse(der)
	if err != nil {
		return nil, fail("%v", err)
	}
	want := sha256.Sum256(data)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, want[:]) {
		return nil, fail("it stamps %x, not the SHA-256 of the checkpoint (%x)", ts.HashedMessage, want)
	}
	if nonce != nil && (ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0) {
		return nil, fail("the nonce does not match the request: a replayed or foreign answer")
	}
	p7, err := pkcs7.Parse(ts.RawToken)
	if err != nil {
		return nil, fail("%v", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, fail("the token does not carry exactly one signing certificate")
	}
	if !slices.Equal(signer.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) || len(signer.UnknownExtKeyUsage) > 0 || !criticalEKU(signer) {
		return nil, fail("signing certificate %q is not a TSA certificate (extended key usage must be timeStamping only, critical)", signer.Subject)
	}
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range p7.Certificates {
			if c != signer {
				inter.AddCert(c)
			}
		}
		err := p7.VerifyWithOpts(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
		if err != nil {
			return nil, fail("the TSA certificate %q does not chain to a trusted root: %v", signer.Subject, err)
		}
	}
	return ts, nil
}

func criticalEKU(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return e.Critical
		}
	}
	return false
}

// SetTSARoots sets the trust anchors Verify checks stored tokens against.
func (l *Ledger) SetTSARoots(roots *x509.CertPool) { l.tsaRoots = roots }

// verifyAnchors re-checks every stored token against the checkpoint it
// stamps. Without configured roots the chain cannot be judged, and the
// report says so rather than pass it.
func (l *Ledger) verifyAnchors(ctx context.Context, tx *sqlstore.Tx, r *Report) error {
	anchors, err := tx.Anchors(ctx)
	if err != nil {
		return err
	}
	r.Anchors = len(anchors)
	for _, a := range anchors {
		c, err := tx.CheckpointAt(ctx, a.CheckpointSize)
		if err != nil {
			r.add(BadAnchor, a.CheckpointSize-1, a.ID, "anchor %s stamps checkpoint %d, which is not stored", a.ID, a.CheckpointSize)
			continue
		}
		if l.tsaRoots == nil {
			r.add(BadAnchor, a.CheckpointSize-1, a.ID, "anchor %s from %s cannot be checked: no TSA roots configured", a.ID, a.TSA)
			continue
		}
		ts, err := CheckToken(a.Token, c.Note, nil, l.tsaRoots)
		if err != nil {
			r.add(BadAnchor, a.CheckpointSize-1, a.ID, "anchor %s of checkpoint %d: %v", a.ID, a.CheckpointSize, err)
			continue
		}
		if !ts.Time.UTC().Truncate(time.Microsecond).Equal(a.GenTime) {
			r.add(EditedRow, a.CheckpointSize-1, a.ID, "anchor %s: stored time %s differs from the token's %s", a.ID, evident.UTC(a.GenTime), evident.UTC(ts.Time))
		}
	}
	return nil
}
