package main

import "github.com/evidenthq/evident/internal/buildinfo"

// version is set at link time by `make release` (-ldflags "-X
// main.version=v1.2.3"); otherwise it is the module version the Go
// toolchain recorded (a pseudo-version, or "(devel)" for a local build).
var version = ""

// readBuildInfo is what `evident version` reports: enough for a TSP to
// tie a running binary to a source revision and toolchain (REQ-7.7 and
// REQ-7.14 ask it to know what it runs), with the release version set at
// link time when there is one.
func readBuildInfo() buildinfo.Info {
	b := buildinfo.Read()
	switch {
	case version != "":
		b.Version = version
	case b.Version == "":
		b.Version = "unknown"
	}
	return b
}

func cmdVersion(a *app, args []string) error {
	fs := a.flags("version")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	b := readBuildInfo()
	if a.json {
		return a.printJSON(b)
	}
	a.out("evident %s\n", b.Version)
	if b.Revision != "" {
		state := "clean tree"
		if b.Modified {
			state = "modified tree"
		}
		a.out("revision %s (%s, %s)\n", b.Revision, b.Time, state)
	}
	cgo := "static, no cgo"
	if b.CGO {
		cgo = "cgo"
	}
	a.out("built with %s for %s (%s)\n", b.Go, b.Platform, cgo)
	return nil
}
