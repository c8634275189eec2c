package blob_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/evidenthq/evident/internal/blob/s3test"
)

// BenchmarkS3PutLarge puts one large blob (EVIDENT_BENCH_S3_MIB, default
// 256) into a bucket on rclone's server each iteration, new bytes each
// time: from a local file (hashed first, sent straight to its address)
// and as a stream read once (sent to staging, copied to its address).
//
//	go test ./internal/blob -run '^$' -bench S3PutLarge -benchtime 2x
func BenchmarkS3PutLarge(b *testing.B) {
	mib := 256
	if v, err := strconv.Atoi(os.Getenv("EVIDENT_BENCH_S3_MIB")); err == nil && v > 0 {
		mib = v
	}
	st := s3test.Start(b).Store(b, "bench")
	ctx := context.Background()
	name := b.TempDir() + "/big.bin"
	for _, mode := range []string{"file", "stream"} {
		b.Run(fmt.Sprintf("%s/%dMiB", mode, mib), func(b *testing.B) {
			b.SetBytes(int64(mib) << 20)
			for i := range b.N {
				b.StopTimer()
				if err := os.WriteFile(name, randomBytes(mib<<20, uint64(i)+1000*uint64(len(mode))), 0o600); err != nil {
					b.Fatal(err)
				}
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				var r io.Reader = f
				if mode == "stream" {
					r = struct{ io.Reader }{f} // hides the file
				}
				b.StartTimer()
				if _, _, err := st.Put(ctx, r); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// BenchmarkS3Batch commits a batch of 1000 new 4 KiB blobs into a bucket
// on rclone's server each iteration and reports blobs per second.
//
//	go test ./internal/blob -run '^$' -bench S3Batch -benchtime 3x
func BenchmarkS3Batch(b *testing.B) {
	st := s3test.Start(b).Store(b, "bench")
	ctx := context.Background()
	const n = 1000
	for i := range b.N {
		b.StopTimer()
		data := make([][]byte, n)
		for j := range data {
			data[j] = randomBytes(4096, uint64(i*n+j)+1<<40)
		}
		b.StartTimer()
		batch := st.Batch()
		for _, d := range data {
			if _, _, err := batch.Put(ctx, bytes.NewReader(d)); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "blobs/s")
}
