// Package crlreason names the revocation reason codes of RFC 5280 section
// 5.3.1, which CRLs, OCSP responses and revocation requests share, so that
// every view spells a reason the same way.
package crlreason

import (
	"fmt"
	"strings"
)

var names = []string{0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
	4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise"}

// Name names a CRLReason code as RFC 5280 does.
func Name(code int) string {
	if code >= 0 && code < len(names) && names[code] != "" {
		return names[code]
	}
	return fmt.Sprintf("reason %d", code)
}

// Parse reads a reason by its RFC 5280 name (any case) and returns its code.
func Parse(s string) (int, error) {
	for code, n := range names {
		if n != "" && strings.EqualFold(n, s) {
			return code, nil
		}
	}
	return 0, fmt.Errorf("unknown revocation reason %q: want one of %s", s, strings.Join(Known(), ", "))
}

// Known lists the reason names, in code order.
func Known() []string {
	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}
