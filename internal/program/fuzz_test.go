package program

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// FuzzLoadProgram feeds the program loader mutations of the example's
// files as one program file. Whatever the input, it must not panic, and it
// either loads or gives an EINVALID error that blames the file.
func FuzzLoadProgram(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "qtsp", "*.yaml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("program:\n  name: P\n  version: 3.2.1\n  overlays: ! \n"))
	cat, err := catalog.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "program.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir, cat)
		var e *evident.Error
		if err != nil && (!errors.As(err, &e) || e.Code != evident.EINVALID) {
			t.Fatalf("error %v is not an EINVALID *evident.Error", err)
		}
	})
}
