package yamlsafe

import (
	"errors"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestATagWithNoValueIsAnError: the document that crashed the decoder is
// an error through Do, and Do passes a decoder error through as it is.
func TestATagWithNoValueIsAnError(t *testing.T) {
	var v struct {
		Overlays []string `yaml:"overlays"`
	}
	err := Do(func() error { return yaml.Unmarshal([]byte("overlays: ! \n"), &v) })
	if err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("a tag with no value: %v, want an error saying the decoder cannot read it", err)
	}
	want := errors.New("decoder said no")
	if err := Do(func() error { return want }); err != want {
		t.Fatalf("Do changed the decoder's own error: %v", err)
	}
}
