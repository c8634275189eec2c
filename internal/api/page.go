package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/evidenthq/evident"
)

// Paging: every list takes ?limit= (default 50, at most 500) and ?cursor=,
// and answers {"items": [...], "next_cursor": "..."}; no next_cursor means
// the last page. Cursors are opaque: clients pass them back unchanged, so
// the server may change what is inside.
const (
	defaultLimit = 50
	maxLimit     = 500
	cursorPrefix = "v1:"
)

// List is the body of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// page is a parsed ?limit=&cursor=: after is the decoded cursor, the key
// of the last item of the previous page.
type page struct {
	limit int
	after string
}

func parsePage(r *http.Request) (page, error) {
	q := r.URL.Query()
	p := page{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, evident.ErrorAt(evident.EINVALID, "limit", "limit %q: want a number from 1 to %d", s, maxLimit)
		}
		p.limit = n
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
			return p, evident.ErrorAt(evident.EINVALID, "cursor", "cursor %q was not issued by this server: pass next_cursor back unchanged", c)
		}
		p.after = strings.TrimPrefix(string(b), cursorPrefix)
		if p.after == "" {
			return p, evident.ErrorAt(evident.EINVALID, "cursor", "cursor %q is empty", c)
		}
	}
	return p, nil
}

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + key))
}

// pageOf cuts one page out of items, which are in a stable order with
// unique keys. A cursor naming a key that no longer exists is refused
// rather than silently restarting the list.
func pageOf[T any](items []T, p page, key func(T) string) (List[T], error) {
	start := 0
	if p.after != "" {
		start = -1
		for i, it := range items {
			if key(it) == p.after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return List[T]{}, evident.ErrorAt(evident.EINVALID, "cursor", "cursor points at %q, which is no longer in the list: start again without a cursor", p.after)
		}
	}
	end := min(start+p.limit, len(items))
	out := List[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(items) {
		out.NextCursor = encodeCursor(key(items[end-1]))
	}
	return out, nil
}
