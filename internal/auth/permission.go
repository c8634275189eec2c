package auth

import (
	"slices"

	"github.com/evidenthq/evident"
)

// Permission is what a route needs. Routes name a permission, never a
// role, so the whole policy is the one table below.
type Permission string

// The permissions.
const (
	// Public needs no sign-in: health, the sign-in page, static assets,
	// the OpenAPI document.
	Public Permission = "public"
	// Read is reading the program, the catalog, evidence, status and the
	// audit trail; an assessor's reads are narrowed to their period.
	Read Permission = "read"
	// Self is managing one's own API tokens and session.
	Self Permission = "self"
	// WriteEvidence is adding evidence and importing tool output; a
	// control owner only for their own controls.
	WriteEvidence Permission = "evidence.write"
	// Operate is recording changes and working incidents.
	Operate Permission = "operate"
	// ManageProgram is changing scope, risks, controls and policies.
	ManageProgram Permission = "program.write"
	// Approve is the management body's decisions: risk acceptances,
	// policies, exceptions.
	Approve Permission = "approve"
	// ExportPack is exporting the evidence pack; an assessor only for
	// their period.
	ExportPack Permission = "pack.export"
	// ManageUsers is adding users, changing roles and others' tokens.
	ManageUsers Permission = "users.manage"
	// Assess is taking part in an assessment: an assessor raises requests
	// and findings and accepts closures, a manager answers and proposes
	// closure. The store decides which step each login may make, and
	// narrows an assessor to the engagements they are tied to.
	Assess Permission = "assess"
	// ManageRetention is reading the retention plan and placing and
	// releasing legal holds: a compliance manager's duty when an incident
	// or a dispute needs evidence kept.
	ManageRetention Permission = "retention.manage"
	// ApplyRetention is deleting the evidence files whose retention ended.
	// It destroys bytes, so it stays with the administrator alone.
	ApplyRetention Permission = "retention.apply"
)

// grants is the authorisation policy. Approval is deliberately not an
// admin's: the management body's decisions are theirs alone (REQ-5-05),
// and an administrator who could approve could also grant themselves
// the role, which the audit trail would show.
var grants = map[Permission][]evident.UserRole{
	Read:            evident.UserRoles,
	Self:            evident.UserRoles,
	WriteEvidence:   {evident.RoleAdmin, evident.RoleComplianceManager, evident.RoleControlOwner},
	Operate:         {evident.RoleAdmin, evident.RoleComplianceManager, evident.RoleControlOwner},
	ManageProgram:   {evident.RoleAdmin, evident.RoleComplianceManager},
	Approve:         {evident.RoleApprover},
	ExportPack:      {evident.RoleAdmin, evident.RoleComplianceManager, evident.RoleAssessor},
	ManageUsers:     {evident.RoleAdmin},
	Assess:          {evident.RoleAdmin, evident.RoleComplianceManager, evident.RoleAssessor},
	ManageRetention: {evident.RoleAdmin, evident.RoleComplianceManager},
	ApplyRetention:  {evident.RoleAdmin},
}

// Permissions lists every permission, for documentation and tests.
var Permissions = []Permission{Public, Read, Self, WriteEvidence, Operate, ManageProgram, Approve, ExportPack, ManageUsers, Assess, ManageRetention, ApplyRetention}

// Allows reports whether role r holds permission p. An unknown permission
// allows no one: a typo in a route must fail closed.
func (p Permission) Allows(r evident.UserRole) bool {
	if p == Public {
		return true
	}
	return slices.Contains(grants[p], r)
}

// Roles returns the roles holding p, in the order of evident.UserRoles.
func (p Permission) Roles() []evident.UserRole {
	var out []evident.UserRole
	for _, r := range evident.UserRoles {
		if p.Allows(r) {
			out = append(out, r)
		}
	}
	return out
}
