package web

import (
	"html/template"
	"strings"
	"testing"
)

// navHTML writes, byte for byte, what the layout's loop over the
// navigation wrote, for every current page and set of permissions, and
// what it keeps is the same as what it renders fresh.
func TestNavHTMLIsTheLayouts(t *testing.T) {
	if len(navigation) > 64 {
		t.Fatalf("%d navigation entries: navHTML keys the entries shown as the bits of a uint64", len(navigation))
	}
	ref := template.Must(template.New("ref").Parse(`{{$cur := .Nav}}{{range .Items}}{{if call $.Can .Perm}}
    <a href="{{.Href}}"{{if eq .Key $cur}} aria-current="page"{{end}}>{{.Label}}</a>{{end}}{{end}}`))
	perms := map[string]func(string) bool{
		"none":    func(string) bool { return false },
		"all":     func(string) bool { return true },
		"read":    func(p string) bool { return p == "read" },
		"approve": func(p string) bool { return p == "read" || p == "approve" },
		"self":    func(p string) bool { return p == "self" },
	}
	curs := []string{"", "nosuch"}
	for _, it := range navigation {
		curs = append(curs, it.Key)
	}
	for name, can := range perms {
		for _, cur := range curs {
			var want strings.Builder
			if err := ref.Execute(&want, struct {
				Nav   string
				Items []navItem
				Can   func(string) bool
			}{cur, navigation, can}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // rendered, then kept
				got, err := navHTML(cur, can)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want.String() {
					t.Errorf("%s, current %q:\n got %s\nwant %s", name, cur, got, want.String())
				}
			}
		}
	}
	if all, _ := navHTML("controls", perms["all"]); strings.Count(string(all), "<a ") != len(navigation) ||
		strings.Count(string(all), `aria-current="page"`) != 1 {
		t.Errorf("every permission, on /controls: %s", all)
	}
}
