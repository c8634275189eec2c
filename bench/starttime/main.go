// Command starttime runs commands in alternating rounds and prints, for
// each, the median wall time, CPU time (user + system) and peak resident
// memory of its process, read from the kernel's accounting of the child
// (wait4), so the figures are the command's own and not a shell's.
// Alternating spreads a busy machine's noise over every command alike,
// which keeps the ratio between a command and its limit meaningful.
//
// Usage: starttime -n RUNS NAME COMMAND [ARG ...] \; [NAME COMMAND ... \;]
//
// Each group names a command and gives its words as separate arguments
// (no shell, so the shell's start is not counted), ended by ";". Output
// is discarded; a non-zero exit stops the run.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

type sample struct {
	wall, cpu time.Duration
	rss       int64
}

func main() {
	runs := flag.Int("n", 21, "rounds; every command runs once per round")
	flag.Parse()
	var names []string
	var argv [][]string
	var group []string
	for _, a := range append(flag.Args(), ";") {
		if a != ";" {
			group = append(group, a)
			continue
		}
		if len(group) == 1 {
			fmt.Fprintf(os.Stderr, "starttime: %s: no command\n", group[0])
			os.Exit(2)
		}
		if len(group) > 1 {
			names, argv = append(names, group[0]), append(argv, group[1:])
		}
		group = nil
	}
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "usage: starttime -n RUNS NAME COMMAND [ARG ...] ; ...")
		os.Exit(2)
	}
	got := make([][]sample, len(argv))
	for range *runs {
		for i, a := range argv {
			s, err := run(a)
			if err != nil {
				fmt.Fprintf(os.Stderr, "starttime: %s: %v\n", names[i], err)
				os.Exit(1)
			}
			got[i] = append(got[i], s)
		}
	}
	fmt.Printf("%-12s %10s %10s %10s\n", "command", "wall ms", "cpu ms", "rss MB")
	for i, name := range names {
		w, c, r := median(got[i])
		fmt.Printf("%-12s %10.1f %10.1f %10.1f\n", name, ms(w), ms(c), float64(r)/1024)
	}
}

// run starts one command and reads its own resource use.
func run(argv []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, err
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rss: ru.Maxrss}, nil
}

// median takes each figure's median on its own.
func median(s []sample) (wall, cpu time.Duration, rss int64) {
	var w, c []time.Duration
	var r []int64
	for _, x := range s {
		w, c, r = append(w, x.wall), append(c, x.cpu), append(r, x.rss)
	}
	slices.Sort(w)
	slices.Sort(c)
	slices.Sort(r)
	m := len(s) / 2
	return w[m], c[m], r[m]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
