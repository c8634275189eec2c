// Package ingest turns one tool output into evidence for a control: it
// parses the file in the control's context, judges it against the control's
// acceptance criteria, stores the original file as raw evidence and the
// verdict as a derived record naming it, compares the findings with the
// previous import of the same control and target, and opens a vulnerability
// for each critical finding behind a failed verdict. The command line and
// the HTTP API both go through it.
//
// An import is two steps so a caller can refuse a whole batch before any of
// it is stored: Check reads, parses and judges the file and writes only its
// content-addressed blobs (which no record names yet); Store writes the
// records, the import run and any vulnerabilities in one transaction. A
// file that fails Check leaves no record behind.
//
// Only the derived record is linked to the control. The raw file names the
// control in About instead: readiness counts every record linked to a
// control that carries no failing verdict as passing, and a scan's bytes
// alone prove nothing passed.
package ingest

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// Options is what a caller says about one file besides its bytes.
type Options struct {
	Control  string // required
	Format   string // "" : the control's format, else detected from the content
	Filename string // the name the file arrived with, for records and errors
	// Target is what was checked (a system id, a host); "" uses the tool's
	// own target. Imports compare with the previous one of the same
	// control and target.
	Target    string
	Effective evident.Effective // zero: the tool's own time, else the time of receipt
	Systems   []evident.SystemVersion
	Actor     string
	Now       time.Time // the clock ages are computed against; zero: the store's clock
	// TSARoots, TSACerts and StampedData are for time-stamp responses.
	TSARoots    *x509.CertPool
	TSACerts    []*x509.Certificate
	StampedData []byte
	// Issuers are the CA certificates CRL and OCSP signatures are checked
	// against.
	Issuers  []*x509.Certificate
	MaxBytes int64 // 0: importer.DefaultMaxBytes
}

// Checked is a parsed and judged file whose blobs are stored but whose
// records are not: pass it to Store.
type Checked struct {
	opt       Options
	control   evident.Control
	Result    *importer.Result  `json:"result"`
	Verdict   importer.Verdict  `json:"verdict"`
	Defaulted bool              `json:"defaulted"` // judged by the format's default criteria
	Target    string            `json:"target"`
	system    string            // the system Target names, if any
	versions  map[string]string // system id to the version the program deploys
	raw, drv  evident.Evidence
}

// Outcome is what Store recorded.
type Outcome struct {
	Filename  string             `json:"filename"`
	Control   string             `json:"control"`
	Target    string             `json:"target"`
	Format    string             `json:"format"`
	Verdict   importer.Verdict   `json:"verdict"`
	Defaulted bool               `json:"defaulted"`
	Metrics   map[string]float64 `json:"metrics"`
	// Scope is what the run reached of the hosts in scope; nil when no
	// system of the control lists a host.
	Scope *importer.Coverage `json:"scope,omitempty"`
	// Delta compares with the previous import of the same control and
	// target; with none, every finding appears and First is true.
	Delta importer.Delta `json:"delta"`
	First bool           `json:"first"`
	// Run is the import run stored, without its findings (Findings is
	// nil): the result's, which it stores, are a scan's tens of megabytes
	// of JSON.
	Run             sqlstore.ImportRun `json:"-"`
	RunID           string             `json:"import_id"`
	Raw             evident.Evidence   `json:"raw"`
	Derived         evident.Evidence   `json:"derived"`
	Vulnerabilities []evident.Incident `json:"vulnerabilities,omitempty"`
}

// Import is Check then Store, for a caller with one file (an HTTP upload).
func Import(ctx context.Context, l *ledger.Ledger, r io.Reader, opt Options) (Outcome, error) {
	c, err := Check(ctx, l, r, opt)
	if err != nil {
		return Outcome{}, err
	}
	return c.Store(ctx, l)
}

// Check reads and parses the file in the control's context and judges it.
// Errors about the file have code EINVALID and name it; nothing but the
// content-addressed blobs of a file that parsed is written.
func Check(ctx context.Context, l *ledger.Ledger, r io.Reader, opt Options) (*Checked, error) {
	src := Source{Filename: opt.Filename, Open: func() (io.ReadCloser, error) { return io.NopCloser(r), nil }}
	cs, err := CheckAll(ctx, l, []Source{src}, opt, nil)
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// Source is one file of a batch: the name it arrived with and how to open
// it. Open is called once, when the file's turn comes, so a batch holds one
// file in memory at a time.
type Source struct {
	Filename string
	Open     func() (io.ReadCloser, error)
	// Target and Systems, when set, replace the Options' for this file:
	// a batch of one single-host tool's runs, one file per host.
	Target  string
	Systems []evident.SystemVersion
}

// CheckAll checks files that share opt (each with its own Filename),
// reading the program once and making every blob durable in one group
// commit. Any bad file refuses the whole batch, naming the file; progress,
// when not nil, is called before each file.
func CheckAll(ctx context.Context, l *ledger.Ledger, srcs []Source, opt Options, progress func(i int)) ([]*Checked, error) {
	if strings.TrimSpace(opt.Control) == "" {
		return nil, evident.ErrorAt(evident.EINVALID, "control", "name the control the file is evidence for")
	}
	if opt.Actor == "" {
		return nil, evident.ErrorAt(evident.EINVALID, "actor", "missing: every record names who added it")
	}
	if l.ReadOnly() {
		return nil, evident.Errorf(evident.EINVALID, "the ledger is open read-only: no signing key")
	}
	if opt.Now.IsZero() {
		opt.Now = l.Store().Now()
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = importer.DefaultMaxBytes
	}
	m, err := l.Store().Model(ctx)
	if err != nil {
		return nil, err
	}
	ctl := m.ControlByID(opt.Control)
	if ctl == nil {
		return nil, evident.ErrorAt(evident.ENOTFOUND, "control", "no control %q in the program", opt.Control)
	}
	if opt.Format, err = formatFor(*ctl, opt.Format); err != nil {
		return nil, err
	}
	b := l.Blobs().Batch()
	defer b.Abort()
	out := make([]*Checked, len(srcs))
	for i, src := range srcs {
		if progress != nil {
			progress(i)
		}
		o := opt
		o.Filename = src.Filename
		if src.Target != "" {
			o.Target = src.Target
		}
		if src.Systems != nil {
			o.Systems = src.Systems
		}
		if out[i], err = checkOne(ctx, b, m, *ctl, src, o); err != nil {
			return nil, err
		}
	}
	if err := b.Commit(ctx); err != nil {
		return nil, fmt.Errorf("flush import blobs: %w", err)
	}
	return out, nil
}

// checkOne reads, parses and judges one file and stages its blobs.
func checkOne(ctx context.Context, b blob.Batch, m *evident.Model, ctl evident.Control, src Source, opt Options) (*Checked, error) {
	rc, err := src.Open()
	if err != nil {
		return nil, fileErr(opt.Filename, evident.Errorf(evident.EINVALID, "cannot read: %v", err))
	}
	defer rc.Close()
	c := &Checked{opt: opt, control: ctl, versions: map[string]string{}}
	for _, s := range m.Systems {
		c.versions[s.ID] = s.Version
	}
	c.Target, c.system = opt.Target, systemOf(m, opt.Target)
	pc := importer.Context{AllowedPorts: allowedPorts(m, ctl, c.system), TSARoots: opt.TSARoots, TSACerts: opt.TSACerts,
		StampedData: opt.StampedData, Issuers: opt.Issuers, Now: opt.Now, MaxBytes: opt.MaxBytes,
		Scope: scopeOf(m, ctl, c.system), Hosts: hostsOf(m, opt.Target)}
	if c.system == "" {
		pc.HostPorts = hostPorts(m)
	}
	raw, err := parseAndStage(ctx, b, rc, opt, pc, c)
	if err != nil {
		return nil, err
	}
	if c.Target == "" {
		c.Target = shortTarget(c.Result.Target)
		c.system = systemOf(m, c.Target)
	}
	criteria := ctl.Method.Criteria
	if len(criteria) == 0 {
		criteria, c.Defaulted = importer.DefaultCriteria(c.Result.Format), true
	}
	c.Verdict = importer.Evaluate(c.Result, criteria)
	if err := c.prepare(ctx, b, raw); err != nil {
		return nil, err
	}
	return c, nil
}

// staged is a blob Put in the batch: its address and size.
type staged struct {
	digest evident.Digest
	size   int64
	err    error
}

// parseAndStage reads the file once: every byte the parser reads is also
// hashed and staged in the batch, so a large scan is neither held whole
// nor read twice. The blob is complete only once the parser accepted the
// file; a refused file ends its blob with the refusal, so nothing of it is
// placed (a large blob on S3 is uploaded while it is staged).
func parseAndStage(ctx context.Context, b blob.Batch, rc io.Reader, opt Options, pc importer.Context, c *Checked) (staged, error) {
	pr, pw := io.Pipe()
	done := make(chan staged, 1)
	go func() {
		dg, n, err := b.Put(ctx, pr)
		pr.CloseWithError(err) // a Put that stops early unblocks the parser
		done <- staged{dg, n, err}
	}()
	w := &teeWriter{w: pw}
	in := io.TeeReader(io.LimitReader(rc, opt.MaxBytes+1), w)
	res, err := importer.Parse(ctx, opt.Format, in, pc)
	if err == nil {
		// Parse reads to the end of what it accepts; anything it left
		// belongs to the blob all the same.
		_, err = io.Copy(io.Discard, in)
	}
	if err != nil {
		pw.CloseWithError(errRefused)
		st := <-done
		if w.err != nil {
			// Staging failed first (a full disk, an unreachable bucket):
			// that, not the file, is what went wrong.
			return staged{}, fmt.Errorf("%s: store: %w", opt.Filename, st.err)
		}
		return staged{}, fileErr(opt.Filename, err)
	}
	pw.Close()
	st := <-done
	if st.err != nil {
		return staged{}, fmt.Errorf("%s: store: %w", opt.Filename, st.err)
	}
	c.Result = res
	return st, nil
}

// errRefused ends the blob of a file the parser refused.
var errRefused = errors.New("the file was refused")

// teeWriter keeps the first error writing to the blob, which tells a
// failed store from a refused file.
type teeWriter struct {
	w   io.Writer
	err error
}

func (t *teeWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil && t.err == nil {
		t.err = err
	}
	return n, err
}

// formatFor picks the format to parse with: the one named, which must
// agree with the control's, else the control's, else "" to detect.
func formatFor(ctl evident.Control, named string) (string, error) {
	if k := ctl.Method.Kind; k != "" && k != evident.MethodImport {
		return "", evident.ErrorAt(evident.EINVALID, "control", "control %q is verified by %s, not by importing tool output", ctl.ID, k)
	}
	want := ctl.Method.Format
	if named != "" && !slices.Contains(importer.Formats(), named) {
		return "", evident.ErrorAt(evident.EINVALID, "format", "unknown format %q: want one of %s", named, strings.Join(importer.Formats(), ", "))
	}
	if named != "" && want != "" && named != want {
		return "", evident.ErrorAt(evident.EINVALID, "format", "control %q takes %s output, not %s", ctl.ID, want, named)
	}
	if named == "" {
		return want, nil
	}
	return named, nil
}

// fileErr names the file in an error about its content, keeping the code.
func fileErr(name string, err error) error {
	if name == "" {
		name = "tool output"
	}
	code := evident.ErrorCode(err)
	if code == "" || code == evident.EINTERNAL {
		return fmt.Errorf("%s: %w", name, err)
	}
	return evident.Errorf(code, "%s: %s", name, evident.ErrorMessage(err))
}

// systemOf finds the system a target names: by id, name or scanned host.
func systemOf(m *evident.Model, target string) string {
	if target == "" {
		return ""
	}
	host := target
	if h, _, ok := strings.Cut(target, ":"); ok && !strings.Contains(target, "]") {
		host = h // testssl targets are host:port
	}
	for _, s := range []*evident.System{m.SystemByID(target), m.SystemByName(target), m.SystemByHost(host)} {
		if s != nil {
			return s.ID
		}
	}
	return ""
}

// scopeOf maps the hosts in scope to their systems: the hosts of the
// system the target names when it is one of the control's, else those of
// every system of the control. It is nil when none of them lists a host:
// then no scope is known, and coverage is not judged.
func scopeOf(m *evident.Model, ctl evident.Control, system string) map[string]string {
	systems := ctl.Systems
	if system != "" && slices.Contains(ctl.Systems, system) {
		systems = []string{system}
	}
	var out map[string]string
	for _, id := range systems {
		s := m.SystemByID(id)
		if s == nil {
			continue
		}
		for _, h := range s.Hosts {
			if out == nil {
				out = map[string]string{}
			}
			out[h] = s.ID
		}
	}
	return out
}

// hostsOf is what a target names for outputs that do not say which host
// they speak for (a chronyc report): a system, by id or name, stands for
// its hosts; anything else is a host.
func hostsOf(m *evident.Model, target string) []string {
	if target == "" {
		return nil
	}
	if s := m.SystemByName(target); s != nil {
		return s.Hosts
	}
	return []string{target}
}

// hostPorts maps every address the program's systems list to what their
// zone allows, so a scan across zones judges each host by its own zone
// rather than by what any of the control's zones allows.
func hostPorts(m *evident.Model) map[string][]string {
	out := map[string][]string{}
	for _, s := range m.Systems {
		z := m.ZoneOf(s.ID)
		if z == nil {
			continue
		}
		allowed := []string{}
		if !z.Offline {
			allowed = z.AllowedServices
		}
		for _, h := range s.Hosts {
			out[h] = allowed
		}
	}
	return out
}

// shortTarget bounds a tool's target: nmap names every host it scanned,
// and a scan of a whole network must still fit a ledger leaf and an index.
// The first and last host and the count still tell two scans apart.
func shortTarget(t string) string {
	hosts := strings.Fields(t)
	switch {
	case len(hosts) <= 8 && len(t) <= 256:
		return t
	case len(hosts) <= 1:
		return t[:256]
	}
	return fmt.Sprintf("%s … %s (%d hosts)", hosts[0], hosts[len(hosts)-1], len(hosts))
}

// allowedPorts is what may listen where the scan looked: the zone of the
// targeted system when the target names one, else every zone of the
// control's systems. An offline zone allows nothing, and a control without
// systems allows nothing, so every open port is unexpected.
func allowedPorts(m *evident.Model, ctl evident.Control, system string) []string {
	systems := ctl.Systems
	if system != "" {
		systems = []string{system}
	}
	var out []string
	for _, s := range systems {
		z := m.ZoneOf(s)
		if z == nil || z.Offline {
			continue
		}
		for _, svc := range z.AllowedServices {
			if !slices.Contains(out, svc) {
				out = append(out, svc)
			}
		}
	}
	return out
}
