package main

import (
	"context"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the text of README.md under the heading title, up
// to the next heading of the same level.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", title)
	}
	s = s[i+len(title)+5:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// TestReadmeConfigurationIsComplete: the README's configuration table
// names every environment variable the code reads and every flag of
// `serve` and of the data directory, so a deployment never has to read
// the source to find a setting.
func TestReadmeConfigurationIsComplete(t *testing.T) {
	table := readmeSection(t, "Configuration")
	vars := map[string]string{}
	lit := regexp.MustCompile(`"(EVIDENT_[A-Z0-9_]+)"`)
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != filepath.Join("..", "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			vars[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) < 5 {
		t.Fatalf("found only %d EVIDENT_ variables in the source: %v", len(vars), vars)
	}
	for v, where := range vars {
		if !strings.Contains(table, "`"+v+"`") {
			t.Errorf("README configuration table does not list %s (read in %s)", v, where)
		}
	}
	a := &app{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	fs := a.flagsOf([]string{"serve"})
	if fs == nil {
		t.Fatal("no flags seen for serve")
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(table, "--"+f.Name+"`") && !strings.Contains(table, "--"+f.Name+" ") {
			t.Errorf("README configuration table does not list serve's flag --%s (%s)", f.Name, f.Usage)
		}
	})
}

// TestReadmeListsEveryCommand: the CLI overview names every command and
// subcommand of the dispatcher's table, so none is discoverable only by
// accident.
func TestReadmeListsEveryCommand(t *testing.T) {
	overview := readmeSection(t, "CLI overview")
	lines := strings.Split(overview, "\n")
	word := regexp.MustCompile(`[a-z][a-z-]*`)
	for _, path := range commandPaths() {
		found := false
		for _, l := range lines {
			if !strings.HasPrefix(l, "evident ") {
				continue
			}
			has := map[string]bool{}
			for _, w := range word.FindAllString(l, -1) {
				has[w] = true
			}
			if has[path[0]] && (len(path) == 1 || has[path[1]]) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README CLI overview does not list `evident %s`", strings.Join(path, " "))
		}
	}
}
