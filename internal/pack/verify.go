package pack

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
)

// Problem kinds: each names a way a pack can be wrong. The wording is what
// `evident pack verify` prints and what tests look for.
const (
	Unreadable        = "unreadable pack"          // truncated, corrupt or not a zip
	UnsafeName        = "unsafe name"              // absolute, "..", backslash: path traversal
	Oversized         = "oversized entry"          // declared or actual size over the limits (zip bomb)
	DuplicateEntry    = "duplicate entry"          // two entries with one name
	ExtraFile         = "extra file"               // an entry the manifest does not account for
	MissingFile       = "missing file"             // an entry the manifest names is absent
	ChangedBlob       = "changed blob"             // evidence bytes do not hash to their name
	ChangedLeaf       = "changed leaf"             // leaf bytes do not hash to the manifest's leaf hash
	ChangedFile       = "changed file"             // index, VERIFY.md or trust file differs from its manifest hash
	EditedManifest    = "edited manifest"          // signature, or manifest disagreeing with the ledger
	BadSignature      = "bad signature"            // a checkpoint does not verify with the ledger key
	SwappedCheckpoint = "swapped checkpoint"       // a checkpoint is not the one its name or the manifest says
	Inconsistent      = "inconsistent checkpoints" // the log did not only grow between two checkpoints
	BadProof          = "bad proof"                // an item is not in the tree of the final checkpoint
	IncompletePeriod  = "incomplete period"        // a leaf received in the period is missing
	CoverageClaim     = "coverage claim"           // a period marked evidenced without evidence in the pack
	BadAnchor         = "bad anchor"               // an RFC 3161 token does not check
	UntrustedKey      = "untrusted key"            // the pack's key is not the one the verifier was given
	Forged            = "forged checkpoint"        // signed by a key a recovery retired
)

// Problem is one thing wrong with a pack, with the file it concerns.
type Problem struct {
	Kind    string `json:"kind"`
	File    string `json:"file,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.File != "" {
		return p.Kind + ": " + p.File + ": " + p.Message
	}
	return p.Kind + ": " + p.Message
}

// Report is what Verify found.
type Report struct {
	OK          bool    `json:"ok"`
	Pack        string  `json:"pack,omitempty"`
	Format      string  `json:"format,omitempty"`
	Program     string  `json:"program,omitempty"`
	Period      *Period `json:"period,omitempty"`
	Standard    string  `json:"standard,omitempty"`
	Origin      string  `json:"origin,omitempty"`
	Key         string  `json:"key,omitempty"`
	KeyChecked  bool    `json:"key_checked"` // the key was compared with one given to the verifier
	KeyMatches  bool    `json:"key_matches"` // ... and it was the same key
	Items       int     `json:"items"`
	Evidence    int     `json:"evidence"`
	Records     int     `json:"records"`
	Redacted    int     `json:"redacted"`
	Blobs       int     `json:"blobs"`
	Bytes       int64   `json:"bytes"`
	Checkpoints int     `json:"checkpoints"`
	Consistency int     `json:"consistency_proofs"`
	Anchors     int     `json:"anchors"`
	FinalSize   int64   `json:"final_size"`
	FinalRoot   string  `json:"final_root,omitempty"`
	// Previous is the earlier pack this one was compared with (--previous).
	Previous *PreviousReport   `json:"previous,omitempty"`
	Coverage []ControlCoverage `json:"coverage"`
	Problems []Problem         `json:"problems"`
	// KeyEvents are the rotations and recoveries of the ledger key the
	// pack carries, for the verifier to show who signed them.
	KeyEvents []ledger.KeyEvent `json:"key_events,omitempty"`
}

// PreviousReport is the earlier pack a pack was checked against.
type PreviousReport struct {
	Pack   string `json:"pack"`
	Format string `json:"format"`
	Size   int64  `json:"size"`
	Root   string `json:"root"`
}

// ControlCoverage is one control's coverage of the period as the pack
// proves it: gaps are findings for the assessor, not faults of the pack.
type ControlCoverage struct {
	Control  string   `json:"control"`
	Cadence  string   `json:"cadence"`
	Expected int      `json:"expected"`
	Found    int      `json:"found"`
	Open     int      `json:"open"` // windows still due or not started: not a gap yet
	Gaps     []string `json:"gaps"`
}

// Limits bound what Verify reads, so a hostile zip (a bomb, a huge
// manifest) costs bounded memory. Nothing is ever extracted to disk.
type Limits struct {
	MaxEntry int64   // largest entry, declared or actual
	MaxTotal int64   // sum of declared sizes
	MaxMeta  int64   // largest file read into memory (the manifest)
	MaxSmall int64   // leaves, proofs, checkpoints, tokens
	MaxRatio float64 // uncompressed/compressed for compressed entries over 1 MiB
}

// RatioFloor is the size above which a compressed entry's expansion
// ratio is checked against Limits.MaxRatio: small entries may compress
// well without being a bomb.
const RatioFloor = 1 << 20

// DefaultLimits fit any real pack: 64 GiB per file, 16 TiB in all.
var DefaultLimits = Limits{MaxEntry: 64 << 30, MaxTotal: 16 << 40, MaxMeta: 1 << 30, MaxSmall: 1 << 20, MaxRatio: 200}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Key, when set, is the ledger verifier key the assessor was given out
	// of band; the pack must be signed with it.
	Key      string
	Limits   Limits
	Progress func(done, total int64)
	// Previous, when set, is the final checkpoint of an earlier pack the
	// assessor kept (ReadHead): this pack's log must extend it.
	Previous *Head
}

// verifier carries the state of one verification.
type verifier struct {
	opt    VerifyOptions
	r      *Report
	files  map[string]*zip.File
	used   map[string]bool
	man    *Manifest
	key    note.Verifier
	keys   *ledger.KeyChain // nil: the log never changed keys
	final  ledger.ParsedCheckpoint
	leaves map[string]leafFacts // evidence id -> what its leaf says
	blobs  map[string]int64
	review reviewFacts
	// recomputed holds each control's windows as the leaves give them.
	recomputed map[string][]Window
	sched      scheduleRecords
	mu         sync.Mutex
}

type leafFacts struct {
	controls  []string
	effective evident.Effective
	verdict   evident.Verdict
	digest    string // the blob's SHA-256, hex
	actor     string // who submitted it
	ev        evident.Evidence
}

// Verify checks a pack read from r (size bytes) with no data directory and
// no network: the zip's names and sizes, the manifest's signature, every
// checkpoint's signature and their consistency, every leaf, inclusion
// proof and blob digest, that every file the manifest names is there and
// nothing else is, that no record of the period is missing, and that each
// period marked evidenced has its evidence in the pack. Integrity failures
// are in the report; the error is for failures to read.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opt VerifyOptions) (*Report, error) {
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	v := &verifier{opt: opt, r: &Report{Problems: []Problem{}, Coverage: []ControlCoverage{}},
		used: map[string]bool{}, leaves: map[string]leafFacts{}, blobs: map[string]int64{}, recomputed: map[string][]Window{}}
	if p := opt.Previous; p != nil {
		v.r.Previous = &PreviousReport{Pack: p.Pack, Format: p.Format, Size: p.Size, Root: base64.StdEncoding.EncodeToString(p.Root[:])}
	}
	err := v.run(ctx, newBlockCache(r, size), size)
	sort.SliceStable(v.r.Problems, func(i, j int) bool { return v.r.Problems[i].File < v.r.Problems[j].File })
	v.r.OK = len(v.r.Problems) == 0 && err == nil
	return v.r, err
}

func (v *verifier) add(kind, file, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.r.Problems = append(v.r.Problems, Problem{Kind: kind, File: file, Message: fmt.Sprintf(format, args...)})
}

func (v *verifier) run(ctx context.Context, r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		v.add(Unreadable, "", "the file is not a complete zip archive (truncated or corrupt): %v", err)
		return nil
	}
	if !v.scan(zr) {
		return nil
	}
	if !v.manifest() {
		return nil
	}
	// Rehashing the blobs is most of the work: it starts at once, from the
	// manifest's list, while the leaves, proofs and checkpoints are checked
	// (which also checks that the manifest's digests are the leaves').
	for _, it := range v.man.Items {
		if it.Path != "" && !it.Redacted {
			v.blobs[it.SHA256] = it.Size
		}
	}
	if v.man.Format == Format {
		v.documentBlobs()
	}
	hashed := make(chan error, 1)
	go func() { hashed <- v.checkBlobs(ctx) }()
	v.derived()
	v.checkpoints()
	v.items()
	if err := <-hashed; err != nil {
		return err
	}
	v.coverage()
	if v.man.Format != FormatV1 {
		v.boundaries()
		v.windows()
		v.index()
	}
	if v.man.Format == Format {
		v.registers()
	}
	v.chain()
	v.extra()
	return nil
}

// scan checks every entry's name and sizes before anything is read. It
// returns false when the archive is too hostile to read further.
func (v *verifier) scan(zr *zip.Reader) bool {
	v.files = map[string]*zip.File{}
	var total uint64
	ok := true
	lim := v.opt.Limits
	for _, f := range zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") && cleanName(strings.TrimSuffix(name, "/")) && f.UncompressedSize64 == 0 {
			continue // a directory entry, as zip tools add when re-zipping
		}
		if !cleanName(name) {
			v.add(UnsafeName, name, "entry name is not a plain relative path (absolute, \"..\", backslash or empty element): refused")
			ok = false
			continue
		}
		if !f.Mode().IsRegular() {
			v.add(UnsafeName, name, "entry is not a regular file (%s): refused", f.Mode().Type())
			ok = false
			continue
		}
		if _, dup := v.files[name]; dup {
			v.add(DuplicateEntry, name, "the zip holds two entries with this name")
			ok = false
			continue
		}
		total += f.UncompressedSize64
		switch {
		case f.UncompressedSize64 > uint64(lim.MaxEntry):
			v.add(Oversized, name, "declares %d bytes, over the limit of %d", f.UncompressedSize64, lim.MaxEntry)
			ok = false
			continue
		case f.Method != zip.Store && f.UncompressedSize64 > RatioFloor &&
			float64(f.UncompressedSize64) > lim.MaxRatio*float64(max(f.CompressedSize64, 1)):
			v.add(Oversized, name, "expands %d bytes to %d, more than %.0f times: a zip bomb", f.CompressedSize64, f.UncompressedSize64, lim.MaxRatio)
			ok = false
			continue
		}
		v.files[name] = f
	}
	if total > uint64(lim.MaxTotal) {
		v.add(Oversized, "", "the entries declare %d bytes in all, over the limit of %d", total, lim.MaxTotal)
		return false
	}
	return ok || v.files[ManifestName] != nil
}

// open opens an entry the manifest names for reading, marking it read,
// once its declared size is within limit. A missing, oversized or
// unopenable entry is reported and nil returned.
func (v *verifier) open(name string, limit int64) io.ReadCloser {
	f := v.files[name]
	if f == nil {
		v.add(MissingFile, name, "named by the manifest but not in the pack")
		return nil
	}
	v.mark(name)
	if f.UncompressedSize64 > uint64(limit) {
		v.add(Oversized, name, "declares %d bytes, over the limit of %d for this file", f.UncompressedSize64, limit)
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		v.add(Unreadable, name, "%v", err)
		return nil
	}
	return rc
}

// read returns an entry's bytes, at most limit of them. A missing entry is
// reported and nil returned.
func (v *verifier) read(name string, limit int64) []byte {
	rc := v.open(name, limit)
	if rc == nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if !v.readWhole(name, int64(len(b)), limit, err) {
		return nil
	}
	return b
}

// readWhole reports how reading an entry of at most limit bytes ended,
// n bytes read and err the reader's error: a read error or more than
// limit bytes is reported, and false returned.
func (v *verifier) readWhole(name string, n, limit int64, err error) bool {
	switch {
	case err != nil:
		v.add(Unreadable, name, "%v (the entry is corrupt or its size was misdeclared)", err)
		return false
	case n > limit:
		v.add(Oversized, name, "holds more than %d bytes", limit)
		return false
	}
	return true
}

// decode reads an entry as one JSON value into into, at most limit bytes
// of it, streaming: a manifest or index of a hundred thousand items is
// tens of megabytes, and reading it whole before decoding held it twice
// over. Problems are reported as read reports them, and a value that is
// not readable JSON as kind; strict refuses fields into does not have.
// Anything after the value but white space is refused, as json.Unmarshal
// refuses it. When sum is not nil every byte of the entry, the value and
// anything after it, is hashed into it, for the signature over the
// entry's bytes.
func (v *verifier) decode(name string, limit int64, into any, strict bool, kind, what string, sum hash.Hash) bool {
	rc := v.open(name, limit)
	if rc == nil {
		return false
	}
	defer rc.Close()
	src := &entryReader{r: io.LimitReader(rc, limit+1), sum: sum}
	dec := json.NewDecoder(src)
	if strict {
		dec.DisallowUnknownFields()
	}
	derr := dec.Decode(into)
	if derr == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			derr = fmt.Errorf("data after the top-level value")
		}
	}
	// The rest is read whatever the value was: the size limit and the
	// hash are over every byte.
	if src.err == nil {
		_, src.err = io.Copy(io.Discard, src)
	}
	if !v.readWhole(name, src.n, limit, src.err) {
		return false
	}
	if derr != nil {
		v.add(kind, name, "not a readable %s: %v", what, derr)
		return false
	}
	return true
}

// entryReader counts and hashes what is read through it and keeps its
// read error apart from the decoder's, so a corrupt entry is reported as
// unreadable rather than as JSON that does not parse.
type entryReader struct {
	r   io.Reader
	sum hash.Hash
	n   int64
	err error
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if e.sum != nil {
		e.sum.Write(p[:n])
	}
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

func (v *verifier) mark(name string) {
	v.mu.Lock()
	v.used[name] = true
	v.mu.Unlock()
}

// manifest reads MANIFEST.json, the key and SIGNATURE.note. Without a
// readable manifest and key nothing else can be checked.
func (v *verifier) manifest() bool {
	var m Manifest
	sum := sha256.New()
	if !v.decode(ManifestName, v.opt.Limits.MaxMeta, &m, true, EditedManifest, "manifest", sum) {
		return false
	}
	if !slices.Contains(Formats, m.Format) {
		v.add(EditedManifest, ManifestName, "format %q; this verifier reads %s", m.Format, strings.Join(Formats, ", "))
		return false
	}
	if m.Format != Format && m.Documents != nil {
		v.add(EditedManifest, ManifestName, "format %s does not have documents", m.Format)
	}
	if m.Format == FormatV1 && (m.Boundary != nil || m.Previous != nil || slices.ContainsFunc(m.Coverage, func(c Coverage) bool { return c.Schedule != nil })) {
		v.add(EditedManifest, ManifestName, "format %s does not have boundary, previous or schedule fields", FormatV1)
	}
	v.man = &m
	v.r.Format = m.Format
	v.r.Pack, v.r.Program, v.r.Period, v.r.Origin = m.ID, m.Program.Name, &m.Period, m.Origin
	v.r.Standard = strings.Join(append([]string{m.Program.Standard + "@" + m.Program.Version}, m.Program.Overlays...), " + ")
	pub := v.read(KeyName, v.opt.Limits.MaxSmall)
	if pub == nil {
		return false
	}
	key := strings.TrimSpace(string(pub))
	v.r.Key = key
	if v.opt.Key != "" {
		v.r.KeyChecked = true
		// A key of the log's key chain is as good (see keyChain).
		v.r.KeyMatches = key == strings.TrimSpace(v.opt.Key)
	}
	if m.Key != key {
		v.add(EditedManifest, ManifestName, "names key %q but trust/ledger.pub holds %q", m.Key, key)
	}
	nv, err := note.NewVerifier(key)
	if err != nil {
		v.add(EditedManifest, KeyName, "not a ledger verifier key: %v", err)
		return false
	}
	v.key = nv
	v.keyChain(key)
	if m.Origin != nv.Name() {
		v.add(EditedManifest, ManifestName, "origin %q is not the key's name %q", m.Origin, nv.Name())
	}
	sig := v.read(SignatureName, v.opt.Limits.MaxSmall)
	if sig != nil {
		n, err := note.Open(sig, note.VerifierList(nv))
		switch {
		case err != nil:
			v.add(EditedManifest, SignatureName, "the manifest signature does not verify with the ledger key: %v", err)
		case n.Text != signatureTextOf(hex.EncodeToString(sum.Sum(nil))):
			v.add(EditedManifest, ManifestName, "MANIFEST.json has changed since it was signed: its SHA-256 is not the one in SIGNATURE.note")
		}
	}
	return true
}

// derived checks index.*, VERIFY.md and trust files against their hashes.
func (v *verifier) derived() {
	for _, name := range []string{IndexHTML, IndexJSON, IndexXLSX, VerifyName, KeyName} {
		if _, ok := v.man.Files[name]; !ok {
			v.add(EditedManifest, ManifestName, "lists no hash for %s", name)
		}
	}
	for _, name := range slices.Sorted(mapsKeys(v.man.Files)) {
		if !cleanName(name) {
			v.add(UnsafeName, ManifestName, "names file %q", name)
			continue
		}
		got, ok := v.hashEntry(name)
		if ok && got != v.man.Files[name] {
			v.add(ChangedFile, name, "hashes to %s, the manifest says %s", got, v.man.Files[name])
		}
	}
}

// hashEntry streams an entry through SHA-256.
func (v *verifier) hashEntry(name string) (string, bool) {
	f := v.files[name]
	if f == nil {
		v.add(MissingFile, name, "named by the manifest but not in the pack")
		return "", false
	}
	v.mark(name)
	h := sha256.New()
	if _, err := v.copyEntry(h, f, make([]byte, copyBuf)); err != nil {
		v.add(Unreadable, name, "%v", err)
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// copyEntry copies an entry's content to w, never more than its declared
// size and the entry limit. Stored entries are read raw: the digest check
// that follows is stronger than the zip's CRC.
func (v *verifier) copyEntry(w io.Writer, f *zip.File, buf []byte) (int64, error) {
	var rd io.Reader
	if f.Method == zip.Store {
		raw, err := f.OpenRaw()
		if err != nil {
			return 0, err
		}
		rd = raw
	} else {
		rc, err := f.Open()
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		rd = rc
	}
	limit := min(int64(f.UncompressedSize64), v.opt.Limits.MaxEntry)
	n, err := io.CopyBuffer(w, io.LimitReader(rd, limit+1), buf)
	if err != nil {
		return n, fmt.Errorf("%w (the entry is corrupt or its size was misdeclared)", err)
	}
	if n != int64(f.UncompressedSize64) {
		return n, fmt.Errorf("holds %d bytes but declares %d", n, f.UncompressedSize64)
	}
	return n, nil
}

// checkpoints verifies each checkpoint, its anchor and the consistency of
// consecutive ones, then the final checkpoint every proof is against.
func (v *verifier) checkpoints() {
	m := v.man
	var roots *x509.CertPool
	if pem, ok := m.Files[TSARootsName]; ok && pem != "" {
		if b := v.read(TSARootsName, v.opt.Limits.MaxSmall); b != nil {
			roots = x509.NewCertPool()
			if !roots.AppendCertsFromPEM(b) {
				v.add(BadAnchor, TSARootsName, "holds no PEM certificate")
			}
		}
	}
	parsed := map[int64]ledger.ParsedCheckpoint{}
	notes := map[int64][]byte{}
	var prev int64 = -1
	for _, c := range m.Checkpoints {
		if c.Path != CheckpointPath(c.Size) {
			v.add(EditedManifest, ManifestName, "checkpoint %d is listed at %q, not %q", c.Size, c.Path, CheckpointPath(c.Size))
			continue
		}
		if c.Size <= prev {
			v.add(EditedManifest, ManifestName, "checkpoint %d is listed after %d: checkpoints must grow", c.Size, prev)
		}
		prev = c.Size
		b := v.read(c.Path, v.opt.Limits.MaxSmall)
		if b == nil {
			continue
		}
		v.r.Checkpoints++
		pc, kind, err := v.openCheckpoint(b, c.Size)
		if err != nil {
			v.add(kind, c.Path, "%s", evident.ErrorMessage(err))
			continue
		}
		if pc.Size != c.Size || pc.Origin != m.Origin {
			v.add(SwappedCheckpoint, c.Path, "holds the checkpoint of %s at size %d, not of %s at size %d", pc.Origin, pc.Size, m.Origin, c.Size)
			continue
		}
		parsed[c.Size], notes[c.Size] = pc, b
		if c.Anchor != "" {
			v.anchor(c, b, roots)
		}
	}
	v.consistency(parsed)
	v.finalCheckpoint(parsed, notes)
}

func (v *verifier) anchor(c Checkpoint, note []byte, roots *x509.CertPool) {
	if c.Anchor != AnchorPath(c.Size) {
		v.add(EditedManifest, ManifestName, "anchor of checkpoint %d is listed at %q", c.Size, c.Anchor)
		return
	}
	tok := v.read(c.Anchor, v.opt.Limits.MaxSmall)
	if tok == nil {
		return
	}
	v.r.Anchors++
	if roots == nil {
		v.add(BadAnchor, c.Anchor, "cannot be checked: the pack has no TSA trust anchors (trust/tsa-roots.pem)")
		return
	}
	if _, err := ledger.CheckToken(tok, note, nil, roots); err != nil {
		v.add(BadAnchor, c.Anchor, "%s", evident.ErrorMessage(err))
	}
}

// consistency checks a proof between each consecutive pair of checkpoints
// with tlog and, independently, with transparency-dev/merkle.
func (v *verifier) consistency(parsed map[int64]ledger.ParsedCheckpoint) {
	proofs := map[[2]int64]Consistency{}
	for _, c := range v.man.Consistency {
		proofs[[2]int64{c.From, c.To}] = c
	}
	cps := v.man.Checkpoints
	for i := 1; i < len(cps); i++ {
		a, b := cps[i-1].Size, cps[i].Size
		if a == 0 {
			continue
		}
		c, ok := proofs[[2]int64{a, b}]
		if !ok || c.Path != ConsistencyPath(a, b) {
			v.add(MissingFile, ConsistencyPath(a, b), "no consistency proof between checkpoints %d and %d", a, b)
			continue
		}
		delete(proofs, [2]int64{a, b})
		raw := v.read(c.Path, v.opt.Limits.MaxSmall)
		pa, okA := parsed[a]
		pb, okB := parsed[b]
		if raw == nil || !okA || !okB {
			continue
		}
		v.r.Consistency++
		m, n, p, err := parseConsistency(raw)
		if err != nil || m != a || n != b {
			v.add(Inconsistent, c.Path, "not a consistency proof from %d to %d: %v", a, b, err)
			continue
		}
		err = tlog.CheckTree(p, b, pb.Root, a, pa.Root)
		if err == nil {
			err = proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(a), uint64(b), hashBytes(p), pa.Root[:], pb.Root[:])
		}
		if err != nil {
			v.add(Inconsistent, c.Path, "checkpoint %d is not an extension of checkpoint %d: the log was rewritten between them (%v)", b, a, err)
		}
	}
	for k, c := range proofs {
		v.add(EditedManifest, ManifestName, "lists a consistency proof %d-%d between checkpoints that are not consecutive", k[0], k[1])
		v.mark(c.Path)
	}
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// finalCheckpoint checks the manifest's final checkpoint: it verifies, and
// it is the last checkpoint file, byte for byte.
func (v *verifier) finalCheckpoint(parsed map[int64]ledger.ParsedCheckpoint, notes map[int64][]byte) {
	f := v.man.Final
	pc, kind, err := v.openCheckpoint([]byte(f.Note), f.Size)
	if err != nil {
		v.add(kind, ManifestName, "final checkpoint: %s", evident.ErrorMessage(err))
		return
	}
	v.final = pc
	v.r.FinalSize = pc.Size
	v.r.FinalRoot = base64.StdEncoding.EncodeToString(pc.Root[:])
	if pc.Size != f.Size || base64.StdEncoding.EncodeToString(pc.Root[:]) != f.Root {
		v.add(EditedManifest, ManifestName, "final checkpoint fields (size %d) differ from its signed note (size %d)", f.Size, pc.Size)
	}
	n := len(v.man.Checkpoints)
	if n == 0 || v.man.Checkpoints[n-1].Size != pc.Size {
		v.add(SwappedCheckpoint, ManifestName, "the final checkpoint (size %d) is not the last checkpoint of the pack", pc.Size)
		return
	}
	if b, ok := notes[pc.Size]; ok && !bytes.Equal(b, []byte(f.Note)) {
		v.add(SwappedCheckpoint, CheckpointPath(pc.Size), "differs from the final checkpoint in the manifest")
	}
}

// items checks every item's leaf and inclusion proof, and that the range
// of the period's records has no hole.
func (v *verifier) items() {
	m := v.man
	v.r.Items = len(m.Items)
	have := map[int64]bool{}
	prev := int64(-1)
	for _, it := range m.Items {
		if it.Index <= prev {
			v.add(EditedManifest, ManifestName, "item %d is listed after %d: items must be in ledger order, once each", it.Index, prev)
		}
		prev = it.Index
		have[it.Index] = true
		v.item(it)
	}
	r := m.Records
	if r.First < 0 || r.End < r.First || (v.final.Size > 0 && r.End > v.final.Size) {
		v.add(EditedManifest, ManifestName, "record range [%d, %d) is not inside the final tree of %d", r.First, r.End, v.final.Size)
		return
	}
	var missing []string
	for i := r.First; i < r.End; i++ {
		if !have[i] {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		if len(missing) > 10 {
			missing = append(missing[:10], fmt.Sprintf("and %d more", len(missing)-10))
		}
		v.add(IncompletePeriod, ManifestName, "ledger leaves %s were received in the period but are not in the pack", strings.Join(missing, ", "))
	}
}

func (v *verifier) item(it Item) {
	if v.final.Size == 0 {
		return
	}
	var leaf []byte
	var leafHash tlog.Hash
	if it.Redacted {
		v.r.Redacted++
		h, err := hex.DecodeString(it.LeafHash)
		if err != nil || len(h) != tlog.HashSize {
			v.add(EditedManifest, ManifestName, "item %d: leaf_hash %q is not a SHA-256", it.Index, it.LeafHash)
			return
		}
		leafHash = tlog.Hash(h)
	} else {
		if leaf = v.read(LeafPath(it.Index), v.opt.Limits.MaxSmall); leaf == nil {
			return
		}
		leafHash = tlog.RecordHash(leaf)
		if hex.EncodeToString(leafHash[:]) != it.LeafHash {
			v.add(ChangedLeaf, LeafPath(it.Index), "hashes to %x, the manifest says %s", leafHash, it.LeafHash)
		}
	}
	v.inclusion(it, leaf, leafHash)
	if leaf != nil {
		v.leafAgrees(it, leaf)
	}
}

// inclusion checks the item's proof: against the final checkpoint, with
// tlog and independently with transparency-dev/merkle.
func (v *verifier) inclusion(it Item, leaf []byte, leafHash tlog.Hash) {
	name := ProofPath(it.Index)
	raw := v.read(name, v.opt.Limits.MaxSmall)
	if raw == nil {
		return
	}
	p, err := ledger.ParseProof(raw, leaf)
	if err != nil {
		v.add(BadProof, name, "%s", evident.ErrorMessage(err))
		return
	}
	if p.Index != it.Index {
		v.add(BadProof, name, "proves leaf %d, not %d", p.Index, it.Index)
		return
	}
	if !bytes.Equal(p.Checkpoint, []byte(v.man.Final.Note)) {
		v.add(SwappedCheckpoint, name, "the proof is against another checkpoint than the pack's final one")
		return
	}
	err = tlog.CheckRecord(p.Hashes, v.final.Size, v.final.Root, it.Index, leafHash)
	if err == nil {
		err = proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(it.Index), uint64(v.final.Size), leafHash[:], hashBytes(p.Hashes), v.final.Root[:])
	}
	if err != nil {
		v.add(BadProof, name, "leaf %d is not in the tree of the final checkpoint (size %d): %v", it.Index, v.final.Size, err)
	}
}

// leafAgrees compares what the manifest says about an item with its leaf,
// the ledger's own record, and notes the blob to hash.
func (v *verifier) leafAgrees(it Item, leaf []byte) {
	rec, err := evident.ParseRecord(leaf)
	if err != nil {
		v.add(ChangedLeaf, LeafPath(it.Index), "%s", evident.ErrorMessage(err))
		return
	}
	if rec.Kind != it.Kind || rec.ID != it.ID {
		v.add(EditedManifest, ManifestName, "item %d is listed as %s %s but its leaf is %s %s", it.Index, it.Kind, it.ID, rec.Kind, rec.ID)
		return
	}
	if !rec.At.Equal(it.Received) || rec.Actor != it.Actor {
		v.add(EditedManifest, ManifestName, "item %d (%s %s) differs from its ledger leaf in received or actor", it.Index, it.Kind, it.ID)
	}
	if rec.Kind != evident.EvidenceRecordKind {
		v.noteRecord(rec, it.Index)
		v.noteSchedule(rec, it.Index)
		v.r.Records++
		if it.SHA256 != "" || it.Path != "" {
			v.add(EditedManifest, ManifestName, "item %d is a %s record, yet the manifest gives it a blob", it.Index, rec.Kind)
		}
		return
	}
	v.r.Evidence++
	ev, err := evident.EvidenceFromRecord(rec)
	if err != nil {
		v.add(ChangedLeaf, LeafPath(it.Index), "%s", evident.ErrorMessage(err))
		return
	}
	if f := itemDiff(it, ev, rec); f != "" {
		v.add(EditedManifest, ManifestName, "item %d (evidence %s) differs from its ledger leaf in %s", it.Index, it.ID, f)
		return
	}
	ev.LedgerIndex = it.Index
	v.leaves[ev.ID] = leafFacts{controls: ev.Controls, effective: ev.Effective, verdict: ev.Verdict, digest: ev.Digest.String(), actor: ev.Actor, ev: ev}
}

// itemDiff names the first field of an evidence item that its leaf does
// not say, or returns "".
func itemDiff(it Item, ev evident.Evidence, rec evident.Record) string {
	var reqs []string
	for _, q := range ev.Requirements {
		reqs = append(reqs, q.String())
	}
	switch {
	case ev.Digest.String() != it.SHA256:
		return "sha256"
	case ev.Size != it.Size:
		return "size"
	case it.Path != BlobPath(it.SHA256):
		return "path"
	case ev.MediaType != it.MediaType:
		return "media_type"
	case ev.Filename != it.Filename:
		return "filename"
	case ev.Effective.String() != it.Effective:
		return "effective"
	case !slices.Equal(ev.Controls, it.Controls):
		return "controls"
	case !slices.Equal(reqs, it.Requirements):
		return "requirements"
	case !slices.Equal(ev.Services, it.Services):
		return "services"
	case string(ev.Verdict) != it.Verdict:
		return "verdict"
	case ev.Supersedes != it.Supersedes:
		return "supersedes"
	}
	return ""
}

// checkBlobs rehashes every blob, on all cores.
func (v *verifier) checkBlobs(ctx context.Context) error {
	keys := slices.Sorted(mapsKeys(v.blobs))
	var total int64
	for _, k := range keys {
		total += v.blobs[k]
	}
	v.r.Blobs = len(keys)
	jobs := make(chan string)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, copyBuf) // one per worker: no garbage per blob
			for k := range jobs {
				n := v.checkBlob(k, buf)
				d := done.Add(n)
				if v.opt.Progress != nil {
					v.opt.Progress(d, total)
				}
			}
		}()
	}
	var err error
	for _, k := range keys {
		if err = ctx.Err(); err != nil {
			break
		}
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	v.r.Bytes = done.Load()
	return err
}

func (v *verifier) checkBlob(hexDigest string, buf []byte) int64 {
	name := BlobPath(hexDigest)
	f := v.files[name]
	if f == nil {
		v.add(MissingFile, name, "evidence named by the manifest and its ledger leaf is not in the pack")
		return 0
	}
	v.mark(name)
	if f.UncompressedSize64 != uint64(v.blobs[hexDigest]) {
		v.add(ChangedBlob, name, "is %d bytes, its ledger record says %d", f.UncompressedSize64, v.blobs[hexDigest])
		return 0
	}
	h := sha256.New()
	n, err := v.copyEntry(h, f, buf)
	if err != nil {
		v.add(ChangedBlob, name, "cannot be read: %v", err)
		return n
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hexDigest {
		v.add(ChangedBlob, name, "has changed: its content hashes to %s", got)
	}
	return n
}

// coverage checks each window claimed satisfied against the evidence in
// the pack, and reports each control's gaps.
func (v *verifier) coverage() {
	p := v.man.Period
	for _, c := range v.man.Coverage {
		cc := ControlCoverage{Control: c.Control, Cadence: c.Cadence, Gaps: []string{}}
		for _, w := range c.Windows {
			win := evident.Window{Start: w.Start, End: w.End}
			if !w.End.After(p.From) || !w.Start.Before(p.To) {
				v.add(CoverageClaim, ManifestName, "control %s: window %s to %s lies outside the period", c.Control, day(w.Start), day(w.End))
				continue
			}
			switch w.State {
			case evident.PeriodExcepted:
				continue
			case evident.PeriodSatisfied:
				cc.Found++
				v.backed(c, w, win)
			case evident.PeriodDue, evident.PeriodUpcoming:
				cc.Open++
			case evident.PeriodMissed, evident.PeriodOverdue, evident.PeriodFailing:
				cc.Gaps = append(cc.Gaps, fmt.Sprintf("%s to %s %s", day(w.Start), day(w.End.Add(-time.Nanosecond)), w.State))
			}
			cc.Expected++
		}
		if cc.Found != c.Found || cc.Expected != c.Expected {
			v.add(CoverageClaim, ManifestName, "control %s claims %d of %d periods evidenced; its windows show %d of %d", c.Control, c.Found, c.Expected, cc.Found, cc.Expected)
		}
		v.r.Coverage = append(v.r.Coverage, cc)
	}
}

// backed checks that a satisfied window has enough passing evidence of its
// control, effective in it, among the pack's items.
func (v *verifier) backed(c Coverage, w Window, win evident.Window) {
	good := 0
	for _, id := range w.Evidence {
		f, ok := v.leaves[id]
		switch {
		case !ok:
			v.add(CoverageClaim, ManifestName, "control %s, period %s to %s: evidence %s is not in the pack", c.Control, day(w.Start), day(w.End), id)
		case !slices.Contains(f.controls, c.Control):
			v.add(CoverageClaim, ManifestName, "control %s, period %s to %s: evidence %s is not filed under the control", c.Control, day(w.Start), day(w.End), id)
		case !overlaps(f.effective, evident.Effective{From: win.Start, To: win.End}):
			v.add(CoverageClaim, ManifestName, "control %s, period %s to %s: evidence %s is effective %s, outside the period", c.Control, day(w.Start), day(w.End), id, f.effective)
		case f.verdict == evident.VerdictFail:
			// Counted but not passing: a window can hold a failure that a
			// later passing result answered.
		case c.Reviewed && !v.accepted(c, w, id, f):
			// Reported by accepted: a reviewed item counts only accepted.
		default:
			good++
		}
	}
	if good < max(c.Needs, 1) {
		v.add(CoverageClaim, ManifestName, "control %s, period %s to %s is marked evidenced with %d of the %d passing items it needs", c.Control, day(w.Start), day(w.End), good, max(c.Needs, 1))
	}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// extra reports every entry nothing in the manifest accounts for.
func (v *verifier) extra() {
	for _, name := range slices.Sorted(mapsKeys(v.files)) {
		if !v.used[name] {
			v.add(ExtraFile, name, "not accounted for by the manifest: a file was added to the pack")
		}
	}
}
