package main

import (
	"runtime"
	"runtime/debug"
)

// version is set at link time by `make release` (-ldflags "-X
// main.version=v1.2.3"); otherwise it is the module version the Go
// toolchain recorded (a pseudo-version, or "(devel)" for a local build).
var version = ""

// buildInfo is what `evident version` reports: enough for a TSP to tie a
// running binary to a source revision and toolchain (REQ-7.7 and
// REQ-7.14 ask it to know what it runs).
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	CGO      bool   `json:"cgo"`
}

// readBuildInfo reads the build's version and VCS stamp from the binary.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if b.Version == "" {
			b.Version = "unknown"
		}
		return b
	}
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "CGO_ENABLED":
			b.CGO = s.Value == "1"
		}
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
