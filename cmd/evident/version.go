package main

import (
	"runtime"
	"runtime/debug"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); a plain
// `go build` reports the VCS revision the toolchain recorded instead.
var version = "dev"

func cmdVersion(a *app, args []string) error {
	fs := a.flags("version")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	v, rev := version, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if a.json {
		return a.printJSON(map[string]string{"version": v, "revision": rev, "go": runtime.Version()})
	}
	a.out("evident %s", v)
	if rev != "" {
		a.out(" (%s)", rev)
	}
	a.out(" %s\n", runtime.Version())
	return nil
}
