package main

import (
	"fmt"
	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// catalogSubs are `evident catalog`'s subcommands; each reads the
// embedded catalog.
var catalogSubs = []sub{
	{"list", "list requirements (filter by clause, version, overlay)", withCatalog(catalogList)},
	{"show", "show one requirement with its figures and mappings", withCatalog(catalogShow)},
	{"diff", "what changed between two versions of the standard", withCatalog(catalogDiff)},
	{"versions", "list the standard's versions in the catalog", withCatalog(catalogVersions)},
	{"overlays", "list the overlays (legal acts, profiles) in the catalog", withCatalog(catalogOverlays)},
}

// withCatalog loads the catalog for a catalog subcommand.
func withCatalog(f func(*app, *catalog.Catalog, []string) error) func(*app, []string) error {
	return func(a *app, args []string) error {
		cat, err := catalog.Load()
		if err != nil {
			return err
		}
		return f(a, cat, args)
	}
}

// programVersion is the version bare ids resolve against: --version, else
// the program's version in force when a program exists, else the newest.
func (a *app) programVersion(cat *catalog.Catalog, asked string) (string, []string) {
	if asked != "" {
		return asked, nil
	}
	if st, err := a.openStore(); err == nil {
		defer st.Close()
		if m, err := st.Model(a.ctx); err == nil && m.Program.Version != "" {
			return m.Program.Version, cat.ProgramOverlays(m.Program, m.Services)
		}
	}
	return cat.Latest(), nil
}

func catalogList(a *app, cat *catalog.Catalog, args []string) error {
	fs := a.flags("catalog list")
	version := fs.String("version", "", "standard version (default: the program's)")
	clause := fs.String("clause", "", "clause and its sub-clauses, e.g. 7.9 or 7.9.2")
	typ := fs.String("type", "", "requirement type: shall, should, may, conditional, pro, choice")
	overlay := fs.String("overlay", "", "comma-separated overlays to apply (default: the program's)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	v, overlays := a.programVersion(cat, *version)
	if *overlay != "" {
		overlays = splitList(*overlay)
	}
	reqs, err := cat.Filter(catalog.Query{Version: v, Clause: *clause, Type: evident.RequirementType(*typ), Overlays: overlays})
	if err != nil {
		return err
	}
	if a.json {
		if reqs == nil {
			reqs = []evident.Requirement{}
		}
		return a.printJSON(reqs)
	}
	for _, r := range reqs {
		a.out("%s\n", shorten(catalog.FormatLine(r), 160))
	}
	a.out("%d requirements (EN 319 401 V%s)\n", len(reqs), v)
	return nil
}

func catalogShow(a *app, cat *catalog.Catalog, args []string) error {
	fs := a.flags("catalog show")
	version := fs.String("version", "", "standard version (default: the program's)")
	overlay := fs.String("overlay", "", "comma-separated overlays to apply (default: the program's)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return evident.Errorf(evident.EINVALID, "catalog show: want one requirement id, e.g. REQ-7.8-14")
	}
	v, overlays := a.programVersion(cat, *version)
	if *overlay != "" {
		overlays = splitList(*overlay)
	}
	r, err := cat.Resolve(pos[0], v)
	if err != nil {
		return err
	}
	if len(overlays) > 0 && r.Version == v {
		if r2, err := cat.Lookup(r.Ref(), overlays...); err == nil {
			r = r2
		}
	}
	if a.json {
		return a.printJSON(r)
	}
	a.out("%s", catalog.Format(r))
	return nil
}

func catalogDiff(a *app, cat *catalog.Catalog, args []string) error {
	fs := a.flags("catalog diff")
	from := fs.String("from", "", "older version, e.g. 3.1.1")
	to := fs.String("to", "", "newer version, e.g. 3.2.1")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return evident.Errorf(evident.EINVALID, "catalog diff: both --from and --to are required")
	}
	d, err := cat.Diff(*from, *to)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(d)
	}
	a.out("%s", catalog.FormatDiff(d))
	return nil
}

func catalogVersions(a *app, cat *catalog.Catalog, args []string) error {
	if _, err := a.parse(a.flags("catalog versions"), args); err != nil {
		return err
	}
	vs := cat.Versions()
	if a.json {
		return a.printJSON(vs)
	}
	for _, v := range vs {
		state := "complete"
		if !v.Complete {
			state = "partial"
		}
		a.out("%s@%s\t%d requirements\t%s\t%s\n", v.Standard, v.Number, v.Requirements, state, v.Title)
	}
	return nil
}

func catalogOverlays(a *app, cat *catalog.Catalog, args []string) error {
	if _, err := a.parse(a.flags("catalog overlays"), args); err != nil {
		return err
	}
	ovs := cat.Overlays()
	if a.json {
		return a.printJSON(ovs)
	}
	for _, o := range ovs {
		applies := "switched on by name (program overlays)"
		if at := o.AppliesTo; at != nil {
			q := string(at.Qualification)
			if q == "" {
				q = "qualified and non-qualified"
			}
			types := "every service type"
			if len(at.ServiceTypes) > 0 {
				types = fmt.Sprint(at.ServiceTypes)
			}
			applies = q + " services, " + types
		}
		a.out("%s\t%s\tV%s\t%d adaptations\t%s\n", o.Name, firstNonEmpty(o.Act, o.Title), o.Version, len(o.Adaptations), applies)
	}
	return nil
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
