package web

// navItem is one entry of the main navigation.
type navItem struct {
	Key   string // matches page.Nav on the pages it covers
	Label string
	Href  string
	Perm  string // the permission the page needs; hidden from others
}

// navigation lists the pages in the order people work through a program:
// where we stand, what the standard asks, how we meet it, and the proof.
// A page is listed here only once it is served.
var navigation = []navItem{
	{"dashboard", "Dashboard", "/", "read"},
	{"mine", "My work", "/mine", "read"},
	{"tasks", "Tasks", "/tasks", "read"},
	{"gaps", "Gaps", "/gaps", "read"},
	{"requirements", "Requirements", "/catalog", "read"},
	{"scope", "Scope", "/scope", "read"},
	{"risks", "Risks", "/risks", "read"},
	{"controls", "Controls", "/controls", "read"},
	{"policies", "Policies", "/policies", "read"},
	{"evidence", "Evidence", "/evidence", "read"},
	{"reviews", "Reviews", "/reviews", "read"},
	{"approvals", "Approvals", "/approvals", "approve"},
	{"incidents", "Incidents", "/incidents", "read"},
	{"changes", "Changes", "/changes", "read"},
	{"revocations", "Revocations", "/revocations", "read"},
	{"engagements", "Engagements", "/engagements", "read"},
	{"packs", "Packs", "/packs", "pack.export"},
	{"audit", "Audit trail", "/audit", "read"},
	{"notifications", "Notifications", "/settings/notifications", "self"},
}
