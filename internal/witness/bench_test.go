package witness_test

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAddCheckpoint measures one cosignature over HTTP on loopback,
// the log grown by one leaf each time: parse, log signature, consistency
// proof, Ed25519 cosignature and the synced state file.
func BenchmarkAddCheckpoint(b *testing.B) {
	lg := newLog(b, "log.example/a")
	srv, cos := startWitness(b, b.TempDir(), lg, time.Now)
	c := witnessClient(b, srv.URL, cos)
	ctx := context.Background()
	lg.add("a", 1000)
	if _, err := c.Submit(ctx, lg.checkpoint(), lg.n, lg.prove); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		lg.add("a", 1)
		cp := lg.checkpoint()
		b.StartTimer()
		if _, err := c.Submit(ctx, cp, lg.n, lg.prove); err != nil {
			b.Fatal(err)
		}
	}
}
