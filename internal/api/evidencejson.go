package api

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// recordJSON keeps the JSON of evidence records already listed, by id and
// ledger index. A record never changes once stored (a correction is a new
// record that supersedes it), so its JSON is written once and every later
// page that shows it copies the bytes instead of decoding the stored body
// and encoding it again: most of a list request's cost before.
type recordJSON struct {
	mu sync.Mutex
	m  map[string][]byte
}

// maxRecordJSON bounds what is kept (about 1 KiB each): pages people and
// pipelines read again are the newest and the first; beyond the bound the
// whole set is dropped and filled again.
const maxRecordJSON = 20000

// encode returns the JSON of each row, decoding and encoding only those
// not kept yet: byte for byte what encoding the decoded records gives.
func (c *recordJSON) encode(rows []sqlstore.StoredEvidence) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(rows))
	var miss []int
	c.mu.Lock()
	for i, r := range rows {
		if b, ok := c.m[key(r)]; ok {
			out[i] = b
		} else {
			miss = append(miss, i)
		}
	}
	c.mu.Unlock()
	if len(miss) == 0 {
		return out, nil
	}
	for _, i := range miss {
		e, err := rows[i].Decode()
		if err != nil {
			return nil, err
		}
		if out[i], err = json.Marshal(e); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m)+len(miss) > maxRecordJSON {
		c.m = make(map[string][]byte, len(miss))
	}
	for _, i := range miss {
		c.m[key(rows[i])] = out[i]
	}
	c.mu.Unlock()
	return out, nil
}

func key(r sqlstore.StoredEvidence) string {
	return strconv.FormatInt(r.LedgerIndex, 10) + " " + r.ID
}
