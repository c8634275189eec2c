package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
	"github.com/evidenthq/evident/internal/sqlstore/storetest"
)

// A catalog page kept from an earlier request is the page the catalog
// gives now, byte for byte, for every query; refusals are not kept.
func TestCatalogPagesAreThePages(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	a := New(Config{Store: storetest.SQLite(t, nil), Catalog: cat})
	get := func(url string) (int, []byte) {
		rec := httptest.NewRecorder()
		a.Catalog().ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		return rec.Code, rec.Body.Bytes()
	}
	v := cat.Latest()
	first := "/api/v1/catalog?version=" + v + "&limit=5"
	code, page1 := get(first)
	if code != 200 {
		t.Fatalf("%s: %d %s", first, code, page1)
	}
	var p struct {
		Count      int               `json:"count"`
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	if err := json.Unmarshal(page1, &p); err != nil || len(p.Items) != 5 || p.NextCursor == "" || p.Count <= 5 {
		t.Fatalf("first page: %v, %d items, cursor %q, count %d", err, len(p.Items), p.NextCursor, p.Count)
	}
	urls := []string{first, first + "&cursor=" + p.NextCursor, "/api/v1/catalog?version=" + v + "&clause=7.8",
		"/api/v1/catalog?version=" + v + "&type=shall&limit=3", "/api/v1/catalog?version=" + v}
	var want [][]byte
	for _, u := range urls {
		code, b := get(u)
		if code != 200 {
			t.Fatalf("%s: %d %s", u, code, b)
		}
		want = append(want, b)
	}
	// Every page again, now from what was kept, and each one different
	// from the others: a key that left a part of the query out would
	// serve one page for another.
	for i, u := range urls {
		if _, b := get(u); !bytes.Equal(b, want[i]) {
			t.Errorf("%s kept:\n%s\nwant\n%s", u, b, want[i])
		}
		for j := range i {
			if bytes.Equal(want[i], want[j]) {
				t.Errorf("%s and %s answer the same page", urls[i], urls[j])
			}
		}
	}
	// The kept page is the one encoding the catalog's own page gives.
	reqs, err := cat.Filter(catalog.Query{Version: v, Clause: "7.8"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := pageOf(reqs, page{limit: defaultLimit}, func(r evident.Requirement) string { return string(r.ID) })
	if err != nil {
		t.Fatal(err)
	}
	var fresh bytes.Buffer
	if err := json.NewEncoder(&fresh).Encode(catalogList{Version: v, Count: len(reqs), List: list}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want[2], fresh.Bytes()) {
		t.Errorf("clause 7.8:\n%s\nwant\n%s", want[2], fresh.Bytes())
	}
	for range 2 {
		if code, _ := get("/api/v1/catalog?version=" + v + "&cursor=bm90LW91cnM"); code != 400 {
			t.Errorf("a cursor this server never issued: %d, want 400", code)
		}
	}
}
