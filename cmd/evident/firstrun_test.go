package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A fresh `evident serve` has no user: it prints a one-time link that
// opens the form for the first administrator, and the new program is not
// named after its data directory.
func TestServeFirstRunPrintsASetupLink(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	base, stop, err := launchServe(map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "evident-data")}, out)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	link := regexp.MustCompile(`http://\S+/setup\?token=[0-9a-f]+`).FindString(out.String())
	if link == "" || !strings.HasPrefix(link, base) {
		t.Fatalf("serve on an empty store printed no setup link:\n%s", out)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Create administrator") {
		t.Errorf("the setup link: %d; want the form for the first administrator", resp.StatusCode)
	}
	if !strings.Contains(string(page), "Unnamed program") || strings.Contains(string(page), `class="program">evident-data`) {
		t.Errorf("a new program is named after its data directory:\n%s", page)
	}
}
