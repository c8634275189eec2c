package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/evidenthq/evident/internal/sqlstore"
)

// FuzzSecondFactorCode feeds what a person might type into the code
// field: it never panics, only six digits can be a TOTP code, a matched
// code is the one the app shows at that step, and a recovery code hashes
// the same however it is cased or grouped.
func FuzzSecondFactorCode(f *testing.F) {
	for _, s := range []string{"", "123456", " 123456 ", "12345", "1234567", "abcd-efgh-ijkm-npqr", "ABCDEFGHIJKMNPQR", "١٢٣٤٥٦", "\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	m := sqlstore.MFA{Secret: "JBSWY3DPEHPK3PXP", EnrolledAt: time.Unix(1, 0)}
	now := time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, code string) {
		p, ok := proofOf(m, "ada", code, now)
		trimmed := strings.TrimSpace(code)
		isDigits := len(trimmed) == 6 && strings.Trim(trimmed, "0123456789") == ""
		if p.RecoveryHash == nil && !isDigits {
			t.Fatalf("%q taken for a TOTP code", code)
		}
		if ok && p.RecoveryHash == nil {
			if step, _ := matchTOTP(m.Secret, trimmed, now); step != p.Step || p.Step < now.Unix()/30-1 || p.Step > now.Unix()/30+1 {
				t.Fatalf("%q matched step %d, outside one step of %d", code, p.Step, now.Unix()/30)
			}
		}
		// Case folding is only promised for ASCII: recovery codes are.
		ascii := strings.IndexFunc(code, func(r rune) bool { return r > 127 }) < 0
		if p.RecoveryHash != nil && ascii {
			regrouped := strings.ToUpper(strings.ReplaceAll(code, "-", ""))
			if !bytes.Equal(recoveryHash("ada", regrouped), recoveryHash("ada", code)) {
				t.Fatalf("%q and %q hash differently", code, regrouped)
			}
		}
	})
}
