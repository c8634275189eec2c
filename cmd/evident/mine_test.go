package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestTasksMineIsTheLoginsWork: on the example, where Amir Haddad (a
// system operator) names the login omar as his user, `tasks --mine` as
// omar lists exactly the tasks owned by Amir or by the system-operator
// role; a login no person names is told so, exit 2.
func TestTasksMineIsTheLoginsWork(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "d")}
	for _, args := range [][]string{{"init"}, {"apply", "-f", filepath.Join("..", "..", "examples", "qtsp")}} {
		if code, _, errs := cli(t, env, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errs)
		}
	}
	type report struct {
		Tasks []struct {
			Owner string `json:"owner"`
			Title string `json:"title"`
		} `json:"tasks"`
	}
	read := func(args ...string) report {
		t.Helper()
		code, out, errs := cli(t, env, args...)
		var r report
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Fatalf("%v: exit %d, %v\n%s", args, code, err, errs)
		}
		return r
	}
	all := read("tasks", "--json", "--due", "all", "--at", "2026-12-01T00:00:00Z")
	mine := read("tasks", "--json", "--due", "all", "--at", "2026-12-01T00:00:00Z", "--mine", "--actor", "omar")
	want := 0
	for _, tk := range all.Tasks {
		if tk.Owner == "amir-haddad" || tk.Owner == "system-operator" {
			want++
		}
	}
	if want == 0 || len(mine.Tasks) != want {
		t.Fatalf("tasks --mine as omar: %d tasks, want the %d owned by amir-haddad or system-operator", len(mine.Tasks), want)
	}
	for _, tk := range mine.Tasks {
		if tk.Owner != "amir-haddad" && tk.Owner != "system-operator" {
			t.Errorf("omar's work includes %q owned by %s", tk.Title, tk.Owner)
		}
	}
	code, _, errs := cli(t, env, "tasks", "--mine", "--actor", "nobody")
	if code != 2 || !strings.Contains(errs, "--mine") || !strings.Contains(errs, "user: nobody") {
		t.Errorf("tasks --mine as a login no person names: exit %d\n%s; want 2 saying how to name it", code, errs)
	}
}
