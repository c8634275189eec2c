package witness

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Witness cosigns checkpoints of the logs it knows, each only if it
// extends the last one it cosigned for that log.
type Witness struct {
	dir    string
	signer note.Signer
	logs   map[string]note.Verifier // by origin
	logger *slog.Logger

	mu    sync.Mutex // held from the size check to the durable update
	state map[string]seen
}

// New opens a witness whose state lives in dir. logs maps each log's
// origin (for Evident, its key name) to the log's verifier key.
func New(dir string, signer note.Signer, logs map[string]note.Verifier, logger *slog.Logger) (*Witness, error) {
	st, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	return &Witness{dir: dir, signer: signer, logs: logs, logger: logger, state: st}, nil
}

// Refusal is a witness's answer other than a cosignature: the HTTP status
// the protocol gives it and, for 409, the witness's latest size.
type Refusal struct {
	Status int
	Size   int64
	Reason string
}

func (r *Refusal) Error() string { return r.Reason }

func refuse(status int, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// AddCheckpoint checks a request and returns the cosignature lines, or a
// *Refusal. The state is updated durably before the cosignature is
// returned, so a witness restarted after answering remembers the tree.
func (w *Witness) AddCheckpoint(req Request) ([]byte, error) {
	text, _, ok := bytes.Cut(req.Checkpoint, []byte("\n\n"))
	if !ok {
		return nil, refuse(http.StatusBadRequest, "checkpoint: not a signed note")
	}
	origin, _, _ := strings.Cut(string(text), "\n")
	v, ok := w.logs[origin]
	if !ok {
		return nil, refuse(http.StatusNotFound, "unknown log %q", origin)
	}
	n, err := note.Open(req.Checkpoint, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return nil, refuse(http.StatusForbidden, "checkpoint of %q is not signed by its key %s+%08x", origin, v.Name(), v.KeyHash())
		}
		return nil, refuse(http.StatusBadRequest, "checkpoint: %v", err)
	}
	size, root, err := parseBody(n.Text)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "checkpoint: %v", err)
	}
	if req.OldSize > size {
		return nil, refuse(http.StatusBadRequest, "old size %d is beyond the checkpoint's size %d", req.OldSize, size)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	last := w.state[origin]
	if req.OldSize != last.Size {
		return nil, &Refusal{Status: http.StatusConflict, Size: last.Size,
			Reason: fmt.Sprintf("old size %d is not the last cosigned size %d", req.OldSize, last.Size)}
	}
	if err := extends(last, req, size, root); err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, err
	}
	line := signed[len(n.Text)+1:]
	w.state[origin] = seen{Size: size, Root: root, Cosigned: string(req.Checkpoint) + string(line)}
	if err := saveState(w.dir, w.state); err != nil {
		w.state[origin] = last
		return nil, fmt.Errorf("keep cosigned checkpoint: %w", err)
	}
	return line, nil
}

// extends checks that the checkpoint of size and root extends last.
func extends(last seen, req Request, size int64, root tlog.Hash) error {
	switch {
	case last.Size == size:
		if size > 0 && root != last.Root {
			return &Refusal{Status: http.StatusConflict, Size: last.Size,
				Reason: fmt.Sprintf("a different root for size %d, already cosigned: a fork", size)}
		}
		if len(req.Proof) != 0 {
			return refuse(http.StatusBadRequest, "a proof between equal sizes must be empty")
		}
	case last.Size == 0:
		if len(req.Proof) != 0 {
			return refuse(http.StatusBadRequest, "a proof from size 0 must be empty")
		}
	default:
		if err := tlog.CheckTree(req.Proof, size, root, last.Size, last.Root); err != nil {
			return refuse(http.StatusUnprocessableEntity, "the checkpoint of size %d does not extend the one cosigned at size %d: %v", size, last.Size, err)
		}
	}
	return nil
}

// Latest returns the last cosigned checkpoint of origin, with the
// witness's cosignature, or nil.
func (w *Witness) Latest(origin string) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.state[origin]; ok {
		return []byte(s.Cosigned)
	}
	return nil
}

// Handler serves POST /add-checkpoint and GET /checkpoint?origin=O.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.serveAdd)
	mux.HandleFunc("GET /checkpoint", func(rw http.ResponseWriter, r *http.Request) {
		cp := w.Latest(r.URL.Query().Get("origin"))
		if cp == nil {
			http.Error(rw, "no checkpoint cosigned for that origin", http.StatusNotFound)
			return
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Write(cp)
	})
	return mux
}

func (w *Witness) serveAdd(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(rw, "read body", http.StatusBadRequest)
		return
	}
	req, err := ParseRequest(body)
	var lines []byte
	if err == nil {
		lines, err = w.AddCheckpoint(req)
	} else {
		err = refuse(http.StatusBadRequest, "%v", err)
	}
	var rf *Refusal
	switch {
	case err == nil:
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Write(lines)
	case errors.As(err, &rf) && rf.Status == http.StatusConflict:
		w.logger.Warn("witness: refused checkpoint", "status", rf.Status, "reason", rf.Reason)
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", rf.Size)
	case errors.As(err, &rf):
		w.logger.Warn("witness: refused checkpoint", "status", rf.Status, "reason", rf.Reason)
		http.Error(rw, rf.Reason, rf.Status)
	default:
		w.logger.Error("witness: add-checkpoint", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
	}
}

// parseBody reads a checkpoint's size and root; extension lines after
// the root are allowed by C2SP and ignored.
func parseBody(text string) (int64, tlog.Hash, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return 0, tlog.Hash{}, fmt.Errorf("want origin, size and root lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return 0, tlog.Hash{}, fmt.Errorf("size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return 0, tlog.Hash{}, fmt.Errorf("root %q", lines[2])
	}
	return size, tlog.Hash(root), nil
}
