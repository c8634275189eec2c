//go:build !pkcs11 || !cgo

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The static build cannot load a PKCS#11 library; asked for a token it
// says so and stops, before anything is written.
func TestStaticBuildRefusesTokenSigner(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"EVIDENT_DATA": data}
	if code, out, errs := cli(t, env, "init"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	uri := "pkcs11:token=tsp;object=ledger?module-path=/usr/lib/softhsm/libsofthsm2.so"
	for _, tc := range []struct {
		signer string
		args   []string
		want   string
	}{
		{uri, []string{"checkpoint"}, "this evident is the static build, without PKCS#11"},
		{uri, []string{"user", "add", "bob", "--role", "compliance-manager"}, "without PKCS#11"},
		{"pkcs11:token=tsp;object=ledger?module-path=/m&pin-value=1234", []string{"checkpoint"}, "EVIDENT_SIGNER: signer URI: pin-value is refused"},
		{"/etc/evident/ledger.key", []string{"checkpoint"}, "EVIDENT_SIGNER: signer URI: \"/etc/evident/ledger.key\" is not a PKCS#11 URI"},
	} {
		env[signerEnv] = tc.signer
		code, _, errs := cli(t, env, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s with %s=%s: exit %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), signerEnv, tc.signer, code, errs, tc.want)
		}
	}
	delete(env, signerEnv)
	if code, out, errs := cli(t, env, "user", "list"); code != 0 || strings.Contains(out, "bob") {
		t.Errorf("user list: exit %d, %q %q; want bob not added", code, out, errs)
	}
	if code, out, errs := cli(t, env, "init"); code != 2 {
		t.Errorf("second init: exit %d %s%s", code, out, errs)
	}
}
