package web

// navItem is one entry of the main navigation.
type navItem struct {
	Key   string // matches page.Nav on the pages it covers
	Label string
	Href  string
}

// navigation lists the pages in the order people work through a program:
// where we stand, what the standard asks, how we meet it, and the proof.
// A page is listed here only once it is served.
var navigation = []navItem{
	{"dashboard", "Dashboard", "/"},
	{"tasks", "Tasks", "/tasks"},
	{"requirements", "Requirements", "/catalog"},
	{"scope", "Scope", "/scope"},
	{"risks", "Risks", "/risks"},
	{"controls", "Controls", "/controls"},
	{"policies", "Policies", "/policies"},
	{"evidence", "Evidence", "/evidence"},
	{"incidents", "Incidents", "/incidents"},
	{"changes", "Changes", "/changes"},
	{"audit", "Audit trail", "/audit"},
}
