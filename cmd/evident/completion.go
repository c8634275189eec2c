package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/evidenthq/evident"
)

// cmdCompletion prints a completion script for bash, zsh or fish. The
// script is generated from the command table and from the flag sets the
// commands parse with (flagsOf), so a new command or flag completes
// without anyone editing a script.
func cmdCompletion(a *app, args []string) error {
	fs := a.flags("completion")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return evident.Errorf(evident.EINVALID, "completion: name one shell: bash, zsh or fish")
	}
	tree := a.completionTree()
	switch pos[0] {
	case "bash":
		writeBash(a.stdout, tree)
	case "zsh":
		// zsh runs the bash function through its bash compatibility
		// layer, the way many CLIs ship one script for both.
		fmt.Fprintln(a.stdout, "#compdef evident")
		fmt.Fprintln(a.stdout, "autoload -U +X bashcompinit && bashcompinit")
		writeBash(a.stdout, tree)
	case "fish":
		writeFish(a.stdout, tree)
	default:
		return evident.Errorf(evident.EINVALID, "completion: unknown shell %q: want bash, zsh or fish", pos[0])
	}
	return nil
}

// completionNode is a command or subcommand with what completes after it.
type completionNode struct {
	name, summary string
	subs          []completionNode
	flags         []completionFlag
}

// completionFlag is one flag and whether it takes a value.
type completionFlag struct {
	name, usage string
	value       bool
}

// completionTree walks the command table.
func (a *app) completionTree() []completionNode {
	cmds := commands()
	var out []completionNode
	for _, n := range sortedKeys(cmds) {
		c := cmds[n]
		node := completionNode{name: n, summary: c.summary}
		if len(c.subs) == 0 {
			node.flags = flagList(a.flagsOf([]string{n}))
		}
		for _, s := range append(slices.Clone(c.subs), c.also...) {
			node.subs = append(node.subs, completionNode{name: s.name, summary: s.summary, flags: flagList(a.flagsOf([]string{n, s.name}))})
		}
		out = append(out, node)
	}
	return out
}

// flagList lists a flag set's flags by name.
func flagList(fs *flag.FlagSet) []completionFlag {
	if fs == nil {
		return nil
	}
	var out []completionFlag
	fs.VisitAll(func(f *flag.Flag) {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		out = append(out, completionFlag{name: f.Name, usage: f.Usage, value: !ok || !b.IsBoolFlag()})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// globalValueFlags are the global flags that take a value, which the bash
// script skips with their value when finding the command words.
const globalValueFlags = "--data|--db|--blobs|--actor|-data|-db|-blobs|-actor"

// writeBash writes the bash completion function.
func writeBash(w io.Writer, tree []completionNode) {
	var names []string
	for _, n := range tree {
		names = append(names, n.name)
	}
	fmt.Fprintf(w, `# bash completion for evident; load with: source <(evident completion bash)
_evident() {
	local cur="${COMP_WORDS[COMP_CWORD]}" cmd="" sub="" i w skip=0 n=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		w="${COMP_WORDS[i]}"
		if ((skip)); then skip=0; continue; fi
		case "$w" in
		%s) skip=1; continue ;;
		-*) continue ;;
		esac
		if ((n == 0)); then cmd="$w"; elif ((n == 1)); then sub="$w"; fi
		((n++))
	done
	local words="" flags=""
	case "$cmd" in
	"") words=%q ;;
`, globalValueFlags, strings.Join(names, " "))
	for _, n := range tree {
		if len(n.subs) == 0 {
			fmt.Fprintf(w, "\t%s) flags=%q ;;\n", n.name, bashFlags(n.flags))
			continue
		}
		var subs []string
		for _, s := range n.subs {
			subs = append(subs, s.name)
		}
		// A command that also runs by itself completes its own flags
		// beside its subcommands.
		fmt.Fprintf(w, "\t%s)\n\t\tcase \"$sub\" in\n\t\t\"\") words=%q flags=%q ;;\n", n.name, strings.Join(subs, " "), bashFlags(n.flags))
		for _, s := range n.subs {
			fmt.Fprintf(w, "\t\t%s) flags=%q ;;\n", s.name, bashFlags(s.flags))
		}
		fmt.Fprintf(w, "\t\tesac ;;\n")
	}
	fmt.Fprint(w, `	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$flags" -- "$cur"))
	elif [[ -n "$words" ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -o default -F _evident evident
`)
}

// bashFlags is the flags as --name words.
func bashFlags(fl []completionFlag) string {
	var out []string
	for _, f := range fl {
		out = append(out, "--"+f.name)
	}
	return strings.Join(out, " ")
}

// writeFish writes fish's complete commands.
func writeFish(w io.Writer, tree []completionNode) {
	fmt.Fprintln(w, "# fish completion for evident; load with: evident completion fish | source")
	fmt.Fprintln(w, "complete -c evident -f")
	for _, n := range tree {
		fmt.Fprintf(w, "complete -c evident -n __fish_use_subcommand -a %s -d %s\n", n.name, fishQuote(n.summary))
		if len(n.subs) == 0 {
			writeFishFlags(w, "__fish_seen_subcommand_from "+n.name, n.flags)
			continue
		}
		var subs []string
		for _, s := range n.subs {
			subs = append(subs, s.name)
		}
		all := strings.Join(subs, " ")
		writeFishFlags(w, "__fish_seen_subcommand_from "+n.name+"; and not __fish_seen_subcommand_from "+all, n.flags)
		for _, s := range n.subs {
			fmt.Fprintf(w, "complete -c evident -n %s -a %s -d %s\n",
				fishQuote("__fish_seen_subcommand_from "+n.name+"; and not __fish_seen_subcommand_from "+all), s.name, fishQuote(s.summary))
			writeFishFlags(w, "__fish_seen_subcommand_from "+n.name+"; and __fish_seen_subcommand_from "+s.name, s.flags)
		}
	}
}

// writeFishFlags writes one complete line per flag under condition cond.
func writeFishFlags(w io.Writer, cond string, fl []completionFlag) {
	for _, f := range fl {
		opt := "-l " + f.name
		if f.value {
			opt += " -r -F"
		}
		fmt.Fprintf(w, "complete -c evident -n %s %s -d %s\n", fishQuote(cond), opt, fishQuote(f.usage))
	}
}

// fishQuote quotes s for fish in single quotes.
func fishQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}
