package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// keyProgram initialises a program with controls to write evidence
// against and returns the printed recovery key.
func keyProgram(t *testing.T, env map[string]string) string {
	t.Helper()
	var init struct {
		RecoveryKey string `json:"recovery_key"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "init", "--name", "Example QTSP", "--json")), &init); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(init.RecoveryKey, "PRIVATE+KEY+evident.recovery/example-qtsp+") {
		t.Fatalf("init printed recovery key %q, want a signed-note private key", init.RecoveryKey)
	}
	mustRun(t, env, "apply", "-f", exampleProgram)
	return init.RecoveryKey
}

// readKey returns a file of the data directory, trimmed.
func readKey(t *testing.T, env map[string]string, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(env["EVIDENT_DATA"], name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// addScan writes one evidence file through the CLI, failing the test
// unless it is acknowledged.
func addScan(t *testing.T, env map[string]string, name string) {
	t.Helper()
	if ids := addEvidence(t, env, writeFiles(t, 1, name)[0], "--control", "terms-review"); len(ids) != 1 {
		t.Fatalf("evidence add %s acknowledged %d records", name, len(ids))
	}
}

// latestCheckpoint reads the newest signed checkpoint from the store.
func latestCheckpoint(t *testing.T, env map[string]string) sqlstore.Checkpoint {
	t.Helper()
	var c sqlstore.Checkpoint
	storeTx(t, env, func(ctx context.Context, tx *sqlstore.Tx) error {
		var err error
		c, err = tx.LatestCheckpoint(ctx)
		return err
	})
	return c
}

// storeTx runs fn in a write transaction on the environment's store
// (PostgreSQL when EVIDENT_DB is set), outside the program, as an insider
// with database access would.
func storeTx(t *testing.T, env map[string]string, fn func(ctx context.Context, tx *sqlstore.Tx) error) {
	t.Helper()
	dsn := env["EVIDENT_DB"]
	if dsn == "" {
		dsn = filepath.Join(env["EVIDENT_DATA"], "evident.db")
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write(ctx, func(tx *sqlstore.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// signedBy reports whether a signed note verifies with vkey.
func signedBy(t *testing.T, msg []byte, vkey string) bool {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	_, err = note.Open(msg, note.VerifierList(v))
	return err == nil
}

func withEnv(env map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range env {
		out[key] = val
	}
	return out
}

// TestKeyRotateKeepsTheLogVerifiable rotates the ledger key and keeps
// writing: new checkpoints are signed by the new key, and verify accepts
// the log with no pin, with the old key pinned and with the new one,
// showing the rotation; a key the log never named is refused.
func TestKeyRotateKeepsTheLogVerifiable(t *testing.T) {
	for name, env := range dialectEnvs(t) {
		t.Run(name, func(t *testing.T) {
			keyProgram(t, env)
			addScan(t, env, "before")
			oldKey := readKey(t, env, "ledger.pub")

			out := mustRun(t, env, "key", "rotate")
			newKey := readKey(t, env, "ledger.pub")
			if newKey == oldKey || !strings.Contains(out, newKey) || !strings.Contains(out, "signed by the old key") {
				t.Fatalf("key rotate printed:\n%s\nledger.pub %s (was %s)", out, newKey, oldKey)
			}
			if _, err := os.Stat(filepath.Join(env["EVIDENT_DATA"], "ledger.key.next")); err == nil {
				t.Error("ledger.key.next is left behind after a completed rotation")
			}
			rotated := latestCheckpoint(t, env)
			if !signedBy(t, rotated.Note, oldKey) {
				t.Errorf("the checkpoint covering the rotation (size %d) is not signed by the old key", rotated.Size)
			}

			addScan(t, env, "after")
			after := latestCheckpoint(t, env)
			if after.Size <= rotated.Size || !signedBy(t, after.Note, newKey) || signedBy(t, after.Note, oldKey) {
				t.Errorf("checkpoint %d after the rotation is not signed by the new key alone", after.Size)
			}

			for label, args := range map[string][]string{
				"no pin":  {"verify"},
				"old key": {"verify", "--key", oldKey},
				"new key": {"verify", "--key", newKey},
			} {
				code, out, errs := cli(t, env, args...)
				if code != 0 || !strings.Contains(out, "key rotated by elena") || !strings.HasSuffix(out, "OK\n") {
					t.Errorf("verify with %s after rotation: exit %d\n%s%s", label, code, out, errs)
				}
			}
			if code, out, errs := cli(t, withEnv(env, pinEnv, oldKey), "verify"); code != 0 {
				t.Errorf("verify with the old key pinned in %s: exit %d\n%s%s", pinEnv, code, out, errs)
			}

			_, stranger, err := note.GenerateKey(rand.Reader, keyNameOf(oldKey))
			if err != nil {
				t.Fatal(err)
			}
			code, out, _ := cli(t, env, "verify", "--key", stranger)
			if code != 1 || !strings.Contains(out, "wrong key: the pinned key "+stranger+" is none of the keys") {
				t.Errorf("verify pinning a key the log never named: exit %d, want 1 naming it\n%s", code, out)
			}

			// A checkpoint signed by a key outside the chain, stored in place
			// of the newest one, is refused by name.
			strangerSigner, strangerKey := newSigner(t, keyNameOf(oldKey))
			storeTx(t, env, func(ctx context.Context, tx *sqlstore.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM checkpoints WHERE size = ?`, after.Size); err != nil {
					return err
				}
				_, err := tx.SignCheckpoint(ctx, strangerSigner)
				return err
			})
			code, out, _ = cli(t, env, "verify")
			if code != 1 || !strings.Contains(out, "bad signature: checkpoint at size") || !strings.Contains(out, "signed by no key of the log") {
				t.Errorf("verify with a checkpoint signed by %s: exit %d, want 1 naming an unknown key\n%s", strangerKey, code, out)
			}
		})
	}
}

// newSigner makes a signed-note key pair with the given name.
func newSigner(t *testing.T, name string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

// TestKeyRecoverAfterLoss loses ledger.key, names a new key with the
// recovery key printed by init and keeps writing: verify and a pack
// spanning the recovery pass and show the event and who signed it; a
// checkpoint the old key signs afterwards (whoever holds it) is forged.
func TestKeyRecoverAfterLoss(t *testing.T) {
	for name, env := range dialectEnvs(t) {
		t.Run(name, func(t *testing.T) {
			recovery := keyProgram(t, env)
			data := env["EVIDENT_DATA"]
			recoveryFile := filepath.Join(t.TempDir(), "recovery.txt")
			if err := os.WriteFile(recoveryFile, []byte(recovery+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(readDir(t, data), "PRIVATE+KEY+evident.recovery") {
				t.Fatal("the data directory keeps the private half of the recovery key")
			}
			addScan(t, env, "before")
			oldKey := readKey(t, env, "ledger.pub")
			stolen := readKey(t, env, "ledger.key")
			trusted := latestCheckpoint(t, env)
			if err := os.Remove(filepath.Join(data, "ledger.key")); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := cli(t, env, "evidence", "add", writeFiles(t, 1, "lost")[0], "--control", "terms-review"); code == 0 {
				t.Fatal("evidence add succeeded with ledger.key lost")
			}

			// Bad input is refused, naming the flag, and changes nothing.
			otherSkey, _, _ := note.GenerateKey(rand.Reader, "evident.recovery/example-qtsp")
			otherFile := filepath.Join(t.TempDir(), "other.txt")
			os.WriteFile(otherFile, []byte(otherSkey), 0o600)
			for _, bad := range [][]string{
				{"--recovery-key", otherFile, "--trusted-size", strconv.FormatInt(trusted.Size, 10)},
				{"--recovery-key", recoveryFile, "--trusted-size", strconv.FormatInt(trusted.Size+1, 10)},
				{"--recovery-key", recoveryFile},
			} {
				code, out, errs := cli(t, env, append([]string{"key", "recover"}, bad...)...)
				flag := "--recovery-key"
				if bad[1] == recoveryFile {
					flag = "--trusted-size"
				}
				if code != 2 || !strings.Contains(errs, flag) {
					t.Errorf("key recover %v: exit %d, want 2 naming %s\n%s%s", bad, code, flag, out, errs)
				}
			}
			if got := latestCheckpoint(t, env); got.Size != trusted.Size {
				t.Fatalf("a refused recovery changed the log: checkpoint %d, was %d", got.Size, trusted.Size)
			}

			out := mustRun(t, env, "key", "recover", "--recovery-key", recoveryFile, "--trusted-size", strconv.FormatInt(trusted.Size, 10))
			newKey := readKey(t, env, "ledger.pub")
			if newKey == oldKey || !strings.Contains(out, "signed by the recovery key") {
				t.Fatalf("key recover printed:\n%s", out)
			}
			addScan(t, env, "after")
			code, out, errs := cli(t, env, "verify", "--key", oldKey)
			if code != 0 || !strings.Contains(out, "key recovered by elena") || !strings.Contains(out, "signed by the recovery key evident.recovery/example-qtsp+") {
				t.Errorf("verify after the recovery, old key pinned: exit %d\n%s%s", code, out, errs)
			}

			pack := filepath.Join(t.TempDir(), "pack.zip")
			mustRun(t, env, "pack", "export", "--out", pack, "--from", "2000-01-01", "--to", "2100-01-01")
			code, out, errs = cli(t, env, "pack", "verify", "--key", oldKey, pack)
			if code != 0 || !strings.Contains(out, "key recovered by elena") {
				t.Errorf("pack verify of a pack spanning the recovery, old key pinned: exit %d\n%s%s", code, out, errs)
			}

			// Whoever holds the old key signs a write after the recovery.
			old, err := note.NewSigner(stolen)
			if err != nil {
				t.Fatal(err)
			}
			var forgedSize int64
			storeTx(t, env, func(ctx context.Context, tx *sqlstore.Tx) error {
				if _, err := tx.Audit(ctx, "user.note", "mallory", "mallory", map[string]string{"said": "all is well"}); err != nil {
					return err
				}
				c, err := tx.SignCheckpoint(ctx, old)
				forgedSize = c.Size
				return err
			})
			code, out, errs = cli(t, env, "verify")
			want := "forged checkpoint: checkpoint at size " + strconv.FormatInt(forgedSize, 10) + " is signed by " + oldKey
			if code != 1 || !strings.Contains(out, want) {
				t.Errorf("verify after the old key signed past the recovery: exit %d, want 1 with %q\n%s%s", code, want, out, errs)
			}
			// A pack whose final checkpoint is that forgery is refused too.
			forged := filepath.Join(t.TempDir(), "forged.zip")
			mustRun(t, env, "pack", "export", "--out", forged, "--from", "2000-01-01", "--to", "2100-01-01")
			code, out, errs = cli(t, env, "pack", "verify", "--key", oldKey, forged)
			if code != 1 || !strings.Contains(out, "forged checkpoint: checkpoints/"+strconv.FormatInt(forgedSize, 10)+".checkpoint: checkpoint at size") {
				t.Errorf("pack verify of a pack ending at the forged checkpoint: exit %d, want 1 naming it forged\n%s%s", code, out, errs)
			}
		})
	}
}

// readDir concatenates every regular file of dir.
func readDir(t *testing.T, dir string) string {
	t.Helper()
	var all strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			all.Write(b)
		}
	}
	return all.String()
}

// TestKeySwitchInterruptedSettles leaves the data directory as a crash
// would, between the log naming the new key and the files switching, and
// before the log named it: the next write goes on under the key the log
// expects, and the store verifies.
func TestKeySwitchInterruptedSettles(t *testing.T) {
	env := dialectEnvs(t)["sqlite"]
	keyProgram(t, env)
	data := env["EVIDENT_DATA"]
	oldPub, oldSec := readKey(t, env, "ledger.pub"), readKey(t, env, "ledger.key")

	// Crash before the log names the staged key: it is dropped.
	skey, vkey, _ := note.GenerateKey(rand.Reader, keyNameOf(oldPub))
	os.WriteFile(filepath.Join(data, "ledger.key.next"), []byte(skey+"\n"), 0o600)
	os.WriteFile(filepath.Join(data, "ledger.pub.next"), []byte(vkey+"\n"), 0o644)
	addScan(t, env, "staged")
	if readKey(t, env, "ledger.pub") != oldPub || !signedBy(t, latestCheckpoint(t, env).Note, oldPub) {
		t.Error("a staged key the log never named replaced the ledger key")
	}
	if _, err := os.Stat(filepath.Join(data, "ledger.key.next")); err == nil {
		t.Error("a staged key the log never named was left on disk")
	}

	// Crash after the log named the new key, before either file moved.
	mustRun(t, env, "key", "rotate")
	newPub, newSec := readKey(t, env, "ledger.pub"), readKey(t, env, "ledger.key")
	for f, s := range map[string]string{"ledger.key.next": newSec, "ledger.pub.next": newPub, "ledger.key": oldSec, "ledger.pub": oldPub} {
		if err := os.WriteFile(filepath.Join(data, f), []byte(s+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// And with the public half already moved.
	os.Rename(filepath.Join(data, "ledger.pub.next"), filepath.Join(data, "ledger.pub"))
	addScan(t, env, "resumed")
	if readKey(t, env, "ledger.pub") != newPub || readKey(t, env, "ledger.key") != newSec {
		t.Error("the interrupted switch was not finished: the data directory does not hold the key the log names")
	}
	if c := latestCheckpoint(t, env); !signedBy(t, c.Note, newPub) {
		t.Errorf("checkpoint %d after the resumed switch is not signed by the new key", c.Size)
	}
	if code, out, errs := cli(t, env, "verify", "--key", oldPub); code != 0 {
		t.Errorf("verify after the resumed switch: exit %d\n%s%s", code, out, errs)
	}
}
