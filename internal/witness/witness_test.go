package witness_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/evidenthq/evident/internal/witness"
)

// testLog is a small RFC 6962 log with a signed-note key, as the ledger is.
type testLog struct {
	t      testing.TB
	signer note.Signer
	vkey   string
	hashes []tlog.Hash // the stored tree, in tlog's layout
	n      int64
}

func newLog(t testing.TB, name string) *testLog {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &testLog{t: t, signer: s, vkey: vkey}
}

func (l *testLog) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = l.hashes[x]
	}
	return out, nil
}

// add appends leaves named by prefix.
func (l *testLog) add(prefix string, k int) {
	for i := 0; i < k; i++ {
		hs, err := tlog.StoredHashes(l.n, []byte(fmt.Sprintf("%s %d", prefix, l.n)), l)
		if err != nil {
			l.t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
		l.n++
	}
}

// rollback forgets every leaf from n on.
func (l *testLog) rollback(n int64) {
	l.hashes = l.hashes[:tlog.StoredHashCount(n)]
	l.n = n
}

func (l *testLog) checkpoint() []byte {
	root, err := tlog.TreeHash(l.n, l)
	if err != nil {
		l.t.Fatal(err)
	}
	text := fmt.Sprintf("%s\n%d\n%s\n", l.signer.Name(), l.n, root)
	b, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		l.t.Fatal(err)
	}
	return b
}

func (l *testLog) prove(_ context.Context, m, n int64) (tlog.TreeProof, error) {
	return tlog.ProveTree(n, m, l)
}

// startWitness runs a witness of log on a real socket, state in dir.
func startWitness(t testing.TB, dir string, lg *testLog, now func() time.Time) (*httptest.Server, *witness.Cosigner) {
	t.Helper()
	skey, _, err := witness.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	return startWitnessKey(t, dir, skey, lg, now)
}

func startWitnessKey(t testing.TB, dir, skey string, lg *testLog, now func() time.Time) (*httptest.Server, *witness.Cosigner) {
	t.Helper()
	c, err := witness.NewCosigner(skey, now)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(lg.vkey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := witness.New(dir, c, map[string]note.Verifier{lg.signer.Name(): v}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return srv, c
}

func post(t *testing.T, url string, r witness.Request) (int, string, string) {
	t.Helper()
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", bytes.NewReader(r.Marshal()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func fixed() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }

// TestAddCheckpointAnswersPerProtocol walks a log through every answer
// of c2sp.org/tlog-witness, over HTTP on a real socket.
func TestAddCheckpointAnswersPerProtocol(t *testing.T) {
	lg := newLog(t, "log.example/a")
	srv, cos := startWitness(t, t.TempDir(), lg, fixed)
	wv, err := witness.NewVerifier(cos.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	lg.add("a", 3)
	cp3 := lg.checkpoint()

	code, _, body := post(t, srv.URL, witness.Request{OldSize: 0, Checkpoint: cp3})
	if code != 200 {
		t.Fatalf("first checkpoint: HTTP %d %s, want 200", code, body)
	}
	n, err := note.Open(append(append([]byte{}, cp3...), body...), note.VerifierList(wv))
	if err != nil {
		t.Fatalf("the cosignature does not verify with the witness key: %v\n%s", err, body)
	}
	if at, _ := witness.Time(n.Sigs[0]); !at.Equal(fixed()) {
		t.Errorf("cosignature time %v, want the witness clock's %v", at, fixed())
	}

	lg.add("a", 4)
	cp7 := lg.checkpoint()
	proof, _ := lg.prove(context.Background(), 3, 7)
	cases := []struct {
		name  string
		req   witness.Request
		code  int
		ctype string
		body  string
	}{
		{"stale old size", witness.Request{OldSize: 0, Checkpoint: cp7}, 409, "text/x.tlog.size", "3\n"},
		{"old beyond the checkpoint", witness.Request{OldSize: 9, Checkpoint: cp7}, 400, "", ""},
		{"bad proof", witness.Request{OldSize: 3, Proof: tlog.TreeProof{proof[0], proof[0]}, Checkpoint: cp7}, 422, "", ""},
		{"unknown origin", witness.Request{OldSize: 0, Checkpoint: newLogCheckpoint(t, "log.example/b")}, 404, "", ""},
		{"wrong key", witness.Request{OldSize: 3, Proof: proof, Checkpoint: resign(t, cp7, "log.example/a")}, 403, "", ""},
		{"good proof", witness.Request{OldSize: 3, Proof: proof, Checkpoint: cp7}, 200, "", ""},
		{"same size again", witness.Request{OldSize: 7, Checkpoint: cp7}, 200, "", ""},
	}
	for _, c := range cases {
		code, ctype, body := post(t, srv.URL, c.req)
		if code != c.code || (c.ctype != "" && ctype != c.ctype) || (c.body != "" && body != c.body) {
			t.Errorf("%s: HTTP %d %q %q, want %d %q %q", c.name, code, ctype, body, c.code, c.ctype, c.body)
		}
	}
}

// newLogCheckpoint is a checkpoint of a log the witness was not told of.
func newLogCheckpoint(t *testing.T, origin string) []byte {
	other := newLog(t, origin)
	other.add("b", 1)
	return other.checkpoint()
}

// resign signs cp's text with a fresh key of the same name: the log's
// name, another key.
func resign(t *testing.T, cp []byte, name string) []byte {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	text, _, _ := strings.Cut(string(cp), "\n\n")
	b, err := note.Sign(&note.Note{Text: text + "\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWitnessRemembersAFork restarts the witness from its directory: a
// fork of the tree it cosigned before the restart is still refused.
func TestWitnessRemembersAFork(t *testing.T) {
	dir := t.TempDir()
	lg := newLog(t, "log.example/a")
	skey, _, _ := witness.GenerateKey(rand.Reader, "witness.example")
	srv, _ := startWitnessKey(t, dir, skey, lg, fixed)
	lg.add("a", 5)
	if code, _, body := post(t, srv.URL, witness.Request{Checkpoint: lg.checkpoint()}); code != 200 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	srv.Close()

	srv2, _ := startWitnessKey(t, dir, skey, lg, fixed)
	lg.rollback(2)
	lg.add("fork", 3) // five leaves again, two of them shared
	if code, ctype, body := post(t, srv2.URL, witness.Request{OldSize: 5, Checkpoint: lg.checkpoint()}); code != 409 || ctype != "text/x.tlog.size" || body != "5\n" {
		t.Errorf("same size, other root after restart: HTTP %d %q %q, want 409 with size 5", code, ctype, body)
	}
	lg.add("fork", 2)
	proof, _ := lg.prove(context.Background(), 5, 7)
	if code, _, body := post(t, srv2.URL, witness.Request{OldSize: 5, Proof: proof, Checkpoint: lg.checkpoint()}); code != 422 {
		t.Errorf("extension of the fork after restart: HTTP %d %s, want 422", code, body)
	}
}

// TestClientNamesRollbackAndFork submits through the client, which
// recovers the witness's size from a 409 and names what a refusal means.
func TestClientNamesRollbackAndFork(t *testing.T) {
	lg := newLog(t, "log.example/a")
	srv, cos := startWitness(t, t.TempDir(), lg, fixed)
	c, err := witness.ParseEndpoint(srv.URL + "=" + cos.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = witness.HTTPClient(true)
	ctx := context.Background()
	lg.add("a", 4)
	if _, err := c.Submit(ctx, lg.checkpoint(), 4, lg.prove); err != nil {
		t.Fatal(err)
	}
	// A second client starts at size 0: the witness's 409 tells it 4.
	c2, _ := witness.ParseEndpoint(srv.URL + "=" + cos.VerifierKey())
	c2.HTTP = c.HTTP
	lg.add("a", 2)
	cosigned, err := c2.Submit(ctx, lg.checkpoint(), 6, lg.prove)
	if err != nil {
		t.Fatalf("submit after a stale size: %v", err)
	}
	if !bytes.Contains(cosigned, []byte("— witness.example ")) {
		t.Errorf("cosigned checkpoint lacks the witness's line:\n%s", cosigned)
	}
	latest, err := c.Latest(ctx, "log.example/a")
	if err != nil || !bytes.Equal(latest, cosigned) {
		t.Errorf("GET /checkpoint: %v\n%s\nwant\n%s", err, latest, cosigned)
	}

	lg.rollback(3)
	lg.add("fork", 1)
	if _, err := c2.Submit(ctx, lg.checkpoint(), 4, lg.prove); err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Errorf("smaller tree after a rollback: %v, want a refusal naming the rollback", err)
	}
	lg.add("fork", 4)
	if _, err := witnessClient(t, srv.URL, cos).Submit(ctx, lg.checkpoint(), 8, lg.prove); err == nil || !strings.Contains(err.Error(), "rolled back or forked") {
		t.Errorf("larger forked tree: %v, want a refusal naming the fork", err)
	}
}

func witnessClient(t testing.TB, url string, cos *witness.Cosigner) *witness.Client {
	c, err := witness.ParseEndpoint(url + "=" + cos.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = witness.HTTPClient(true)
	return c
}

// TestHTTPClientRefusesPrivateAddresses: a witness URL on loopback is
// refused unless allowed explicitly, before anything is sent.
func TestHTTPClientRefusesPrivateAddresses(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	_, err := witness.HTTPClient(false).Get(srv.URL)
	if err == nil || !strings.Contains(err.Error(), "loopback") || hit {
		t.Errorf("loopback witness: %v (reached: %v), want a refusal naming loopback", err, hit)
	}
	if resp, err := witness.HTTPClient(true).Get(srv.URL); err != nil || !hit {
		t.Errorf("allowed loopback: %v", err)
	} else {
		resp.Body.Close()
	}
}

// TestCosignatureInteroperates checks our cosignatures with the
// transparency-dev implementation of c2sp.org/tlog-cosignature, and
// theirs with ours, so neither side merely agrees with itself.
func TestCosignatureInteroperates(t *testing.T) {
	lg := newLog(t, "log.example/a")
	lg.add("a", 2)
	cp := lg.checkpoint()
	text, _, _ := strings.Cut(string(cp), "\n\n")
	msg := &note.Note{Text: text + "\n"}

	skey, vkey, err := witness.GenerateKey(rand.Reader, "witness.example")
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := witness.NewCosigner(skey, fixed)
	theirV, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		t.Fatalf("their verifier refuses our key %s: %v", vkey, err)
	}
	signed, err := note.Sign(msg, ours)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(signed, note.VerifierList(theirV))
	if err != nil {
		t.Fatalf("their verifier refuses our cosignature: %v", err)
	}
	if at, err := fnote.CoSigV1Timestamp(n.Sigs[0]); err != nil || !at.Equal(fixed()) {
		t.Errorf("their reading of our timestamp: %v %v, want %v", at, err, fixed())
	}

	theirS, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatalf("their signer refuses our key: %v", err)
	}
	signed, err = note.Sign(msg, theirS)
	if err != nil {
		t.Fatal(err)
	}
	ourV, _ := witness.NewVerifier(vkey)
	if _, err := note.Open(signed, note.VerifierList(ourV)); err != nil {
		t.Errorf("our verifier refuses their cosignature: %v", err)
	}
	// A cosignature of another text does not verify.
	other := strings.Replace(string(signed), "\n2\n", "\n3\n", 1)
	if _, err := note.Open([]byte(other), note.VerifierList(ourV)); err == nil {
		t.Errorf("a cosignature verified over a changed tree size")
	}
}

// TestKeysRefuseMalformed: a log key is not a witness key, and a key
// whose hash does not match is refused.
func TestKeysRefuseMalformed(t *testing.T) {
	_, logKey, _ := note.GenerateKey(rand.Reader, "log.example")
	skey, vkey, _ := witness.GenerateKey(rand.Reader, "w")
	bad := []string{logKey, "w+00000000+" + strings.SplitN(vkey, "+", 3)[2], "w", "w+1234+abc"}
	for _, k := range bad {
		if _, err := witness.NewVerifier(k); err == nil {
			t.Errorf("NewVerifier(%q) accepted", k)
		}
	}
	if _, err := witness.NewCosigner(strings.Replace(skey, "+w+", "+v+", 1), fixed); err == nil {
		t.Errorf("a signer key renamed without its hash was accepted")
	}
	if _, _, err := witness.GenerateKey(rand.Reader, "has space"); err == nil {
		t.Errorf("a name with a space was accepted")
	}
}

func TestParseRequest(t *testing.T) {
	var h tlog.Hash
	h[0] = 7
	r := witness.Request{OldSize: 12, Proof: tlog.TreeProof{h, h}, Checkpoint: []byte("o\n13\nroot\n\n— o sig\n")}
	got, err := witness.ParseRequest(r.Marshal())
	if err != nil || got.OldSize != 12 || len(got.Proof) != 2 || got.Proof[1] != h || !bytes.Equal(got.Checkpoint, r.Checkpoint) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	bad := map[string]string{
		"no blank line":   "old 1\n",
		"no old":          "1\n\nx",
		"negative":        "old -1\n\nx",
		"leading zero":    "old 01\n\nx",
		"short hash":      "old 1\nAAAA\n\nx",
		"no checkpoint":   "old 0\n\n",
		"too many lines":  "old 1\n" + strings.Repeat("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 64) + "\nx",
		"carriage return": "old 3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\nx",
	}
	for name, body := range bad {
		if _, err := witness.ParseRequest([]byte(body)); err == nil {
			t.Errorf("%s: %q accepted", name, body)
		}
	}
}

// FuzzParseRequest: any body either parses into a request that
// marshals back to the same bytes, or is refused; it never panics.
func FuzzParseRequest(f *testing.F) {
	var h tlog.Hash
	f.Add(witness.Request{OldSize: 3, Proof: tlog.TreeProof{h}, Checkpoint: []byte("o\n4\nr\n\n— o s\n")}.Marshal())
	f.Add([]byte("old 0\n\nx"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := witness.ParseRequest(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Marshal(), b) {
			t.Errorf("%q parsed but marshals to %q", b, r.Marshal())
		}
	})
}
