package main

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/goccy/go-yaml"
)

// cmdShow prints one object: YAML for people, JSON with --json. Risks come
// with their treatments and acceptances, controls with the text of the
// requirements they meet, and requirements with the chain requirement ->
// controls -> verification method.
func cmdShow(a *app, args []string) error {
	fs := a.flags("show")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return evident.Errorf(evident.EINVALID, "show: want KIND ID (KIND one of %s)", kindNames())
	}
	k, ok := kinds()[pos[0]]
	if !ok {
		return evident.Errorf(evident.EINVALID, "show: unknown kind %q (want %s)", pos[0], kindNames())
	}
	v, err := a.programView()
	if err != nil {
		return err
	}
	obj, ok := k.find(v, pos[1])
	if !ok {
		return evident.Errorf(evident.ENOTFOUND, "show: no %s %q (run `evident list %s`)", pos[0], pos[1], pos[0])
	}
	if a.json {
		return a.printJSON(obj)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return err
	}
	a.out("%s", y)
	return nil
}

// riskView is a risk with what treats it.
type riskView struct {
	evident.Risk
	InherentScore int                  `json:"inherent_score"`
	ResidualScore int                  `json:"residual_score"`
	Treatments    []evident.Treatment  `json:"treatments"`
	Acceptances   []evident.Acceptance `json:"acceptances"`
}

func findRisk(v *programView, id string) (any, bool) {
	r := v.m.RiskByID(id)
	if r == nil {
		return nil, false
	}
	return riskView{Risk: *r, InherentScore: r.Inherent(), ResidualScore: r.Residual(),
		Treatments: orEmpty(v.m.TreatmentsFor(id)), Acceptances: orEmpty(v.m.AcceptancesFor(id))}, true
}

// controlView is a control with the requirements it meets spelled out.
type controlView struct {
	evident.Control
	Meets []requirementLine `json:"meets"`
}

type requirementLine struct {
	Requirement evident.RequirementRef `json:"requirement"`
	Clause      string                 `json:"clause"`
	Text        string                 `json:"text"`
}

func findControl(v *programView, id string) (any, bool) {
	c := v.m.ControlByID(id)
	if c == nil {
		return nil, false
	}
	cv := controlView{Control: *c, Meets: []requirementLine{}}
	for _, ref := range c.Requirements {
		line := requirementLine{Requirement: ref}
		for _, r := range v.reqs {
			if r.Ref() == ref {
				line.Clause, line.Text = r.Clause+" "+r.ClauseTitle, r.Text
			}
		}
		cv.Meets = append(cv.Meets, line)
	}
	return cv, true
}

// traceView is one requirement's line of the statement of applicability
// with its controls' verification methods: the traceability chain.
type traceView struct {
	evident.Statement
	Chain []traceControl `json:"chain"`
}

type traceControl struct {
	Control   string             `json:"control"`
	Title     string             `json:"title"`
	Owner     string             `json:"owner,omitempty"`
	Method    string             `json:"method,omitempty"` // "import chrony", "document-review"
	Criteria  []string           `json:"criteria,omitempty"`
	Performer *evident.Performer `json:"performer,omitempty"`
	Cadence   string             `json:"cadence,omitempty"`
}

func findStatement(v *programView, id string) (any, bool) {
	for _, s := range v.m.Statement(v.reqs) {
		if string(s.Requirement.ID) != strings.ToUpper(id) && s.Requirement.Ref().String() != id {
			continue
		}
		tv := traceView{Statement: s, Chain: []traceControl{}}
		for _, cid := range s.Controls {
			c := v.m.ControlByID(cid)
			tc := traceControl{Control: c.ID, Title: c.Title, Owner: c.Owner, Method: methodName(c.Method),
				Performer: c.Method.Performer, Cadence: c.Cadence.String()}
			for _, cr := range c.Method.Criteria {
				tc.Criteria = append(tc.Criteria, cr.String())
			}
			tv.Chain = append(tv.Chain, tc)
		}
		return tv, true
	}
	return nil, false
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}
