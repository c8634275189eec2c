package ledger

import (
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
)

// sniffer keeps the first 512 bytes of a stream as it passes, so the media
// type can be guessed without reading the file twice.
type sniffer struct {
	r    io.Reader
	head []byte
}

// Read passes bytes through, keeping the first 512.
func (s *sniffer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if room := 512 - len(s.head); room > 0 && n > 0 {
		s.head = append(s.head, p[:min(n, room)]...)
	}
	return n, err
}

// Unwrap names the reader whose bytes pass through unchanged, so a store
// may read a local file behind it directly (blob.Unwrapper). A store reads
// the first bytes through Read before it does, so the head is kept.
func (s *sniffer) Unwrap() io.Reader { return s.r }

// mediaType prefers the file extension (tools write .json, .xml, .pdf
// reliably) and falls back to content sniffing.
func (s *sniffer) mediaType(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(s.head)
}
