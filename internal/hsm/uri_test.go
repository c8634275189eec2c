package hsm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want URI
	}{
		{"pkcs11:token=evident;object=ledger?module-path=/usr/lib/softhsm/libsofthsm2.so",
			URI{Token: "evident", Object: "ledger", ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{"pkcs11:token=TSP%20HSM;id=%01%02;type=private?module-path=/m.so&pin-source=file:/etc/evident/pin",
			URI{Token: "TSP HSM", ID: []byte{1, 2}, ModulePath: "/m.so", PINSource: "file:/etc/evident/pin"}},
		// pin-source in the path, as operators often write it.
		{"pkcs11:token=a;object=b;pin-source=file:/p;module-path=/m.so",
			URI{Token: "a", Object: "b", ModulePath: "/m.so", PINSource: "file:/p"}},
	} {
		got, err := ParseURI(tc.in)
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseURI(%q) (-want +got):\n%s", tc.in, d)
		}
		again, err := ParseURI(got.String())
		if err != nil || !cmp.Equal(got, again) {
			t.Errorf("String() %q does not parse back: %v", got.String(), err)
		}
	}
}

func TestParseURIRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/evident/ledger.key":                           "is not a PKCS#11 URI",
		"pkcs11:object=ledger?module-path=/m.so":                "token is required",
		"pkcs11:token=a?module-path=/m.so":                      "object or id is required",
		"pkcs11:token=a;object=b":                               "module-path is required",
		"pkcs11:token=a;object=b?module-path=/m&pin-value=1234": "pin-value is refused",
		"pkcs11:token=a;object=b;slot=3?module-path=/m":         `unknown attribute "slot"`,
		"pkcs11:token=a;token=c;object=b?module-path=/m":        `"token" given twice`,
		"pkcs11:token=a;object=b;type=public?module-path=/m":    "type=public",
		"pkcs11:token=a;object=b%zz?module-path=/m":             `attribute "object"`,
		"pkcs11:token=a%0A;object=b?module-path=/m":             "control character",
		"pkcs11:token=a;object=b?module-path=/m&pin-source=env": "only file:PATH",
	} {
		_, err := ParseURI(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURI(%q) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestPIN(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == PINEnv {
				return v
			}
			return ""
		}
	}
	file := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(file, []byte("1234\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if pin, err := (URI{PINSource: "file:" + file}).PIN(env("9999")); err != nil || pin != "1234" {
		t.Errorf("PIN from file: %q, %v; want 1234 (the file wins)", pin, err)
	}
	if pin, err := (URI{}).PIN(env("9999")); err != nil || pin != "9999" {
		t.Errorf("PIN from %s: %q, %v", PINEnv, pin, err)
	}
	if _, err := (URI{}).PIN(env("")); err == nil || !strings.Contains(err.Error(), PINEnv) {
		t.Errorf("no PIN: %v, want an error naming %s", err, PINEnv)
	}
	if _, err := (URI{PINSource: "file:" + file + ".missing"}).PIN(env("")); err == nil || !strings.Contains(err.Error(), "pin-source") {
		t.Errorf("missing PIN file: %v", err)
	}
}

func FuzzParseURI(f *testing.F) {
	f.Add("pkcs11:token=evident;object=ledger?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/p")
	f.Add("pkcs11:token=%41;id=%00%ff;type=private?module-path=/m")
	f.Add("pkcs11:;;??&&==")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		again, err := ParseURI(u.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String() %q does not: %v", s, u.String(), err)
		}
		if !cmp.Equal(u, again) {
			t.Fatalf("%q: round trip changed %+v to %+v", s, u, again)
		}
	})
}
