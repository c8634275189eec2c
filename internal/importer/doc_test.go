package importer

import (
	goparser "go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackagesAreDocumented keeps the promise that every importer package
// says what it parses; the package doc is where a user learns the metrics.
func TestPackagesAreDocumented(t *testing.T) {
	dirs := []string{"."}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	checked := 0
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.go"))
		name, documented := "", false
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := goparser.ParseFile(token.NewFileSet(), path, nil, goparser.PackageClauseOnly|goparser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			name = f.Name.Name
			if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+name+" ") {
				documented = true
			}
		}
		if name == "" {
			continue
		}
		checked++
		if !documented {
			t.Errorf("package %s (%s) has no \"Package %s ...\" doc comment", name, d, name)
		}
	}
	if checked < len(Formats())+2 {
		t.Errorf("checked %d packages, want the dispatcher, report and one per format", checked)
	}
}
