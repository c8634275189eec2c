package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryCommandHasHelp walks the command table: every command and
// subcommand prints its usage on -h and --help and exits 0, touching no
// data directory, and every flag it parses says what it is for.
func TestEveryCommandHasHelp(t *testing.T) {
	data := filepath.Join(t.TempDir(), "never-created")
	env := map[string]string{"EVIDENT_DATA": data}
	a := &app{ctx: context.Background(), stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return env[k] }}
	paths := commandPaths()
	if len(paths) < 40 {
		t.Fatalf("only %d commands walked: %v", len(paths), paths)
	}
	for _, path := range paths {
		name := strings.Join(path, " ")
		for _, h := range []string{"-h", "--help"} {
			code, out, errs := cli(t, env, append(path, h)...)
			if code != 0 || !strings.HasPrefix(out, "Usage: evident "+name) || !strings.Contains(out, "Flags:") || errs != "" {
				t.Errorf("evident %s %s: exit %d\n%s%s", name, h, code, out, errs)
			}
		}
		fs := a.flagsOf(path)
		if fs == nil {
			t.Errorf("evident %s: no flag set seen on -h", name)
			continue
		}
		fs.VisitAll(func(f *flag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("evident %s: flag -%s has no description", name, f.Name)
			}
		})
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("asking for help created or touched %s: %v", data, err)
	}
}

// TestGroupsAgreeOnUsageErrors: each group prints its subcommands on -h
// (exit 0), and the same usage on stderr with exit 2 when the subcommand is
// missing or unknown; `evident help X Y` is `evident X Y -h`.
func TestGroupsAgreeOnUsageErrors(t *testing.T) {
	env := map[string]string{"EVIDENT_DATA": filepath.Join(t.TempDir(), "d")}
	for name, c := range commands() {
		if len(c.subs) == 0 {
			continue
		}
		code, help, _ := cli(t, env, name, "-h")
		if code != 0 || !strings.HasPrefix(help, "Usage: evident "+name+" SUBCOMMAND") {
			t.Errorf("%s -h: exit %d\n%s", name, code, help)
		}
		for _, s := range c.subs {
			if !strings.Contains(help, "\n  "+s.name+" ") {
				t.Errorf("%s -h does not list %s:\n%s", name, s.name, help)
			}
		}
		for _, args := range [][]string{{name}, {name, "no-such-thing"}} {
			code, out, errs := cli(t, env, args...)
			if code != 2 || out != "" || !strings.HasPrefix(errs, help) || !strings.Contains(errs, "evident: "+name+": ") {
				t.Errorf("evident %s: exit %d, stdout %q, stderr\n%s", strings.Join(args, " "), code, out, errs)
			}
		}
	}
	_, viaFlag, _ := cli(t, env, "evidence", "add", "-h")
	code, viaHelp, _ := cli(t, env, "help", "evidence", "add")
	if code != 0 || viaHelp != viaFlag {
		t.Errorf("help evidence add: exit %d, differs from evidence add -h:\n%s\n---\n%s", code, viaHelp, viaFlag)
	}
	if code, out, _ := cli(t, env, "import", "-h"); code != 0 || !strings.Contains(out, "[FORMAT] FILE...") || !strings.Contains(out, "nmap XML (nmap -oX") || !strings.Contains(out, "lynis-report.dat") {
		t.Errorf("import -h names neither FORMAT and FILE nor the formats' files: exit %d\n%s", code, out)
	}
	if code, _, errs := cli(t, env, "help", "nonsense"); code != 2 || !strings.Contains(errs, `unknown command "nonsense"`) {
		t.Errorf("help nonsense: exit %d %s", code, errs)
	}
}

// TestBashCompletion sources the generated script in a real bash and asks
// it what completes after a few command lines.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to test the bash completion")
	}
	code, script, errs := cli(t, nil, "completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: exit %d %s", code, errs)
	}
	file := filepath.Join(t.TempDir(), "evident.bash")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	complete := func(words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := "source " + file + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			itoa(len(words)-1) + "\n_evident\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command(bash, "--norc", "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"evident", "evi"}, "evidence"},
		{[]string{"evident", "evidence", ""}, "add list show"},
		{[]string{"evident", "--data", "/tmp/x", "evidence", "a"}, "add"},
		{[]string{"evident", "evidence", "add", "--cont"}, "--control"},
		{[]string{"evident", "pack", "verify", "--k"}, "--key"},
		{[]string{"evident", "status", "--fr"}, "--from"},
		{[]string{"evident", "incident", "open", "--rep"}, "--reporter"},
	} {
		if got := strings.Join(complete(tc.words...), " "); got != tc.want {
			t.Errorf("complete %q: %q, want %q", tc.words, got, tc.want)
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		code, out, errs := cli(t, nil, "completion", shell)
		if code != 0 || !strings.Contains(out, "evident") {
			t.Errorf("completion %s: exit %d %s", shell, code, errs)
		}
		for _, path := range commandPaths() {
			if !strings.Contains(out, path[len(path)-1]) {
				t.Errorf("completion %s lacks %v", shell, path)
			}
		}
	}
	if _, out, _ := cli(t, nil, "completion", "fish"); !strings.Contains(out, "__fish_seen_subcommand_from evidence; and __fish_seen_subcommand_from add' -l control -r") {
		t.Errorf("fish completion lacks evidence add --control:\n%.2000s", out)
	}
	if code, _, errs := cli(t, nil, "completion", "tcsh"); code != 2 || !strings.Contains(errs, `unknown shell "tcsh"`) {
		t.Errorf("completion tcsh: exit %d %s", code, errs)
	}
}

// itoa avoids strconv for one small number.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
