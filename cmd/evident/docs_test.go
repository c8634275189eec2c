package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/ledger/tsatest"
)

// asCLI, set to 1 in the environment, makes this test binary run as the
// evident command: the docs test puts it on PATH under that name.
const asCLI = "EVIDENT_TEST_RUN_AS_CLI"

// docFiles are the documents whose shell blocks must run as written.
// docs/deploy.md is not among them: its blocks need PostgreSQL, a bucket
// and two replicas, and TestDeployDocRuns runs them.
var docFiles = []string{"README.md", "docs/incidents.md", "docs/ledger.md", "docs/web.md", "docs/import.md", "docs/review.md",
	"docs/cadence.md", "docs/API.md", "docs/security.md", "docs/assessment.md", "docs/oscal.md", "docs/pack.md", "examples/qtsp/README.md"}

// docInputs are the files the documents' commands read, as a user would
// have them in the directory they run evident from: tool output recorded
// from the real tools, and small documents.
func docInputs(t *testing.T, dir string) {
	t.Helper()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(filepath.Join("..", "..", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("internal/importer/testdata/nmap/baseline.xml", "scan.xml")
	for name, body := range map[string]string{
		"notification.pdf":               "%PDF-1.4\n% notification to the supervisory body\n",
		"final-report.pdf":               "%PDF-1.4\n% final report\n",
		"pentest.pdf":                    "%PDF-1.4\n% penetration test report\n",
		"redcell-accreditation.pdf":      "%PDF-1.4\n% accreditation of the testers\n",
		"fw-rules-ca-core.txt":           "-A FORWARD -s 10.20.1.0/24 -d 10.20.3.0/24 -p udp --dport 123 -j ACCEPT\n",
		"fw-rules-dmz.txt":               "-A FORWARD -d 203.0.113.10 -p tcp --dport 80 -j ACCEPT\n",
		"fw-rules-ca-core-corrected.txt": "-A FORWARD -s 10.20.1.10/31 -d 10.20.3.0/24 -p udp --dport 123 -j ACCEPT\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// shellBlocks returns the ```sh blocks of a Markdown document.
func shellBlocks(doc string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\n(.*?)^```").FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	return out
}

// evidentOnPath makes dir/.bin hold an `evident` that runs this test
// binary as the CLI, and returns the directory to put first on PATH, so
// the docs' shell blocks run the code under test as written.
func evidentOnPath(t *testing.T, dir string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, ".bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\n" + asCLI + "=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "evident"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestDocsCommandsRun runs every shell block of the README and the docs,
// as written, against the example program: each document in a fresh
// directory where `evident init` and `evident apply -f examples/qtsp`
// have run, with the input files its commands name. A command that fails
// fails the test, so the docs cannot drift from the CLI. Two kinds of
// line are not run here: the README's set-up commands (`go run ... serve`,
// `make test`), which CI itself runs, and example addresses, which point
// at servers the test starts (a time-stamping authority). Commands that
// run until stopped (`evident serve`, `evident witness serve`) are shown in
// text blocks, not shell blocks, so a reader runs them on their own.
func TestDocsCommandsRun(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "qtsp"))
	if err != nil {
		t.Fatal(err)
	}
	pki := tsatest.NewPKI(t, true)
	tsa := tsatest.Start(t, pki, nil)
	setup := regexp.MustCompile(`(?m)^(go run \./cmd/evident serve.*|make test.*)$`)
	ran := 0
	for _, name := range docFiles {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		blocks := shellBlocks(string(b))
		if len(blocks) == 0 {
			continue
		}
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			dir := t.TempDir()
			bin := evidentOnPath(t, dir)
			docInputs(t, dir)
			if err := os.WriteFile(filepath.Join(dir, "tsa-roots.pem"), pki.RootPEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			script := "set -eu\nevident init >/dev/null\nevident apply -f '" + example + "' >/dev/null\n"
			for _, block := range blocks {
				block = setup.ReplaceAllString(block, ": $1")
				block = strings.ReplaceAll(block, "https://tsa.example/tsr", tsa)
				script += block
			}
			// A command that never ends (a server in a shell block) fails
			// the test instead of hanging the suite.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "sh", "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "EVIDENT_DATA=", "EVIDENT_ACTOR=docs@example")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("the shell blocks of %s failed (%v):\n%s\n--- script ---\n%s", name, err, out.String(), script)
			}
		})
		ran += len(blocks)
	}
	if ran < 5 {
		t.Errorf("ran only %d shell blocks; the docs lost their examples or the test its way to find them", ran)
	}
}
