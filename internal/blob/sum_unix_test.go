//go:build unix

package blob

import (
	"context"
	"crypto/sha256"
	"os"
	"strings"
	"testing"

	"github.com/evidenthq/evident"
)

// Sum is what verify trusts for every blob on disk: it must hash what is
// stored now, across several reads, and tell a missing file apart.
func TestSumHashesWhatIsStoredNow(t *testing.T) {
	ctx := context.Background()
	d := newDisk(t)
	content := strings.Repeat("ntp offset 0.0003 s\n", 1000) // 20 000 bytes
	dg, _, err := d.Put(ctx, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096) // smaller than the blob: several reads
	got, n, err := d.Sum(ctx, dg, buf)
	if err != nil || got != dg || n != int64(len(content)) {
		t.Fatalf("Sum = %s, %d, %v; want %s, %d", got, n, err, dg, len(content))
	}

	p := d.Path(dg)
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, []byte("ntp offset 9.9 s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, n, err = d.Sum(ctx, dg, buf)
	if err != nil || got == dg || got != evident.Digest(sha256.Sum256([]byte("ntp offset 9.9 s\n"))) || n != 17 {
		t.Fatalf("after an edit Sum = %s, %d, %v; want the edited content's digest", got, n, err)
	}

	os.Remove(p)
	if _, _, err := d.Sum(ctx, dg, buf); evident.ErrorCode(err) != evident.ENOTFOUND {
		t.Fatalf("missing blob: got %v, want ENOTFOUND", err)
	}
}
