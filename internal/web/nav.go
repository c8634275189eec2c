package web

import (
	"html/template"
	"strconv"
	"strings"
	"sync"
)

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

// navLink is a navigation entry as the layout shows it.
type navLink struct {
	navItem
	Current bool
}

// navLinks renders the entries of the main navigation a reader sees.
var navLinks = template.Must(template.New("nav").Parse(`{{range .}}
    <a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Label}}</a>{{end}}`))

// navCache keeps navHTML's answers by the current entry and the entries
// shown. Both come from the code (a page's Nav, a role's permissions),
// never from a request, so the keys are few.
var navCache sync.Map

// navHTML is the main navigation's links for a reader who may do what can
// allows, cur marked as the current page: rendered by html/template once
// per current entry and set of entries shown. The layout ranged over the
// navigation and asked for each entry's permission through reflection on
// every request: two fifths of the server's CPU for a kept page
// (0.52 ms against 0.33 for the list of controls, 50 clients).
//
// The entries shown are the bits of a uint64: TestNavHTMLIsTheLayouts
// holds the navigation to 64 entries.
func navHTML(cur string, can func(perm string) bool) (template.HTML, error) {
	var shown uint64
	for i, it := range navigation {
		if can(it.Perm) {
			shown |= 1 << i
		}
	}
	key := cur + "\x00" + strconv.FormatUint(shown, 16)
	if h, ok := navCache.Load(key); ok {
		return h.(template.HTML), nil
	}
	var links []navLink
	for i, it := range navigation {
		if shown&(1<<i) != 0 {
			links = append(links, navLink{it, it.Key == cur})
		}
	}
	var b strings.Builder
	if err := navLinks.Execute(&b, links); err != nil {
		return "", err
	}
	h := template.HTML(b.String())
	navCache.Store(key, h)
	return h, nil
}
