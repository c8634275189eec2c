package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer"
)

// sub is one subcommand of a group such as `evident evidence add`. The
// groups' tables are the only list of subcommands: dispatch, help and
// shell completion all read them, so none can drift from the others.
type sub struct {
	name    string
	summary string
	run     func(a *app, args []string) error
}

// isHelp reports whether arg asks for help rather than naming something.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// runGroup runs the subcommand args[0] of the group name. `-h`, `--help`
// and `help` print the group's usage and succeed; a missing or unknown
// subcommand prints the same usage on stderr and is a usage error (exit 2),
// the same words for every group.
func (a *app) runGroup(name string, subs []sub, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		groupUsage(a.stdout, name, subs)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		groupUsage(a.stderr, name, subs)
		return evident.Errorf(evident.EINVALID, "%s: give a subcommand: %s", name, subNames(subs))
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(a, args[1:])
		}
	}
	groupUsage(a.stderr, name, subs)
	return evident.Errorf(evident.EINVALID, "%s: unknown subcommand %q: want %s", name, args[0], subNames(subs))
}

// subNames is "a, b or c".
func subNames(subs []sub) string {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// groupUsage prints a group's subcommands, one line each.
func groupUsage(w io.Writer, name string, subs []sub) {
	fmt.Fprintf(w, "Usage: evident %s SUBCOMMAND [FLAGS] [ARGS]\n\nSubcommands:\n", name)
	width := 0
	for _, s := range subs {
		width = max(width, len(s.name))
	}
	for _, s := range subs {
		fmt.Fprintf(w, "  %-*s  %s\n", width, s.name, s.summary)
	}
	fmt.Fprintf(w, "\nRun `evident %s SUBCOMMAND -h` for its flags.\n", name)
}

// synopses are the argument lines of commands that take more than flags,
// printed above the flags by -h. A command not listed takes flags only.
var synopses = map[string]string{
	"apply":             "evident apply [FLAGS] -f DIR",
	"plan":              "evident plan [FLAGS] -f DIR",
	"list":              "evident list [FLAGS] KIND",
	"show":              "evident show [FLAGS] KIND ID",
	"import":            "evident import [FLAGS] [FORMAT] FILE... --control ID",
	"evidence add":      "evident evidence add [FLAGS] FILE... --control ID",
	"evidence show":     "evident evidence show [FLAGS] ID",
	"catalog show":      "evident catalog show [FLAGS] ID",
	"incident update":   "evident incident update [FLAGS] ID",
	"incident classify": "evident incident classify [FLAGS] ID",
	"incident notify":   "evident incident notify [FLAGS] ID",
	"incident close":    "evident incident close [FLAGS] ID",
	"incident show":     "evident incident show [FLAGS] ID",
	"pack verify":       "evident pack verify [FLAGS] PACK.zip",
	"review accept":     "evident review accept [FLAGS] ID",
	"review reject":     "evident review reject [FLAGS] ID --reason TEXT",
	"approve":           "evident approve [FLAGS] SUBJECT\n       evident approve --list [--state STATE] [--kind KIND]",
	"user add":          "evident user add [FLAGS] LOGIN --role ROLE",
	"user role":         "evident user role [FLAGS] LOGIN ROLE",
	"user passwd":       "evident user passwd [FLAGS] LOGIN",
	"user disable":      "evident user disable [FLAGS] LOGIN",
	"user enable":       "evident user enable [FLAGS] LOGIN",
	"user token":        "evident user token [FLAGS] LOGIN --name LABEL\n       evident user token list LOGIN\n       evident user token revoke TOKEN-ID",
	"user mfa":          "evident user mfa reset LOGIN\n       evident user mfa require --role ROLE [--off]\n       evident user mfa roles",
	"user mfa reset":    "evident user mfa reset [FLAGS] LOGIN",
	"user mfa require":  "evident user mfa require [FLAGS] --role ROLE [--off]",
	"completion":        "evident completion bash|zsh|fish",
	"help":              "evident help [COMMAND [SUBCOMMAND]]",
}

// printFlagUsage is what -h prints for a command: its synopsis, what it
// needs to know beyond flags (import's formats), and every flag.
func printFlagUsage(w io.Writer, fs *flag.FlagSet) {
	name := fs.Name()
	if s, ok := synopses[name]; ok {
		fmt.Fprintf(w, "Usage: %s\n", s)
	} else {
		fmt.Fprintf(w, "Usage: evident %s [FLAGS]\n", name)
	}
	if subs := commandTable()[name].also; len(subs) > 0 {
		fmt.Fprintln(w, "\nSubcommands:")
		for _, s := range subs {
			fmt.Fprintf(w, "  %s  %s (see `evident %s %s -h`)\n", s.name, s.summary, name, s.name)
		}
	}
	if name == "import" {
		fmt.Fprintln(w, "\nFORMAT is detected from the file's content when left out. Formats and the files each reads:")
		for _, f := range importer.Formats() {
			fmt.Fprintf(w, "  %-9s %s\n", f, importer.Accepts(f))
		}
	}
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// commandPaths lists every runnable command as its words ("status",
// "evidence add"), sorted: what help, completion and the tests walk.
func commandPaths() [][]string {
	var out [][]string
	cmds := commands()
	for _, n := range sortedKeys(cmds) {
		if len(cmds[n].subs) == 0 {
			out = append(out, []string{n})
			for _, s := range cmds[n].also {
				out = append(out, []string{n, s.name})
			}
			continue
		}
		for _, s := range cmds[n].subs {
			out = append(out, []string{n, s.name})
		}
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// flagsOf returns the flag set the command at path parses, by running it
// with -h into a discarded stream: the flags a command defines live in its
// own code, and this way help, completion and the tests read the same
// definitions the command parses with.
func (a *app) flagsOf(path []string) *flag.FlagSet {
	probe := *a
	probe.stdout, probe.stderr = io.Discard, io.Discard
	var seen *flag.FlagSet
	probe.onFlags = func(fs *flag.FlagSet) { seen = fs }
	_ = probe.dispatch(append(slices.Clone(path), "-h"))
	return seen
}

// cmdHelp is `evident help [COMMAND [SUBCOMMAND]]`: the same text as
// `evident COMMAND -h`.
func cmdHelp(a *app, args []string) error {
	args, err := a.parse(a.flags("help"), args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		a.usage(a.stdout)
		return nil
	}
	if _, ok := commands()[args[0]]; !ok {
		return evident.Errorf(evident.EINVALID, "help: unknown command %q (run `evident help` for the list)", args[0])
	}
	return a.dispatch(append(slices.Clone(args), "-h"))
}

// commandTable is commands, reached through a variable set in init:
// printFlagUsage runs inside every subcommand, and the subcommand tables
// name those subcommands, so a direct call would be an initialisation cycle.
var commandTable func() map[string]command

func init() { commandTable = commands }
