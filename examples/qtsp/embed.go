// Package qtsp carries the example program in the binary, so `evident
// serve --demo` shows it wherever the binary runs. The YAML beside this
// file is the program; README.md explains it and its deliberate gaps.
package qtsp

import "embed"

// Files is the example program directory: the YAML files and the policy
// documents they reference.
//
//go:embed *.yaml policies
var Files embed.FS
