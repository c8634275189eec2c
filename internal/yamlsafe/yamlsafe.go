// Package yamlsafe guards the YAML decoder. go-yaml panics on some
// malformed documents (a tag with no value, `overlays: !`, makes it
// dereference a nil node), and the files it reads are users': a bad
// program or catalog file must give a clear error, never a crash.
package yamlsafe

import "fmt"

// Do runs decode and returns its error, or an error saying the decoder
// could not read the document if it panicked.
func Do(decode func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML the decoder cannot read (%v): look for a tag (!) or anchor with no value", r)
		}
	}()
	return decode()
}
