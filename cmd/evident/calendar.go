package main

import (
	"bytes"
	"os"
	"path/filepath"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/ical"
	"github.com/evidenthq/evident/internal/readiness"
)

// cmdCalendar writes the tasks, and the rhythm of each control's cadence,
// as an iCalendar feed that teams subscribe to or import.
func cmdCalendar(a *app, args []string) error {
	fs := a.flags("calendar")
	out := fs.String("out", "", "write the feed to this `file` (.ics; - for standard output)")
	due := fs.String("due", "90d", "include work due within this `span`")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return evident.ErrorAt(evident.EINVALID, "--out", "name the file to write, for example --out evident.ics")
	}
	at := a.now().UTC()
	until, err := horizon(*due, at)
	if err != nil {
		return err
	}
	in, err := a.readinessInput(at, time.Time{}, false)
	if err != nil {
		return err
	}
	events := ical.Events(in, readiness.Tasks(in, until))
	var buf bytes.Buffer
	if err := ical.Write(&buf, in.Model.Program.Name+" compliance", at, events); err != nil {
		return err
	}
	if *out == "-" {
		_, err := a.stdout.Write(buf.Bytes())
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return evident.ErrorAt(evident.EINVALID, "--out", "%v", err)
	}
	a.out("Wrote %s to %s.\n", count(len(events), "event", "events"), *out)
	return nil
}

// writeFileAtomic writes through a temporary file in the same directory,
// so a calendar application polling the file never reads half a feed.
func writeFileAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".evident-*.ics")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
