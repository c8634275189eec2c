// Package buildinfo reads what the Go toolchain recorded in the binary
// about its own build: `evident version` reports it, and results kept
// for later reads are keyed by it, since another build may compute them
// differently.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Info is the build's module version, source revision and toolchain.
type Info struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	CGO      bool   `json:"cgo"`
}

// Read reads the build info; Version is the module version ("(devel)"
// for a local build, empty when the binary carries no build info).
func Read() Info {
	b := Info{Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Version = bi.Main.Version
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

// ID names the build for results kept across processes: the source
// revision (marked when the tree was modified), else the module version,
// else empty (a test binary).
func (b Info) ID() string {
	switch {
	case b.Revision != "" && b.Modified:
		return b.Revision + "+dirty"
	case b.Revision != "":
		return b.Revision
	case b.Version != "(devel)":
		return b.Version
	}
	return ""
}
