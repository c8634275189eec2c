package importer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/ceremony"
	"github.com/evidenthq/evident/internal/importer/chrony"
	"github.com/evidenthq/evident/internal/importer/crl"
	"github.com/evidenthq/evident/internal/importer/lynis"
	"github.com/evidenthq/evident/internal/importer/nmap"
	"github.com/evidenthq/evident/internal/importer/ocsp"
	"github.com/evidenthq/evident/internal/importer/openscap"
	"github.com/evidenthq/evident/internal/importer/report"
	"github.com/evidenthq/evident/internal/importer/sarif"
	"github.com/evidenthq/evident/internal/importer/testssl"
	"github.com/evidenthq/evident/internal/importer/trivy"
	"github.com/evidenthq/evident/internal/importer/tsr"
	"github.com/evidenthq/evident/internal/importer/zlint"
)

// Finding, Result and Context are defined in package report so the format
// parsers can share them; these aliases are the names callers use.
type (
	Finding   = report.Finding
	Result    = report.Result
	Context   = report.Context
	Coverage  = report.Coverage
	ScopeHost = report.ScopeHost
)

// DefaultMaxBytes is the size limit Parse applies when Context.MaxBytes is 0.
const DefaultMaxBytes = report.DefaultMaxBytes

// HeadSize is how much of a file Detect needs to see.
const HeadSize = 4096

type parser struct {
	name string
	// accepts names the files the format is read from, for help texts.
	accepts string
	detect  func(head []byte) bool
	parse   func(ctx context.Context, data []byte, c report.Context) (*report.Result, error)
	// stream, when not nil, parses from a reader in one pass without
	// holding the file: a large scan is then never all in memory.
	stream func(ctx context.Context, r io.Reader, c report.Context) (*report.Result, error)
	// namesHosts is true when the output names the hosts it checked, so
	// the output, not the caller, decides what a run covered.
	namesHosts bool
}

// parsers is ordered for detection: the binary formats first (a CRL and an
// OCSP response before the time-stamp response, whose looser marker a CRL
// also has), then formats whose markers are specific, so a generic one (zlint's map of
// lint results) cannot claim another tool's JSON.
var parsers = []parser{
	{crl.Format, "CRL, DER or a PEM bundle of one issuer's CRLs, oldest first or not (openssl ca -gencrl)", crl.Detect, crl.Parse, nil, false},
	{ocsp.Format, "OCSP response, DER (openssl ocsp -respout F.der)", ocsp.Detect, ocsp.Parse, nil, false},
	{tsr.Format, "RFC 3161 TimeStampResp, DER (openssl ts -reply -out F.tsr)", tsr.Detect, tsr.Parse, nil, false},
	{nmap.Format, "nmap XML (nmap -oX F.xml)", nmap.Detect, nmap.Parse, nmap.ParseStream, true},
	{openscap.Format, "XCCDF or ARF results XML (oscap xccdf eval --results F.xml)", openscap.Detect, openscap.Parse, nil, true},
	{sarif.Format, "SARIF 2.1.0 JSON (semgrep, gosec, CodeQL: --sarif)", sarif.Detect, sarif.Parse, nil, false},
	{trivy.Format, "Trivy JSON report (trivy --format json)", trivy.Detect, trivy.Parse, nil, false},
	{testssl.Format, "testssl.sh JSON (--jsonfile or --jsonfile-pretty)", testssl.Detect, testssl.Parse, nil, true},
	{lynis.Format, "Lynis report file (lynis-report.dat)", lynis.Detect, lynis.Parse, nil, true},
	{chrony.Format, "chronyc tracking output, text or CSV (chronyc -c tracking)", chrony.Detect, chrony.Parse, nil, false},
	{ceremony.Format, "key ceremony report, JSON starting with \"key_ceremony\" (see go doc ./internal/importer/ceremony)", ceremony.Detect, ceremony.Parse, nil, false},
	{zlint.Format, "zlint JSON of one certificate (zlint -pretty CERT.pem)", zlint.Detect, zlint.Parse, nil, false},
}

// NamesHosts reports whether the format's output names the hosts it
// checked. For the others (a clock report, a certificate lint, a
// time-stamp token, a code or image scan) what was checked is what the
// importer is told (Context.Hosts).
func NamesHosts(format string) bool {
	p, err := lookup(format)
	return err == nil && p.namesHosts
}

// Formats lists the format names Parse accepts, in detection order.
func Formats() []string {
	out := make([]string, len(parsers))
	for i, p := range parsers {
		out[i] = p.name
	}
	return out
}

// Accepts describes the files format is read from, for help texts; ""
// for an unknown format.
func Accepts(format string) string {
	p, err := lookup(format)
	if err != nil {
		return ""
	}
	return p.accepts
}

func lookup(format string) (parser, error) {
	for _, p := range parsers {
		if p.name == format {
			return p, nil
		}
	}
	return parser{}, evident.Errorf(evident.EINVALID, "unknown format %q: want one of %s", format, strings.Join(Formats(), ", "))
}

// Detect names the format of a tool output from its first bytes (HeadSize is
// enough), never from a file name: evidence is often renamed on its way in.
func Detect(head []byte) (string, error) {
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for _, p := range parsers {
		if p.detect(head) {
			return p.name, nil
		}
	}
	return "", evident.Errorf(evident.EINVALID, "format not recognised: not the output of %s; name the format explicitly", strings.Join(Formats(), ", "))
}

// Parse reads a tool output of the named format, or of the detected one when
// format is empty. It reads at most c.MaxBytes (DefaultMaxBytes when 0) and
// refuses larger input rather than judging part of it. Errors about the
// input have code EINVALID and say where the input is wrong.
//
// A format that can be read in one pass (nmap) is parsed as r is read, so
// the file is never held whole; it is read to its end even when it is
// refused, so an oversized file is still refused as oversized. Every other
// format is read into memory first.
func Parse(ctx context.Context, format string, r io.Reader, c Context) (*Result, error) {
	limit := c.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	in := &countingReader{r: io.LimitReader(r, limit+1)}
	br := bufio.NewReaderSize(in, 64<<10)
	if res, ok, err := parseStream(ctx, format, br, in, limit, c); ok {
		return res, err
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("read tool output: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, evident.Errorf(evident.EINVALID, "tool output is larger than the limit of %d bytes", limit)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "tool output is empty")
	}
	if format == "" {
		if format, err = Detect(data); err != nil {
			return nil, err
		}
	}
	p, err := lookup(format)
	if err != nil {
		return nil, err
	}
	if !p.detect(bytes.TrimPrefix(head(data), []byte("\xef\xbb\xbf"))) {
		return nil, notFormat(format, data)
	}
	res, err := p.parse(ctx, bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), c)
	if err != nil {
		return nil, err
	}
	return finish(p, res, c)
}

// parseStream parses br in one pass when the format allows it and the
// first bytes already show the file is that format; ok is false, with
// nothing consumed, when the whole file must be read instead: then every
// refusal (empty, not recognised, not the named format) reads as it
// always has.
func parseStream(ctx context.Context, format string, br *bufio.Reader, in *countingReader, limit int64, c Context) (res *Result, ok bool, err error) {
	first, perr := br.Peek(HeadSize)
	if perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull {
		return nil, false, nil // the read fails again, and is reported, below
	}
	if len(bytes.TrimSpace(first)) == 0 {
		return nil, false, nil
	}
	if format == "" {
		if format, err = Detect(first); err != nil {
			return nil, false, nil
		}
	}
	p, err := lookup(format)
	if err != nil || p.stream == nil || !p.detect(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))) {
		return nil, false, nil
	}
	if bytes.HasPrefix(first, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	res, err = p.stream(ctx, br, c)
	// Whatever the parser made of it, the rest is read: a read error or a
	// file over the limit is what is wrong with it, as when it was read
	// whole before parsing.
	if _, derr := io.Copy(io.Discard, br); derr != nil && in.err == nil {
		in.err = derr
	}
	switch {
	case in.err != nil:
		return nil, true, fmt.Errorf("read tool output: %w", in.err)
	case in.n > limit:
		return nil, true, evident.Errorf(evident.EINVALID, "tool output is larger than the limit of %d bytes", limit)
	case err != nil:
		return nil, true, err
	}
	res, err = finish(p, res, c)
	return res, true, err
}

// finish names the format of a parsed result, judges its coverage of the
// scope and checks the parser kept the result's invariants.
func finish(p parser, res *Result, c Context) (*Result, error) {
	res.Format = p.name
	if len(c.Scope) > 0 {
		if p.namesHosts {
			res.Cover(c.Scope, res.Checked, false)
		} else {
			res.Cover(c.Scope, c.Hosts, true)
		}
	}
	if err := res.Validate(); err != nil {
		return nil, evident.Errorf(evident.EINTERNAL, "%s importer produced an invalid result: %v", p.name, err)
	}
	return res, nil
}

// countingReader counts the bytes read and keeps the first read error, so
// the size and the failure of a file parsed as it streams are known once
// it ends.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

func head(data []byte) []byte {
	if len(data) > HeadSize {
		return data[:HeadSize]
	}
	return data
}

// notFormat explains a mismatch between the named format and the content,
// naming what the content looks like when that is known.
func notFormat(format string, data []byte) error {
	if got, err := Detect(data); err == nil {
		return evident.Errorf(evident.EINVALID, "file is not %s output: it looks like %s output", format, got)
	}
	return evident.Errorf(evident.EINVALID, "file is not %s output: %s", format, describe(head(data)))
}

func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 40 {
		b = b[:40]
	}
	return fmt.Sprintf("it starts with %q", b)
}

// ParseCertsPEM reads PEM certificates, such as a TSA chain, for Context.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("PEM block %d", n), "not a valid certificate: %v", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, evident.Errorf(evident.EINVALID, "no PEM certificate found")
	}
	return certs, nil
}

// CertPoolPEM reads PEM certificates into a pool, for Context.TSARoots.
func CertPoolPEM(data []byte) (*x509.CertPool, error) {
	certs, err := ParseCertsPEM(data)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
