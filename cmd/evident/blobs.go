package main

import (
	"fmt"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/blob"
)

// blobsSubs manage the blob store as a whole.
var blobsSubs = []sub{
	{"migrate", "copy every blob to another store (--to s3://BUCKET/PREFIX), checked, resumable", blobsMigrate},
}

// blobsMigrate copies the store named by --blobs (default DATA/blobs) to
// --to. Records name blobs by digest only, so after the copy the program
// runs on the new store by pointing --blobs (EVIDENT_BLOBS) at it.
func blobsMigrate(a *app, args []string) error {
	fs := a.flags("blobs migrate")
	to := fs.String("to", "", "the destination store `URL`: s3://BUCKET/PREFIX (AWS_* environment), file:// or a directory")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return evident.Errorf(evident.EINVALID, "blobs migrate: --to is required (s3://BUCKET/PREFIX or a directory)")
	}
	from, err := a.openBlobs()
	if err != nil {
		return err
	}
	dst, err := blob.Open(a.ctx, *to, a.getenv)
	if err != nil {
		return err
	}
	r, err := blob.Copy(a.ctx, from, dst, nil)
	fmt.Fprintf(a.stdout, "%s in the source: %d copied (%s), %d already at %s\n",
		count(r.Blobs, "blob", "blobs"), r.Copied, count(int(r.Bytes), "byte", "bytes"), r.Present, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "every blob is at %s under the digest of its bytes; run `evident --blobs %s verify` before switching to it\n", *to, *to)
	return nil
}
