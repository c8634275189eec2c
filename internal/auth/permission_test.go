package auth_test

import (
	"testing"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
)

// The route permission and the store's rule for approval acts must name
// the same roles: a role let through to the approvals routes but refused
// by the store, or the reverse, would make the authorisation table lie.
func TestApprovePermissionMatchesWhoMayApprove(t *testing.T) {
	for _, r := range evident.UserRoles {
		route := auth.Approve.Allows(r)
		act := evident.MayApprove(evident.User{Name: "x", Role: r}) == nil
		if route != act {
			t.Errorf("role %s: the Approve permission allows it %v, the approval act rule %v", r, route, act)
		}
	}
}
