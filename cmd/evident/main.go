// Command evident runs a Trust Service Provider's ETSI EN 319 401 compliance
// program: scope, risks, policies, controls, an evidence ledger, readiness,
// incident clocks and an offline-verifiable evidence pack.
//
// main only wires the process to run, which takes everything it touches as
// arguments so tests can drive the whole binary in-process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
