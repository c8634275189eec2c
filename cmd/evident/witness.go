package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ledger"
	"github.com/evidenthq/evident/internal/witness"
)

// witnessSubs runs a C2SP witness: someone outside the data directory (an
// assessor, a second site) who cosigns the ledger's checkpoints only while
// each extends the last, so a rolled-back or forked store is caught.
var witnessSubs = []sub{
	{"keygen", "make a witness key pair", witnessKeygen},
	{"serve", "cosign the checkpoints of the given logs (c2sp.org/tlog-witness)", witnessServe},
}

// Witness configuration of `serve` and `checkpoint`.
const (
	witnessesEnv    = "EVIDENT_WITNESSES"             // URL=KEY, separated by spaces or commas
	witnessEveryEnv = "EVIDENT_WITNESS_INTERVAL"      // a Go duration, default 60s
	witnessLANEnv   = "EVIDENT_WITNESS_ALLOW_PRIVATE" // 1: witnesses may be on loopback or private addresses
	witnessKeyFile  = "witness.key"
	witnessPubFile  = "witness.pub"
	defaultWitness  = "evident-witness"
)

// witnessKeygen writes DIR/witness.key and DIR/witness.pub and prints the
// verifier key, which the store's EVIDENT_WITNESSES and verify --witness name.
func witnessKeygen(a *app, args []string) error {
	fl := a.flags("witness keygen")
	name := fl.String("name", "", "the witness's `name`, e.g. a domain it is known by")
	dir := fl.String("dir", defaultWitness, "the witness's `directory`")
	if _, err := a.parse(fl, args); err != nil {
		return err
	}
	if *name == "" {
		return evident.ErrorAt(evident.EINVALID, "--name", "give the witness a name")
	}
	key := filepath.Join(*dir, witnessKeyFile)
	if _, err := os.Stat(key); err == nil {
		return evident.ErrorAt(evident.ECONFLICT, key, "a witness key already exists; a new one would orphan every cosignature made with it")
	}
	skey, vkey, err := witness.GenerateKey(rand.Reader, *name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(key, []byte(skey+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, witnessPubFile), []byte(vkey+"\n"), 0o644); err != nil {
		return err
	}
	a.out("%s\n", vkey)
	return nil
}

// witnessServe serves POST /add-checkpoint until interrupted.
func witnessServe(a *app, args []string) error {
	fl := a.flags("witness serve")
	dir := fl.String("dir", defaultWitness, "the witness's `directory`: its state (the last checkpoint cosigned per log)")
	keyPath := fl.String("key", "", "the witness signer key `file` (default DIR/witness.key)")
	addr := fl.String("addr", "127.0.0.1:7380", "address to listen on")
	var logArgs listFlag
	fl.Var(&logArgs, "log", "a log to witness, `ORIGIN=KEY`: its origin (an Evident ledger's is its key name) and its verifier key (ledger.pub); repeatable")
	if _, err := a.parse(fl, args); err != nil {
		return err
	}
	if *keyPath == "" {
		*keyPath = filepath.Join(*dir, witnessKeyFile)
	}
	b, err := os.ReadFile(*keyPath)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--key", "%v", unwrapPath(err))
	}
	signer, err := witness.NewCosigner(string(b), a.now)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, *keyPath, "%v", err)
	}
	logs, err := parseLogs(logArgs)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	w, err := witness.New(*dir, signer, logs, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--addr", "%v", err)
	}
	fmt.Fprintf(a.stdout, "Witness %s is listening on http://%s/\n", signer.VerifierKey(), ln.Addr())
	hs := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-a.ctx.Done()
		hs.Close()
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// parseLogs reads --log ORIGIN=KEY arguments.
func parseLogs(args []string) (map[string]note.Verifier, error) {
	if len(args) == 0 {
		return nil, evident.ErrorAt(evident.EINVALID, "--log", "name at least one log to witness (ORIGIN=KEY)")
	}
	logs := map[string]note.Verifier{}
	for _, s := range args {
		i := strings.LastIndex(s, "=")
		if i <= 0 {
			return nil, evident.ErrorAt(evident.EINVALID, "--log", "%q: want ORIGIN=KEY", s)
		}
		key := strings.TrimSpace(s[i+1:])
		if b, err := os.ReadFile(key); err == nil {
			key = strings.TrimSpace(string(b))
		}
		v, err := note.NewVerifier(key)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, "--log", "%q: %v", s, err)
		}
		logs[s[:i]] = v
	}
	return logs, nil
}

// witnesses reads EVIDENT_WITNESSES; nil when none is configured.
func (a *app) witnesses() ([]*witness.Client, error) {
	var out []*witness.Client
	hc := witness.HTTPClient(a.getenv(witnessLANEnv) == "1")
	for _, s := range strings.FieldsFunc(a.getenv(witnessesEnv), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		c, err := witness.ParseEndpoint(s)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, witnessesEnv, "%v", err)
		}
		c.HTTP = hc
		out = append(out, c)
	}
	return out, nil
}

// witnessInterval is how often serve submits a new checkpoint.
func (a *app) witnessInterval() (time.Duration, error) {
	s := a.getenv(witnessEveryEnv)
	if s == "" {
		return 60 * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, evident.ErrorAt(evident.EINVALID, witnessEveryEnv, "%q is not a positive duration such as 60s", s)
	}
	return d, nil
}

// submitToWitnesses submits the latest checkpoint to every configured
// witness and returns one error naming each that did not cosign.
func (a *app) submitToWitnesses(l *ledger.Ledger, ws []*witness.Client) error {
	if len(ws) == 0 {
		return nil
	}
	errs, err := l.Witness(a.ctx, ws)
	if err != nil {
		return err
	}
	var failed []string
	for i, e := range errs {
		if e != nil {
			failed = append(failed, fmt.Sprintf("%s: %s", ws[i], evident.ErrorMessage(e)))
		}
	}
	if len(failed) > 0 {
		return evident.Errorf(evident.EFAILED, "not cosigned: %s", strings.Join(failed, "; "))
	}
	return nil
}

// witnessKeys reads verify's --witness arguments: each a witness
// verifier key (or a file holding one), or URL=KEY to also ask that
// witness for the latest checkpoint it cosigned. A key also named in
// EVIDENT_WITNESSES is asked at its URL there.
func (a *app) witnessKeys(args []string) ([]*witness.Client, error) {
	conf, err := a.witnesses()
	if err != nil {
		return nil, err
	}
	hc := witness.HTTPClient(a.getenv(witnessLANEnv) == "1")
	var out []*witness.Client
	for _, s := range args {
		if b, err := os.ReadFile(s); err == nil {
			s = strings.TrimSpace(string(b))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, evident.ErrorAt(evident.EINVALID, "--witness", "%v", unwrapPath(err))
		}
		var c *witness.Client
		if strings.Contains(s, "://") {
			if c, err = witness.ParseEndpoint(s); err != nil {
				return nil, evident.ErrorAt(evident.EINVALID, "--witness", "%v", err)
			}
		} else {
			v, err := witness.NewVerifier(s)
			if err != nil {
				return nil, evident.ErrorAt(evident.EINVALID, "--witness", "%v", err)
			}
			c = &witness.Client{Verifier: v}
			for _, k := range conf {
				if k.Verifier.Name() == v.Name() && k.Verifier.KeyHash() == v.KeyHash() {
					c.URL = k.URL
				}
			}
		}
		c.HTTP = hc
		out = append(out, c)
	}
	return out, nil
}

// checkWitnesses adds to r a problem for each witness whose cosigned
// checkpoints the store does not extend. A witness that cannot be reached
// is a problem too: its latest word is unknown.
func (a *app) checkWitnesses(l *ledger.Ledger, ws []*witness.Client, r *ledger.Report) error {
	origin := ""
	if v := l.Verifier(); v != nil {
		origin = v.Name()
	}
	for _, w := range ws {
		var extra [][]byte
		if w.URL != "" {
			cp, err := w.Latest(a.ctx, origin)
			if err != nil {
				r.Problems = append(r.Problems, ledger.Problem{Kind: ledger.Unwitnessed, Index: -1, Ref: "witness " + w.Verifier.Name(),
					Message: fmt.Sprintf("cannot ask witness %s for its latest cosigned checkpoint: %s", w, evident.ErrorMessage(err))})
			} else if cp != nil {
				extra = append(extra, cp)
			}
		}
		got, probs, err := l.CheckWitness(a.ctx, w.Verifier, extra)
		if err != nil {
			return err
		}
		r.Problems = append(r.Problems, probs...)
		r.Witnessed = append(r.Witnessed, got)
	}
	return nil
}

// startWitnessing submits each new checkpoint to the configured witnesses,
// at most once an interval, until the server stops; the returned function
// stops it and waits. The first submission happens before the server
// starts: a witness that refuses it has cosigned a tree this store does
// not extend, and a store behind its last witnessed checkpoint refuses to
// start. Later refusals are logged as errors at every interval.
func (a *app) startWitnessing(l *ledger.Ledger, logger *slog.Logger) (func(), error) {
	ws, err := a.witnesses()
	if err != nil || len(ws) == 0 {
		return func() {}, err
	}
	every, err := a.witnessInterval()
	if err != nil {
		return nil, err
	}
	last, err := a.witnessOnce(a.ctx, l, ws, -1, logger)
	if err != nil {
		return nil, evident.Errorf(evident.EFAILED, "refusing to start: %s; the store is behind or beside a checkpoint its witness cosigned (see docs/ledger.md, Witnesses)", evident.ErrorMessage(err))
	}
	ctx, cancel := context.WithCancel(a.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			last, _ = a.witnessOnce(ctx, l, ws, last, logger)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// witnessOnce submits the latest checkpoint unless last, the size every
// witness already cosigned, is its size; it returns the new such size and
// the first refusal, if a witness refused.
func (a *app) witnessOnce(ctx context.Context, l *ledger.Ledger, ws []*witness.Client, last int64, logger *slog.Logger) (int64, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		if evident.ErrorCode(err) != evident.ENOTFOUND {
			logger.Error("witness: read checkpoint", "err", err)
		}
		return last, nil
	}
	c, err := ledger.ParseCheckpointBody(noteBody(cp))
	if err != nil || c.Size == last {
		return last, nil
	}
	errs, err := l.Witness(ctx, ws)
	if err != nil {
		logger.Error("witness: submit", "err", err)
		return last, nil
	}
	var refusal error
	for i, e := range errs {
		switch {
		case e == nil:
			logger.Info("checkpoint cosigned", "witness", ws[i].String(), "size", c.Size)
		case witness.Refused(e):
			logger.Error("witness refused the checkpoint: the store was rolled back or forked", "witness", ws[i].String(), "size", c.Size, "err", evident.ErrorMessage(e))
			if refusal == nil {
				refusal = e
			}
		default:
			logger.Warn("witness not reached", "witness", ws[i].String(), "size", c.Size, "err", evident.ErrorMessage(e))
		}
	}
	for _, e := range errs {
		if e != nil {
			return last, refusal
		}
	}
	return c.Size, nil
}

// noteBody is a signed note's text, without its signatures.
func noteBody(signed []byte) string {
	text, _, _ := strings.Cut(string(signed), "\n\n")
	return text + "\n"
}
