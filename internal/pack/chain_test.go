package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/sqlstore"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

var (
	apr2026 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	jul2026 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
)

// exportPeriod writes the pack of [from, to) as of the fixture's clock,
// linked to prev when it is set.
func exportPeriod(t testing.TB, f *fixture, from, to time.Time, prev *Head) ([]byte, *Manifest) {
	t.Helper()
	var buf bytes.Buffer
	man, err := Export(context.Background(), f.src, Options{From: from, To: to, Actor: "alice@ops", Now: f.clock.Now(), Previous: prev}, &buf)
	if err != nil {
		t.Fatalf("export %s to %s: %v", evident.UTC(from), evident.UTC(to), err)
	}
	return buf.Bytes(), packManifest(t, buf.Bytes(), man)
}

// headOf verifies an earlier pack and returns its final checkpoint, as
// pack verify --previous does.
func headOf(t testing.TB, b []byte) *Head {
	t.Helper()
	h, _, err := ReadHead(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{})
	if err != nil {
		t.Fatalf("previous pack: %v", err)
	}
	return &h
}

func verifyAfter(t testing.TB, b []byte, prev *Head) *Report {
	t.Helper()
	r, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), VerifyOptions{Previous: prev})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return r
}

// resign rewrites a pack as an insider holding the ledger key would: edit
// changes the manifest and the entries (nil data drops an entry), then
// the derived files' hashes and the manifest signature are made anew, so
// only checks against the leaves can catch the edit.
func resign(t testing.TB, b []byte, signer note.Signer, edit func(m *Manifest, files map[string][]byte)) []byte {
	t.Helper()
	es := readEntries(t.(*testing.T), b)
	files := map[string][]byte{}
	for _, e := range es {
		files[e.name] = e.data
	}
	var m Manifest
	if err := json.Unmarshal(files[ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	edit(&m, files)
	for name := range m.Files {
		sum := sha256.Sum256(files[name])
		m.Files[name] = hex.EncodeToString(sum[:])
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, '\n')
	files[ManifestName] = raw
	sig, err := note.Sign(&note.Note{Text: signatureText(raw)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	files[SignatureName] = sig
	var out []entry
	for _, e := range es {
		if d, ok := files[e.name]; ok && d != nil {
			out = append(out, entry{e.name, e.method, d})
		}
	}
	return writeEntries(t.(*testing.T), out)
}

// wantProblemText fails unless a problem of kind says every one of texts.
func wantProblemSays(t *testing.T, r *Report, kind, file string, texts ...string) {
	t.Helper()
	if r.OK {
		t.Fatalf("the pack verified OK; want a %q problem", kind)
	}
	for _, p := range r.Problems {
		if p.Kind != kind || !strings.Contains(p.File, file) {
			continue
		}
		all := true
		for _, s := range texts {
			all = all && strings.Contains(p.Message, s)
		}
		if all {
			return
		}
	}
	t.Errorf("want a %q problem on %q saying %q; got:\n%s", kind, file, texts, problems(r))
}

// chained is a store with the first half of 2026, its first-quarter pack,
// one more record, and its second-quarter pack exported with the first as
// --previous.
type chained struct {
	f      *fixture
	q1, q2 []byte
	m1, m2 *Manifest
}

func newChained(t *testing.T, open func(now func() time.Time) *sqlstore.Store) *chained {
	t.Helper()
	f := newFixtureUntil(t, open, jul2026)
	c := &chained{f: f}
	f.clock.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC))
	c.q1, c.m1 = exportPeriod(t, f, year2026, apr2026, nil)
	f.clock.Set(time.Date(2026, 7, 3, 9, 0, 0, 0, time.UTC))
	if _, err := f.led.AddEvidence(context.Background(), ledger.EvidenceInput{Actor: "alice", Controls: []string{"policy-review"}, Filename: "jul.txt",
		Effective: evident.Effective{From: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)}}, strings.NewReader("July review\n")); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2026, 7, 4, 9, 0, 0, 0, time.UTC))
	c.q2, c.m2 = exportPeriod(t, f, apr2026, jul2026, headOf(t, c.q1))
	return c
}

// TestPackChainsToThePrevious: on SQLite and PostgreSQL, a pack exported
// with --previous proves its log extends the earlier pack's; checked the
// other way round (the old pack as the new one), it is a rollback.
func TestPackChainsToThePrevious(t *testing.T) {
	opens := map[string]func(t *testing.T) func(now func() time.Time) *sqlstore.Store{
		"sqlite": func(t *testing.T) func(now func() time.Time) *sqlstore.Store { return sqliteStore(t) },
		"postgres": func(t *testing.T) func(now func() time.Time) *sqlstore.Store {
			return func(now func() time.Time) *sqlstore.Store { return storetest.Postgres(t, now) }
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			c := newChained(t, open(t))
			if c.m2.Previous == nil || c.m2.Previous.Size != c.m1.Final.Size || c.m2.Previous.Path == "" {
				t.Fatalf("the second pack does not link to the first: %+v", c.m2.Previous)
			}
			r := verifyAfter(t, c.q2, headOf(t, c.q1))
			if !r.OK || r.Previous == nil || r.Previous.Size != c.m1.Final.Size {
				t.Fatalf("the chained pack does not verify after the first:\n%s", problems(r))
			}
			// Rollback: the assessor holds the newer pack and is handed the
			// older one as this year's.
			r = verifyAfter(t, c.q1, headOf(t, c.q2))
			wantProblemSays(t, r, Rollback, ManifestName, c.m2.Final.Root, c.m1.Final.Root,
				"size "+itoa(c.m2.Final.Size), "size "+itoa(c.m1.Final.Size))
			// A pack exported without --previous cannot prove the link.
			c.f.clock.Set(time.Date(2026, 7, 5, 9, 0, 0, 0, time.UTC))
			plain, _ := exportPeriod(t, c.f, apr2026, jul2026, nil)
			wantProblem(t, verifyAfter(t, plain, headOf(t, c.q1)), Unlinked, ManifestName)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPackChainDetectsAFork: a second store of the same ledger key (an old
// copy written on) signs a tree of the same size with another root. Its
// pack is a fork of the pack the assessor kept, and exporting from it
// with --previous is refused.
func TestPackChainDetectsAFork(t *testing.T) {
	c := newChained(t, sqliteStore(t))
	g := newFixtureKeyed(t, sqliteStore(t), jul2026, t.TempDir(), c.f)
	g.clock.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, time.UTC))
	fork, fm := exportPeriod(t, g, year2026, apr2026, nil)
	if fm.Final.Size != c.m1.Final.Size || fm.Final.Root == c.m1.Final.Root {
		t.Fatalf("the forked store's tree (%d, %s) is not the same size with another root as (%d, %s); the test proves nothing",
			fm.Final.Size, fm.Final.Root, c.m1.Final.Size, c.m1.Final.Root)
	}
	wantProblemSays(t, verifyAfter(t, fork, headOf(t, c.q1)), Fork, ManifestName, c.m1.Final.Root, fm.Final.Root)
	// The chained pack's proof starts from the kept pack's root, not the
	// fork's: checked against the fork it names both roots.
	wantProblemSays(t, verifyAfter(t, c.q2, headOf(t, fork)), Fork, ManifestName, c.m1.Final.Root, fm.Final.Root)
	g.clock.Set(time.Date(2026, 7, 4, 9, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	_, err := Export(context.Background(), g.src, Options{From: apr2026, To: jul2026, Now: g.clock.Now(), Previous: headOf(t, c.q1)}, &buf)
	if err == nil || !strings.Contains(evident.ErrorMessage(err), "forked") {
		t.Errorf("export from the forked store after the kept pack: %v, want a refusal naming the fork", err)
	}
}

// signatureText is the body of SIGNATURE.note for manifest bytes b, as
// the exporter signs it.
func signatureText(b []byte) string {
	sum := sha256.Sum256(b)
	return signatureTextOf(hex.EncodeToString(sum[:]))
}
