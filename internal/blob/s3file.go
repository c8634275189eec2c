package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/evidenthq/evident"
)

// A large blob read from a local file (`evidence add FILE`) is uploaded
// straight to its address: the file is read twice, once to hash it (which
// names the object) and once to send it, and a server-side copy of the
// whole object, a second full write on the server, is saved.
//
// The file may change between the two reads. Every part is sent with the
// SHA-256 the first read found for it, as the request's signed payload
// hash and as its checksum, so a server that checks either refuses a part
// whose bytes changed; and the store takes a CRC-32C of what it actually
// sent, part by part, and abandons the upload before completing it if any
// part's differs from the first read's. A CRC-32C catches a file being
// written to (what changes a file between two reads a few seconds apart)
// at a twentieth of the CPU of a third SHA-256 of the file, which on two
// cores shared with a local server cost a quarter of the upload's time.
// Until the upload is completed nothing is at the address, so no record
// can name an object holding other bytes than its digest says.

// Unwrapper is a reader that passes on, unchanged, the bytes of the
// reader Unwrap returns: a store may then read that reader's source (a
// local file) directly, more than once.
type Unwrapper interface {
	Unwrap() io.Reader
}

// localFile finds the regular local file r reads from, through readers
// that pass its bytes on unchanged (Unwrapper). read is how many bytes
// were taken from r so far: the file's offset must be exactly that, so
// the blob is the file from its first byte and nothing was read ahead.
func localFile(r io.Reader, read int64) (*os.File, int64, bool) {
	for {
		switch v := r.(type) {
		case *os.File:
			fi, err := v.Stat()
			if err != nil || !fi.Mode().IsRegular() {
				return nil, 0, false
			}
			if off, err := v.Seek(0, io.SeekCurrent); err != nil || off != read {
				return nil, 0, false
			}
			return v, fi.Size(), true
		case Unwrapper:
			r = v.Unwrap()
		default:
			return nil, 0, false
		}
	}
}

// s3PartsInFlight is how many parts of one file are sent at once. The
// plain client the benchmark compares with sends four; rclone's server
// accepts them out of order when each part's size is known up front.
const s3PartsInFlight = 4

// fileHash is what the first read of a file found.
type fileHash struct {
	digest evident.Digest
	size   int64
	parts  [][sha256.Size]byte // SHA-256 of each s3Part-sized part
	crcs   []uint32            // CRC-32C of each part
}

// castagnoli is the CRC-32C table, computed in hardware where the CPU can.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// hashFile reads size bytes of f once, hashing the whole and each part.
// head, the bytes already taken from the reader, must be how the file
// begins. The whole is hashed here while another goroutine hashes the
// parts, so on two cores the pass costs about one hash of the file.
func hashFile(ctx context.Context, f io.ReaderAt, size int64, head []byte) (fileHash, error) {
	n := int((size + s3Part - 1) / s3Part)
	out := fileHash{size: size, parts: make([][sha256.Size]byte, n), crcs: make([]uint32, n)}
	type chunk struct {
		i   int
		buf []byte
	}
	free := make(chan []byte, 3)
	for range cap(free) {
		free <- make([]byte, s3Part)
	}
	full := make(chan chunk, cap(free))
	var wg sync.WaitGroup
	wg.Go(func() {
		for c := range full {
			out.parts[c.i] = sha256.Sum256(c.buf)
			out.crcs[c.i] = crc32.Checksum(c.buf, castagnoli)
			free <- c.buf[:cap(c.buf)]
		}
	})
	whole := sha256.New()
	var err error
	for i := range n {
		if err = ctx.Err(); err != nil {
			break
		}
		buf := <-free
		off := int64(i) * s3Part
		buf = buf[:min(s3Part, size-off)]
		if _, err = f.ReadAt(buf, off); err != nil {
			err = fmt.Errorf("read at %d: %w", off, err)
			break
		}
		if i == 0 && !bytes.HasPrefix(buf, head) {
			err = errors.New("the file does not begin with the bytes read from it")
			break
		}
		whole.Write(buf)
		full <- chunk{i, buf}
	}
	close(full)
	wg.Wait()
	whole.Sum(out.digest[:0])
	return out, err
}

// partReader is one part of the file as sent, its CRC-32C taken as the
// client reads it. The client seeks to the start to retry a request,
// which starts the CRC again.
type partReader struct {
	sr  *io.SectionReader
	crc uint32
}

func (p *partReader) Read(b []byte) (int, error) {
	n, err := p.sr.Read(b)
	p.crc = crc32.Update(p.crc, castagnoli, b[:n])
	return n, err
}

func (p *partReader) Seek(off int64, whence int) (int64, error) {
	if off == 0 && whence == io.SeekStart {
		p.crc = 0
	}
	return p.sr.Seek(off, whence)
}

// putFile stores a local file of more than one part: hashed first, then
// sent in parts straight to its address, unless an object of its size is
// there already.
func (s *S3) putFile(ctx context.Context, f *os.File, size int64, head []byte) (evident.Digest, int64, error) {
	fh, err := hashFile(ctx, f, size, head)
	if err != nil {
		return evident.Digest{}, 0, fmt.Errorf("blob read %s: %w", f.Name(), err)
	}
	if got, err := s.Stat(ctx, fh.digest); err == nil && got == size {
		return fh.digest, size, nil
	}
	if err := s.upload(ctx, f, fh); err != nil {
		return evident.Digest{}, 0, err
	}
	return fh.digest, size, nil
}

// upload sends the file in parts, s3PartsInFlight at a time, and
// completes the upload only if every part sent is the part hashed.
func (s *S3) upload(ctx context.Context, f *os.File, fh fileHash) error {
	key := s.key(fh.digest)
	core := minio.Core{Client: s.c}
	id, err := core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{
		ContentType: "application/octet-stream", UserMetadata: map[string]string{"x-amz-checksum-algorithm": "SHA256"}})
	if err != nil {
		return fmt.Errorf("blob %s: start the upload to %s: %w", fh.digest, s, err)
	}
	done := false
	defer func() {
		if !done {
			core.AbortMultipartUpload(context.WithoutCancel(ctx), s.bucket, key, id)
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := make([]minio.CompletePart, len(fh.parts))
	errs := make([]error, len(fh.parts))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s3PartsInFlight, len(fh.parts)) {
		wg.Go(func() {
			for i := range next {
				if parts[i], errs[i] = s.sendPart(ctx, core, id, f, fh, i); errs[i] != nil {
					cancel()
				}
			}
		})
	}
	for i := range fh.parts {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Nothing follows the last part: a file that grew since it was hashed
	// would be stored cut, under a digest of less than it now holds.
	if n, _ := f.ReadAt(make([]byte, 1), fh.size); n != 0 {
		return evident.Errorf(evident.ECONFLICT, "blob %s: %s grew while it was uploaded; not stored", fh.digest, f.Name())
	}
	if _, err := core.CompleteMultipartUpload(ctx, s.bucket, key, id, parts, minio.PutObjectOptions{}); err != nil {
		return fmt.Errorf("blob %s: complete the upload to %s: %w", fh.digest, s, err)
	}
	done = true
	// The object is checked rather than trusted, as after a copy.
	if got, err := s.Stat(ctx, fh.digest); err != nil || got != fh.size {
		return fmt.Errorf("blob %s: %s holds %d bytes after the upload, want %d (%v)", fh.digest, s, got, fh.size, err)
	}
	return nil
}

// sendPart sends part i with the SHA-256 the first read found for it and
// checks that the bytes sent have the CRC-32C that read found.
func (s *S3) sendPart(ctx context.Context, core minio.Core, id string, f *os.File, fh fileHash, i int) (minio.CompletePart, error) {
	off := int64(i) * s3Part
	n := min(s3Part, fh.size-off)
	want := fh.parts[i]
	pr := &partReader{sr: io.NewSectionReader(f, off, n)}
	sum := base64.StdEncoding.EncodeToString(want[:])
	hdr := http.Header{}
	hdr.Set("x-amz-checksum-sha256", sum)
	p, err := core.PutObjectPart(ctx, s.bucket, s.key(fh.digest), id, i+1, pr, n, minio.PutObjectPartOptions{
		Sha256Hex: hex.EncodeToString(want[:]), DisableContentSha256: true, CustomHeader: hdr})
	if err != nil {
		return minio.CompletePart{}, fmt.Errorf("blob %s: part %d to %s: %w", fh.digest, i+1, s, err)
	}
	if pr.crc != fh.crcs[i] {
		return minio.CompletePart{}, evident.Errorf(evident.ECONFLICT, "blob %s: %s changed while it was uploaded (bytes %d to %d); not stored", fh.digest, f.Name(), off, off+n)
	}
	return minio.CompletePart{PartNumber: i + 1, ETag: p.ETag, ChecksumSHA256: sum}, nil
}
