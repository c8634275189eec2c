package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/evidenthq/evident"
)

// An S3 store keeps each blob's retention in small objects beside the
// blobs, as the disk store keeps it in files, so Delete refuses a blob
// still retained or held on any S3-compatible server:
//
//	PREFIX/retention/<64 hex>.until   the date Retain set (RFC 3339)
//	PREFIX/retention/<64 hex>.hold    present while a legal hold stands
//
// With ?object-lock=COMPLIANCE|GOVERNANCE (a bucket created with Object
// Lock), Retain also sets the object's retention-until date in that mode
// and Hold its legal hold, so the server itself refuses to delete or
// overwrite the object before then, whoever asks: in COMPLIANCE mode not
// even the bucket's owner can shorten it.

func (s *S3) retentionKey(dg evident.Digest, ext string) string {
	return s.prefix + "retention/" + dg.String() + ext
}

func (s *S3) retainedUntil(ctx context.Context, dg evident.Digest) (time.Time, error) {
	obj, err := s.c.GetObject(ctx, s.bucket, s.retentionKey(dg, ".until"), minio.GetObjectOptions{})
	if err != nil {
		return time.Time{}, fmt.Errorf("retention of blob %s in %s: %w", dg, s, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, 256))
	if notFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("retention of blob %s in %s: %w", dg, s, err)
	}
	return time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
}

func (s *S3) exists(ctx context.Context, dg evident.Digest) (minio.ObjectInfo, error) {
	info, err := s.c.StatObject(ctx, s.bucket, s.key(dg), minio.StatObjectOptions{})
	if notFound(err) {
		return info, evident.Errorf(evident.ENOTFOUND, "blob %s is missing from %s", dg, s)
	}
	if err != nil {
		return info, fmt.Errorf("blob %s in %s: %w", dg, s, err)
	}
	return info, nil
}

func (s *S3) putMarker(ctx context.Context, key string, data []byte) error {
	sum := sha256.Sum256(data)
	_, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "text/plain", DisableMultipart: true,
		UserMetadata: map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum[:])}})
	if err != nil {
		return fmt.Errorf("write %s in %s: %w", key, s, err)
	}
	return nil
}

// Retain records until as the blob's retention date unless a later one is
// recorded, and with Object Lock sets the object's retention to match.
func (s *S3) Retain(ctx context.Context, dg evident.Digest, until time.Time) error {
	info, err := s.exists(ctx, dg)
	if err != nil {
		return err
	}
	have, err := s.retainedUntil(ctx, dg)
	if err != nil {
		return err
	}
	if !until.After(have) {
		return nil
	}
	until = until.UTC()
	if s.lock != "" {
		mode := s.lock
		err := s.c.PutObjectRetention(ctx, s.bucket, s.key(dg), minio.PutObjectRetentionOptions{
			Mode: &mode, RetainUntilDate: &until, VersionID: info.VersionID})
		if err != nil {
			return fmt.Errorf("object lock retention of blob %s in %s: %w", dg, s, err)
		}
	}
	return s.putMarker(ctx, s.retentionKey(dg, ".until"), []byte(until.Format(time.RFC3339Nano)+"\n"))
}

// Hold places or lifts the blob's legal hold.
func (s *S3) Hold(ctx context.Context, dg evident.Digest, on bool) error {
	info, err := s.exists(ctx, dg)
	if err != nil {
		return err
	}
	if s.lock != "" {
		st := minio.LegalHoldDisabled
		if on {
			st = minio.LegalHoldEnabled
		}
		err := s.c.PutObjectLegalHold(ctx, s.bucket, s.key(dg), minio.PutObjectLegalHoldOptions{Status: &st, VersionID: info.VersionID})
		if err != nil {
			return fmt.Errorf("object lock legal hold of blob %s in %s: %w", dg, s, err)
		}
	}
	if on {
		return s.putMarker(ctx, s.retentionKey(dg, ".hold"), nil)
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.retentionKey(dg, ".hold"), minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("lift the hold on blob %s in %s: %w", dg, s, err)
	}
	return nil
}

// Delete removes the blob (the version stored, on a versioned bucket) if
// its retention ended by now and no hold stands. With Object Lock the
// server judges again, and its refusal is reported as such.
func (s *S3) Delete(ctx context.Context, dg evident.Digest, now time.Time) error {
	info, err := s.exists(ctx, dg)
	if err != nil {
		return err
	}
	if _, err := s.c.StatObject(ctx, s.bucket, s.retentionKey(dg, ".hold"), minio.StatObjectOptions{}); err == nil {
		return evident.Errorf(evident.ECONFLICT, "blob %s is under a legal hold in %s: not deleted", dg, s)
	} else if !notFound(err) {
		return fmt.Errorf("hold of blob %s in %s: %w", dg, s, err)
	}
	until, err := s.retainedUntil(ctx, dg)
	if err != nil {
		return err
	}
	switch {
	case until.IsZero():
		return evident.Errorf(evident.ECONFLICT, "blob %s has no retention date in %s: not deleted", dg, s)
	case now.Before(until):
		return evident.Errorf(evident.ECONFLICT, "blob %s is retained until %s in %s: not deleted", dg, evident.UTC(until), s)
	}
	err = s.c.RemoveObject(ctx, s.bucket, s.key(dg), minio.RemoveObjectOptions{VersionID: info.VersionID})
	if code := minio.ToErrorResponse(err).Code; code == "AccessDenied" || code == "InvalidRequest" {
		return evident.Errorf(evident.ECONFLICT, "blob %s: %s refused the deletion (%s): not deleted", dg, s, minio.ToErrorResponse(err).Message)
	}
	if err != nil {
		return fmt.Errorf("delete blob %s from %s: %w", dg, s, err)
	}
	s.c.RemoveObject(ctx, s.bucket, s.retentionKey(dg, ".until"), minio.RemoveObjectOptions{})
	return nil
}
