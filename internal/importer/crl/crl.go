// Package crl reads certificate revocation lists, one DER CRL or a PEM
// bundle of CRLs from one issuer (`openssl ca -gencrl`), as evidence of how
// a CA publishes revocation status: how often it issues a CRL, how long
// each one is valid, and when each revoked certificate first appeared. A
// bundle is a series: its publication interval and the delay from a
// revocation request to the first CRL listing the certificate are figures
// EN 319 411-1 and the CA/Browser Forum requirements bound.
package crl

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/crlreason"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "crl"

const pemType = "X509 CRL"

// Detect reports whether head is a PEM CRL or starts like a DER
// CertificateList: a SEQUENCE holding a TBSCertList SEQUENCE whose first
// element is the version INTEGER 1 (v2) or, for a v1 CRL, the signature
// AlgorithmIdentifier SEQUENCE, either way followed by an OID.
func Detect(head []byte) bool {
	if bytes.HasPrefix(bytes.TrimSpace(head), []byte("-----BEGIN "+pemType+"-----")) {
		return true
	}
	rest, ok := enter(head)
	if !ok {
		return false
	}
	// A TSR's PKIStatusInfo is also a SEQUENCE starting with an INTEGER,
	// but a short one: a TBSCertList holds at least an issuer and a date.
	if len(rest) < 2 || rest[1] < 0x20 {
		return false
	}
	if rest, ok = enter(rest); !ok {
		return false
	}
	if bytes.HasPrefix(rest, []byte{0x02, 0x01, 0x01}) {
		rest = rest[3:]
	}
	rest, ok = enter(rest)
	return ok && len(rest) > 0 && rest[0] == 0x06
}

// enter skips the tag and length of a DER SEQUENCE and returns its content.
func enter(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != 0x30 {
		return nil, false
	}
	n := int(b[1])
	if n < 0x80 {
		return b[2:], true
	}
	k := n & 0x7f
	if k == 0 || k > 4 || len(b) < 2+k {
		return nil, false
	}
	return b[2+k:], true
}

// short reports whether b is shorter than the length its outer DER header
// declares: a file cut off in transfer.
func short(b []byte) bool {
	if len(b) < 2 {
		return true
	}
	n, k := int(b[1]), 0
	if n >= 0x80 {
		k = n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return len(b) < 2+k
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
	}
	return len(b) < 2+k+n
}

// Entry is a revoked certificate as a series shows it: when the CA says it
// was revoked, why, and the thisUpdate of the first CRL that listed it.
type Entry struct {
	Serial      string    `json:"serial"`
	RevokedAt   time.Time `json:"revoked_at"`
	Reason      string    `json:"reason"`
	FirstListed time.Time `json:"first_listed"`
}

// Series is a set of CRLs from one issuer, oldest thisUpdate first.
type Series struct {
	Issuer string
	CRLs   []*x509.RevocationList
	// Entries are every certificate any CRL of the series lists, by serial.
	Entries []Entry
}

// Read parses data as one DER CRL or a PEM bundle of CRLs from one issuer
// and orders them by thisUpdate. It checks no signature (Parse does, when
// it is given the issuer). Errors name the CRL at fault by its position.
func Read(data []byte) (*Series, error) {
	var ders [][]byte
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		rest := trimmed
		for n := 1; len(bytes.TrimSpace(rest)) > 0; n++ {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil && bytes.HasPrefix(bytes.TrimSpace(rest), []byte("-----BEGIN ")) && !bytes.Contains(rest, []byte("-----END ")) {
				return nil, report.Truncated("PEM block %d has no END line", n)
			}
			if b == nil {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("PEM block %d", n), "not a PEM block (text between blocks?)")
			}
			if b.Type != pemType {
				return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("PEM block %d", n), "is %q, want %q", b.Type, pemType)
			}
			ders = append(ders, b.Bytes)
		}
	} else {
		ders = [][]byte{data}
	}
	s := &Series{}
	for i, der := range ders {
		l, err := parse(der)
		if err != nil {
			if short(der) {
				return nil, report.Truncated("%s ends before its DER structure does (%d bytes)", where(i, len(ders)), len(der))
			}
			return nil, evident.ErrorAt(evident.EINVALID, where(i, len(ders)), "not a valid CRL: %v", err)
		}
		issuer := l.Issuer.String()
		if s.Issuer == "" {
			s.Issuer = issuer
		} else if issuer != s.Issuer {
			return nil, evident.ErrorAt(evident.EINVALID, where(i, len(ders)), "is issued by %q, the first CRL by %q: a series has one issuer", issuer, s.Issuer)
		}
		if l.ThisUpdate.IsZero() {
			return nil, evident.ErrorAt(evident.EINVALID, where(i, len(ders)), "has no thisUpdate")
		}
		s.CRLs = append(s.CRLs, l)
	}
	sort.SliceStable(s.CRLs, func(i, j int) bool { return s.CRLs[i].ThisUpdate.Before(s.CRLs[j].ThisUpdate) })
	s.Entries = entries(s.CRLs)
	return s, nil
}

func where(i, n int) string {
	if n == 1 {
		return "CRL"
	}
	return fmt.Sprintf("CRL %d of %d", i+1, n)
}

// parse wraps x509.ParseRevocationList so that a hostile file is an error,
// never a crash.
func parse(der []byte) (l *x509.RevocationList, err error) {
	defer func() {
		if r := recover(); r != nil {
			l, err = nil, fmt.Errorf("malformed CRL (%v)", r)
		}
	}()
	return x509.ParseRevocationList(der)
}

func entries(crls []*x509.RevocationList) []Entry {
	seen := map[string]int{}
	var out []Entry
	for _, l := range crls {
		for _, e := range l.RevokedCertificateEntries {
			serial := hexSerial(e.SerialNumber)
			if _, ok := seen[serial]; ok {
				continue
			}
			seen[serial] = len(out)
			reason := "unspecified"
			if e.ReasonCode != 0 {
				reason = crlreason.Name(e.ReasonCode)
			}
			out = append(out, Entry{Serial: serial, RevokedAt: e.RevocationTime.UTC(), Reason: reason, FirstListed: l.ThisUpdate.UTC()})
		}
	}
	return out
}

// hexSerial writes a serial number as upper-case hex, as openssl prints it.
func hexSerial(n *big.Int) string {
	if n == nil {
		return ""
	}
	return strings.ToUpper(n.Text(16))
}

// First returns the entry for a serial (hex, any case, leading zeros
// ignored) and whether the series lists it.
func (s *Series) First(serial string) (Entry, bool) {
	want := strings.TrimLeft(strings.ToUpper(serial), "0")
	for _, e := range s.Entries {
		if strings.TrimLeft(e.Serial, "0") == want {
			return e, true
		}
	}
	return Entry{}, false
}

// MaxInterval is the longest time between the thisUpdate of consecutive
// CRLs and the later CRL of that pair; ok is false with fewer than two
// CRLs, which prove no interval.
func (s *Series) MaxInterval() (gap time.Duration, at time.Time, ok bool) {
	for i := 1; i < len(s.CRLs); i++ {
		if d := s.CRLs[i].ThisUpdate.Sub(s.CRLs[i-1].ThisUpdate); d > gap || !ok {
			gap, at, ok = d, s.CRLs[i].ThisUpdate.UTC(), true
		}
	}
	return gap, at, ok
}

// Parse reads the CRL or series and measures it. Metrics, all per series:
// crls (how many), max_interval_h (longest gap between consecutive
// thisUpdates; absent for a single CRL, so a criterion on it fails),
// max_validity_h (longest nextUpdate - thisUpdate), no_next_update (CRLs
// without one), late (CRLs issued after the previous one's nextUpdate),
// number_order_ok (CRL numbers increase with thisUpdate), revoked (entries
// in the latest CRL), stale (1 when Now is past the latest nextUpdate) and
// signature_valid (1 only when every CRL verifies against an issuer
// certificate the context supplies).
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	s, err := Read(data)
	if err != nil {
		return nil, err
	}
	res := report.New(Format, "crl")
	res.Target = s.Issuer
	latest := s.CRLs[len(s.CRLs)-1]
	res.Time = latest.ThisUpdate.UTC()
	res.Summary["issuer"] = s.Issuer
	res.Summary["this_update"] = latest.ThisUpdate.UTC().Format(time.RFC3339)
	if !latest.NextUpdate.IsZero() {
		res.Summary["next_update"] = latest.NextUpdate.UTC().Format(time.RFC3339)
	}
	if latest.Number != nil {
		res.Summary["number"] = latest.Number.String()
	}
	res.Metrics[report.Checked] = float64(len(s.CRLs))
	res.Metrics["crls"] = float64(len(s.CRLs))
	res.Metrics["revoked"] = float64(len(latest.RevokedCertificateEntries))
	res.Metrics["no_next_update"] = 0
	res.Metrics["late"] = 0
	measure(res, s, c.Now)
	checkSignatures(res, s, c.Issuers)
	res.Sort()
	return res, nil
}

func measure(res *report.Result, s *Series, now time.Time) {
	if gap, at, ok := s.MaxInterval(); ok {
		res.Metrics["max_interval_h"] = gap.Hours()
		res.Summary["max_interval_ends"] = at.Format(time.RFC3339)
	}
	var validity time.Duration
	order := true
	for i, l := range s.CRLs {
		id := l.ThisUpdate.UTC().Format(time.RFC3339)
		if l.NextUpdate.IsZero() {
			res.Add(report.Finding{Key: "CRL " + id + " next_update", Severity: "high", Rule: "no_next_update", Title: "the CRL has no nextUpdate", Metrics: []string{"no_next_update"}})
		} else if d := l.NextUpdate.Sub(l.ThisUpdate); d > validity {
			validity = d
		}
		if i == 0 {
			continue
		}
		prev := s.CRLs[i-1]
		if !prev.NextUpdate.IsZero() && l.ThisUpdate.After(prev.NextUpdate) {
			res.Add(report.Finding{Key: "CRL " + id + " late", Severity: "high", Rule: "late", Title: "the CRL was issued after the previous one expired",
				Detail: fmt.Sprintf("previous nextUpdate %s, this thisUpdate %s", prev.NextUpdate.UTC().Format(time.RFC3339), id), Metrics: []string{"late"}})
		}
		if prev.Number != nil && l.Number != nil && l.Number.Cmp(prev.Number) <= 0 {
			order = false
			res.Note(report.Finding{Key: "CRL " + id + " number", Severity: "high", Rule: "number_order_ok", Title: "the CRL number does not increase",
				Detail: fmt.Sprintf("number %s after %s", l.Number, prev.Number), Metrics: []string{"number_order_ok"}})
		}
	}
	res.Metrics["max_validity_h"] = validity.Hours()
	res.Metrics["number_order_ok"] = b2f(order)
	if latest := s.CRLs[len(s.CRLs)-1]; !now.IsZero() {
		stale := latest.NextUpdate.IsZero() || now.After(latest.NextUpdate)
		res.Metrics["stale"] = b2f(stale)
		if stale {
			res.Note(report.Finding{Key: "stale", Severity: "high", Rule: "stale", Title: "the latest CRL is past its nextUpdate", Metrics: []string{"stale"}})
		}
	}
}

func checkSignatures(res *report.Result, s *Series, issuers []*x509.Certificate) {
	res.Metrics["signature_valid"] = 0
	if len(issuers) == 0 {
		// Unsigned content proves nothing about the CA, as a time-stamp
		// token whose signer is unknown proves nothing.
		res.NothingChecked("no issuer certificate was given, so no CRL signature could be checked")
		return
	}
	for _, l := range s.CRLs {
		if !slices.ContainsFunc(issuers, func(c *x509.Certificate) bool { return l.CheckSignatureFrom(c) == nil }) {
			res.Note(report.Finding{Key: "CRL " + l.ThisUpdate.UTC().Format(time.RFC3339) + " signature", Severity: "critical", Rule: "signature_valid",
				Title: "the CRL signature does not verify against the given issuer certificates", Metrics: []string{"signature_valid"}})
			return
		}
	}
	res.Metrics["signature_valid"] = 1
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Merge joins series into one, ordered by thisUpdate, keeping each CRL
// once (the same CRL imported twice is one publication). Issuer is kept
// when every series has the same one, else empty: serial numbers are
// matched across issuers, which random 64-bit serials keep apart, but
// MaxInterval means nothing for a merge of issuers.
func Merge(series ...*Series) *Series {
	out := &Series{}
	seen := map[string]bool{}
	for i, s := range series {
		if i == 0 {
			out.Issuer = s.Issuer
		} else if s.Issuer != out.Issuer {
			out.Issuer = ""
		}
		for _, l := range s.CRLs {
			if key := string(l.Raw); !seen[key] {
				seen[key] = true
				out.CRLs = append(out.CRLs, l)
			}
		}
	}
	sort.SliceStable(out.CRLs, func(i, j int) bool { return out.CRLs[i].ThisUpdate.Before(out.CRLs[j].ThisUpdate) })
	out.Entries = entries(out.CRLs)
	return out
}
