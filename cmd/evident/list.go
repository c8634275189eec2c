package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/catalog"
)

// kind is one KIND of `evident list KIND` and `evident show KIND ID`.
type kind struct {
	header string                                      // the table header for list
	rows   func(v *programView) [][]string             // one row per object, the id first
	find   func(v *programView, id string) (any, bool) // the object shown by show
}

// programView is the stored program with the requirements of its version,
// what list and show render from.
type programView struct {
	m    *evident.Model
	reqs []evident.Requirement
}

// kinds lists every KIND; "soa" and "requirements" are the same statement
// of applicability seen from the requirement side.
func kinds() map[string]kind {
	soa := kind{"REQUIREMENT\tAPPLICABLE\tCONTROLS OR JUSTIFICATION", soaRows, findStatement}
	return map[string]kind{
		"services": {"ID\tTYPE\tQUALIFICATION\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.Services {
				r = append(r, []string{x.ID, string(x.Type), orDash(string(x.Qualification)), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.ServiceByID(id)) }},
		"systems": {"ID\tKIND\tZONE\tVERSION\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.Systems {
				r = append(r, []string{x.ID, string(x.Kind), orDash(x.Zone), orDash(x.Version), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.SystemByName(id)) }},
		"zones": {"ID\tOFFLINE\tALLOWED SERVICES\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.Zones {
				r = append(r, []string{x.ID, boolWord(x.Offline), orDash(strings.Join(x.AllowedServices, " ")), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.ZoneByID(id)) }},
		"suppliers": {"ID\tAGREEMENT\tNEXT REVIEW\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.Suppliers {
				r = append(r, []string{x.ID, orDash(x.Agreement), dateOrDash(x.NextReview()), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.SupplierByID(id)) }},
		"roles": {"ID\tTRUSTED\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.Roles {
				r = append(r, []string{x.ID, boolWord(x.Trusted), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.RoleByID(id)) }},
		"people": {"ID\tMANAGEMENT BODY\tROLES\tNAME", func(v *programView) (r [][]string) {
			for _, x := range v.m.People {
				r = append(r, []string{x.ID, boolWord(x.ManagementBody), orDash(strings.Join(x.Roles, " ")), x.Name})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.PersonByID(id)) }},
		"risks": {"ID\tINHERENT\tRESIDUAL\tOWNER\tTITLE", func(v *programView) (r [][]string) {
			for _, x := range v.m.Risks {
				r = append(r, []string{x.ID, strconv.Itoa(x.Inherent()), strconv.Itoa(x.Residual()), orDash(x.Owner), x.Title})
			}
			return r
		}, findRisk},
		"treatments": {"ID\tRISK\tDECISION\tCONTROLS AND POLICIES", func(v *programView) (r [][]string) {
			for _, x := range v.m.Treatments {
				r = append(r, []string{x.ID, x.Risk, string(x.Decision), orDash(strings.Join(append(append([]string{}, x.Controls...), x.Policies...), " "))})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.TreatmentByID(id)) }},
		"acceptances": {"ID\tRISK\tAPPROVER\tDATE\tEXPIRES", func(v *programView) (r [][]string) {
			for _, x := range v.m.Acceptances {
				r = append(r, []string{x.ID, x.Risk, orDash(x.Approver), dateOrDash(x.Date), dateOrDash(x.Expires)})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.AcceptanceByID(id)) }},
		"controls": {"ID\tCADENCE\tMETHOD\tOWNER\tREQUIREMENTS\tTITLE", func(v *programView) (r [][]string) {
			for _, x := range v.m.Controls {
				r = append(r, []string{x.ID, orDash(x.Cadence.String()), orDash(methodName(x.Method)), orDash(x.Owner), strconv.Itoa(len(x.Requirements)), x.Title})
			}
			return r
		}, findControl},
		// The program files' approval dates are claims; `evident approve
		// --list` shows the approval acts.
		"policies": {"ID\tKIND\tVERSION\tAPPROVAL CLAIMED\tTITLE", func(v *programView) (r [][]string) {
			for _, x := range v.m.Policies {
				cur, _ := x.Current()
				r = append(r, []string{x.ID, string(x.Kind), orDash(cur.Version), dateOrDash(cur.Approved()), x.Title})
			}
			return r
		}, func(v *programView, id string) (any, bool) { return found(v.m.PolicyByID(id)) }},
		"soa":          soa,
		"requirements": soa,
	}
}

func kindNames() string {
	var names []string
	for n := range kinds() {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// cmdList prints the objects of one kind as a table, or JSON with --json.
func cmdList(a *app, args []string) error {
	fs := a.flags("list")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return evident.Errorf(evident.EINVALID, "list: want one KIND (%s)", kindNames())
	}
	k, ok := kinds()[pos[0]]
	if !ok {
		return evident.Errorf(evident.EINVALID, "list: unknown kind %q (want %s)", pos[0], kindNames())
	}
	v, err := a.programView()
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(listJSON(v, pos[0]))
	}
	rows := k.rows(v)
	writeTable(a.stdout, k.header, rows)
	return nil
}

// listJSON returns the objects of kind as their JSON documents.
func listJSON(v *programView, name string) any {
	switch name {
	case "services":
		return orEmpty(v.m.Services)
	case "systems":
		return orEmpty(v.m.Systems)
	case "zones":
		return orEmpty(v.m.Zones)
	case "suppliers":
		return orEmpty(v.m.Suppliers)
	case "roles":
		return orEmpty(v.m.Roles)
	case "people":
		return orEmpty(v.m.People)
	case "risks":
		return orEmpty(v.m.Risks)
	case "treatments":
		return orEmpty(v.m.Treatments)
	case "acceptances":
		return orEmpty(v.m.Acceptances)
	case "controls":
		return orEmpty(v.m.Controls)
	case "policies":
		return orEmpty(v.m.Policies)
	}
	return v.m.Statement(v.reqs)
}

// orEmpty makes an empty section print as [] rather than null.
func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// programView opens the store and reads the program and its requirements.
func (a *app) programView() (*programView, error) {
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	m, err := st.Model(a.ctx)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	reqs, err := cat.Requirements(m.Program.Version, cat.ProgramOverlays(m.Program, m.Services)...)
	if err != nil {
		return nil, err
	}
	return &programView{m: m, reqs: reqs}, nil
}

func soaRows(v *programView) (r [][]string) {
	for _, s := range v.m.Statement(v.reqs) {
		what := strings.Join(s.Controls, " ")
		if !s.Applicable {
			what = firstLineOf(s.Justification)
		}
		applicable := "yes"
		if !s.Applicable {
			applicable = "no"
		}
		r = append(r, []string{string(s.Requirement.ID), applicable, orDash(what)})
	}
	return r
}

func writeTable(w io.Writer, header string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

func found[T any](p *T) (any, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

func methodName(m evident.VerificationMethod) string {
	if m.Kind == evident.MethodImport {
		return "import " + m.Format
	}
	return string(m.Kind)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
