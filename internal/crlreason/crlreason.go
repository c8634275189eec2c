// Package crlreason names the revocation reason codes of RFC 5280 section
// 5.3.1, which CRLs, OCSP responses and revocation requests share, so that
// every view spells a reason the same way.
package crlreason

import "fmt"

var names = []string{0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"}

// Name names a CRLReason code as RFC 5280 does.
func Name(code int) string {
	if code >= 0 && code < len(names) && names[code] != "" {
		return names[code]
	}
	return fmt.Sprintf("reason %d", code)
}
