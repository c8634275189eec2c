// Command s3put uploads files to an S3-compatible bucket with a plain
// client (minio-go, default options, 32 uploads in flight) and prints the
// time taken: the baseline bench/s3.sh compares Evident's uploads with,
// in the same run against the same server. A missing bucket is created
// first, outside the timing, since a server such as SeaweedFS starts with
// none.
//
// Usage: s3put BUCKET/PREFIX FILE...   (AWS_ENDPOINT_URL, AWS_REGION,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY say where and how); with no
// FILE it only makes sure the bucket exists.
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: s3put BUCKET/PREFIX [FILE...]")
		os.Exit(2)
	}
	bucket, prefix, _ := strings.Cut(os.Args[1], "/")
	u, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		fail(err)
	}
	c, err := minio.New(u.Host, &minio.Options{Secure: u.Scheme == "https", Region: os.Getenv("AWS_REGION"), BucketLookup: minio.BucketLookupPath,
		Creds: credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")})
	if err != nil {
		fail(err)
	}
	files := os.Args[2:]
	ctx := context.Background()
	if ok, err := c.BucketExists(ctx, bucket); err != nil {
		fail(err)
	} else if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: os.Getenv("AWS_REGION")}); err != nil {
			fail(err)
		}
	}
	if len(files) == 0 {
		return
	}
	start := time.Now()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, f := range files {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := c.FPutObject(ctx, bucket, prefix+"/"+filepath.Base(f), f, minio.PutObjectOptions{}); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	fmt.Printf("plain client: %d files in %.3f s (%.0f files/s)\n", len(files), d.Seconds(), float64(len(files))/d.Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "s3put:", err)
	os.Exit(1)
}
