package evident

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Submission is what a submission for a reviewed control holds besides the
// file: the method's content, so a reviewer can check it and an assessor
// can see what was checked. It is the evidence record's Detail.
type Submission struct {
	Method MethodKind `json:"method"`
	// Sampling: what was sampled from and the sampled items. Seed is set
	// when Evident drew the sample from Population.Items.
	Population *Population `json:"population,omitempty"`
	Items      []string    `json:"items,omitempty"`
	Seed       string      `json:"seed,omitempty"`
	// Attestation: who attests to what, for which systems, with the
	// report the method names (an evidence id).
	Attestation *Attested `json:"attestation,omitempty"`
	// Document review: the reviewed policy version and the outcome.
	Document *DocumentReview `json:"document,omitempty"`
	// Exercise: a tabletop, restore or continuity test.
	Exercise *Exercise `json:"exercise,omitempty"`
}

// Population is what a sample was drawn from.
type Population struct {
	Description string `json:"description"`
	Size        int    `json:"size"`
	// Items is the whole population when the submitter gave it, so the
	// draw can be repeated from the seed.
	Items []string `json:"items,omitempty"`
}

// Attested is a person's signed statement: By is the attesting login (the
// submitter, set by the server), Systems what it speaks for.
type Attested struct {
	By        string   `json:"by"`
	Statement string   `json:"statement"`
	Systems   []string `json:"systems,omitempty"`
	Report    string   `json:"report,omitempty"`
}

// DocumentReview names the reviewed policy version by its digest.
type DocumentReview struct {
	Policy  string `json:"policy"`
	Version string `json:"version,omitempty"`
	SHA256  string `json:"sha256"`
	Outcome string `json:"outcome"`
}

// Exercise is a tabletop, restore or continuity test.
type Exercise struct {
	Date         time.Time `json:"date"`
	Participants []string  `json:"participants"`
	Scenario     string    `json:"scenario"`
	Outcome      string    `json:"outcome"`
	FollowUps    []string  `json:"follow_ups,omitempty"`
}

// ParseSubmission reads a submission from evidence Detail; empty detail is
// no submission (nil), which the check reports as missing content.
func ParseSubmission(detail json.RawMessage) (*Submission, error) {
	if len(detail) == 0 {
		return nil, nil
	}
	var s Submission
	if err := json.Unmarshal(detail, &s); err != nil {
		return nil, ErrorAt(EINVALID, "submission", "%v", err)
	}
	return &s, nil
}

// CheckSubmission checks that a submission holds what control c's method
// asks for, and returns what it checked, for the acceptance to record.
// The error names the first thing missing. current returns the current
// version's SHA-256 of a policy (ok false for no such policy).
func CheckSubmission(c Control, s *Submission, current func(policy string) (string, bool)) ([]string, error) {
	field := func(f, format string, args ...any) error {
		return ErrorAt(EINVALID, "submission."+f, format, args...)
	}
	kind := c.Method.Kind
	if err := s.checkText(); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, field("method", "control %s is verified by %s and the submission holds no %s content: %s", c.ID, kind, kind, SubmissionRule(c))
	}
	if s.Method != kind {
		return nil, field("method", "%q: control %s is verified by %s", s.Method, c.ID, kind)
	}
	switch kind {
	case MethodSampling:
		return checkSample(c, s, field)
	case MethodAttestation:
		a := s.Attestation
		switch {
		case a == nil:
			return nil, field("attestation", "missing: %s", SubmissionRule(c))
		case strings.TrimSpace(a.By) == "":
			return nil, field("attestation.by", "missing: who attests")
		case strings.TrimSpace(a.Statement) == "":
			return nil, field("attestation.statement", "missing: what is attested")
		case c.Method.Report != "" && a.Report == "":
			return nil, field("attestation.report", "missing: the method asks for %s", c.Method.Report)
		}
		for i, sys := range a.Systems {
			if len(c.Systems) > 0 && !slices.Contains(c.Systems, sys) {
				return nil, field(fmt.Sprintf("attestation.systems[%d]", i), "%q is not in control %s's scope %v", sys, c.ID, c.Systems)
			}
		}
		return []string{"attestation by " + a.By, "statement present"}, nil
	case MethodDocumentReview:
		d := s.Document
		switch {
		case d == nil:
			return nil, field("document", "missing: %s", SubmissionRule(c))
		case d.Policy == "":
			return nil, field("document.policy", "missing: which policy was reviewed")
		case strings.TrimSpace(d.Outcome) == "":
			return nil, field("document.outcome", "missing: the outcome of the review")
		}
		want, ok := current(d.Policy)
		if !ok {
			return nil, field("document.policy", "no policy %q in the program", d.Policy)
		}
		if want == "" {
			return nil, field("document.policy", "policy %s has no version with a digest to review", d.Policy)
		}
		if d.SHA256 != want {
			return nil, field("document.sha256", "%s is not the current version of policy %s (%s): review the current version", short(d.SHA256), d.Policy, short(want))
		}
		return []string{"policy " + d.Policy + " version sha256 " + want + " is current", "outcome present"}, nil
	case MethodExercise:
		x := s.Exercise
		switch {
		case x == nil:
			return nil, field("exercise", "missing: %s", SubmissionRule(c))
		case x.Date.IsZero():
			return nil, field("exercise.date", "missing")
		case len(x.Participants) == 0:
			return nil, field("exercise.participants", "missing: who took part")
		case strings.TrimSpace(x.Scenario) == "":
			return nil, field("exercise.scenario", "missing")
		case strings.TrimSpace(x.Outcome) == "":
			return nil, field("exercise.outcome", "missing")
		}
		return []string{fmt.Sprintf("exercise on %s with %d participants", x.Date.Format("2006-01-02"), len(x.Participants)), "scenario and outcome present"}, nil
	}
	return []string{"reviewed by a second person"}, nil
}

// checkText refuses control characters in every text of a submission,
// naming the field: they are refused at the boundary, never repaired.
func (s *Submission) checkText() error {
	if s == nil {
		return nil
	}
	fields := map[string][]string{"submission.items": s.Items, "submission.seed": {s.Seed}}
	if p := s.Population; p != nil {
		fields["submission.population.description"] = []string{p.Description}
		fields["submission.population.items"] = p.Items
	}
	if a := s.Attestation; a != nil {
		fields["submission.attestation"] = append([]string{a.By, a.Statement, a.Report}, a.Systems...)
	}
	if d := s.Document; d != nil {
		fields["submission.document"] = []string{d.Policy, d.Version, d.SHA256, d.Outcome}
	}
	if x := s.Exercise; x != nil {
		fields["submission.exercise"] = append(append([]string{x.Scenario, x.Outcome}, x.Participants...), x.FollowUps...)
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range fields[name] {
			if err := CheckText(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkSample(c Control, s *Submission, field func(f, format string, args ...any) error) ([]string, error) {
	n := c.Method.SampleSize
	p := s.Population
	switch {
	case p == nil || strings.TrimSpace(p.Description) == "":
		return nil, field("population", "missing: say what was sampled from and how many items it has (%s)", SubmissionRule(c))
	case p.Size < n:
		return nil, field("population.size", "%d: the population must hold at least the %d items the method samples", p.Size, n)
	case len(p.Items) > 0 && len(p.Items) != p.Size:
		return nil, field("population.size", "%d, but the population lists %d items", p.Size, len(p.Items))
	case len(s.Items) < n:
		return nil, field("items", "%d of %d sampled items: the method asks for %d", len(s.Items), n, n)
	}
	seen := map[string]bool{}
	for i, it := range s.Items {
		if strings.TrimSpace(it) == "" {
			return nil, field(fmt.Sprintf("items[%d]", i), "empty")
		}
		if seen[it] {
			return nil, field(fmt.Sprintf("items[%d]", i), "%q is sampled twice", it)
		}
		seen[it] = true
	}
	checked := []string{fmt.Sprintf("%d items sampled from %d (%s)", len(s.Items), p.Size, p.Description)}
	if s.Seed != "" {
		if len(p.Items) == 0 {
			return nil, field("population.items", "a drawn sample needs the population it was drawn from")
		}
		if !slices.Equal(DrawSample(p.Items, len(s.Items), s.Seed), s.Items) {
			return nil, field("items", "not the sample seed %s draws from the population", s.Seed)
		}
		checked = append(checked, "sample reproduced from seed "+s.Seed)
	}
	return checked, nil
}

// DrawSample picks n items from population without repetition, the same
// ones for the same seed on every machine: a Fisher-Yates shuffle driven by
// SHA-256(seed || counter). Anyone can repeat the draw from the pack.
func DrawSample(population []string, n int, seed string) []string {
	xs := slices.Clone(population)
	n = min(n, len(xs))
	var ctr uint64
	next := func(bound int) int {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], ctr)
		ctr++
		h := sha256.Sum256(append([]byte(seed), b[:]...))
		return int(binary.BigEndian.Uint64(h[:8]) % uint64(bound))
	}
	for i := 0; i < n; i++ {
		j := i + next(len(xs)-i)
		xs[i], xs[j] = xs[j], xs[i]
	}
	return xs[:n]
}

// SubmissionRule says in one sentence what a submission for control c must
// hold; forms, the CLI and error messages show it.
func SubmissionRule(c Control) string {
	switch c.Method.Kind {
	case MethodSampling:
		return fmt.Sprintf("give the population (what was sampled from and its size) and the %d sampled items, or the population list for Evident to draw them with a recorded seed", c.Method.SampleSize)
	case MethodAttestation:
		r := "a statement of what is attested, for which systems"
		if c.Method.Report != "" {
			r += ", with the report (" + c.Method.Report + ") as evidence"
		}
		return r
	case MethodDocumentReview:
		return "name the reviewed policy (its current version's SHA-256 is bound) and the outcome"
	case MethodExercise:
		return "give the date, participants, scenario, outcome and follow-up actions"
	}
	return "a second person reviews the file"
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Complete fills in what the server, not the submitter, states about a
// submission: an attestation is signed by the submitter's login, and a
// document review binds the current version of the policy it names unless
// the submitter named a version's digest (which is then checked).
func (m *Model) Complete(s *Submission, actor string) {
	if s == nil {
		return
	}
	if a := s.Attestation; a != nil && a.By == "" {
		a.By = Submitter(actor)
	}
	if d := s.Document; d != nil && d.SHA256 == "" {
		for _, p := range m.Policies {
			if v, ok := p.Current(); ok && p.ID == d.Policy {
				d.SHA256, d.Version = v.SHA256, v.Version
			}
		}
	}
}

// ParseItems reads a list of sampled items or a population: a JSON array
// of strings, or one item per line (the first field of a CSV line), blank
// lines and a "#" comment skipped. where names the input in errors.
func ParseItems(b []byte, where string) ([]string, error) {
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "[") {
		var xs []string
		if err := json.Unmarshal([]byte(t), &xs); err != nil {
			return nil, ErrorAt(EINVALID, where, "want a JSON array of strings: %v", err)
		}
		return xs, nil
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		first, _, _ := strings.Cut(line, ",")
		first = strings.Trim(strings.TrimSpace(first), `"`)
		if err := CheckText(fmt.Sprintf("%s:%d", where, i+1), first); err != nil {
			return nil, err
		}
		out = append(out, first)
	}
	return out, nil
}

// SubmissionFields is what a person gives when submitting evidence for a
// control verified by a person, as the CLI's flags and the web form ask
// for it; Submission builds the method's content from it.
type SubmissionFields struct {
	Population      string   // sampling: what was sampled from
	PopulationSize  int      // sampling: its size (default: the items listed)
	PopulationItems []string // sampling: the whole population, to draw from
	Sample          []string // sampling: the sampled items, when not drawn
	Seed            string   // sampling: the seed of the draw (default: random)
	Statement       string   // attestation
	Report          string   // attestation: evidence id of the named report
	Policy          string   // document review: the policy reviewed
	PolicySHA256    string   // document review: the version reviewed
	Outcome         string   // document review, exercise
	Date            time.Time
	Scenario        string
	Participants    []string
	FollowUps       []string
}

// IsZero reports whether no field is given: a bare file.
func (f SubmissionFields) IsZero() bool {
	return f.Population == "" && f.PopulationSize == 0 && len(f.PopulationItems) == 0 && len(f.Sample) == 0 &&
		f.Statement == "" && f.Report == "" && f.Policy == "" && f.Outcome == "" && f.Scenario == "" && f.Date.IsZero() &&
		len(f.Participants) == 0
}

// Submission builds the content of a submission for control c from the
// fields, completed as Complete does; a sample is drawn from the
// population with a recorded seed when no sample list is given. It
// returns nil for empty fields.
func (m *Model) Submission(c Control, f SubmissionFields, systems []string, actor string) *Submission {
	if f.IsZero() || !c.NeedsReview() {
		return nil
	}
	s := &Submission{Method: c.Method.Kind}
	switch c.Method.Kind {
	case MethodSampling:
		s.Population = &Population{Description: f.Population, Size: f.PopulationSize, Items: f.PopulationItems}
		if s.Population.Size == 0 {
			s.Population.Size = len(f.PopulationItems)
		}
		s.Items = f.Sample
		if len(f.Sample) == 0 && len(f.PopulationItems) > 0 {
			s.Seed = f.Seed
			if s.Seed == "" {
				var b [8]byte
				rand.Read(b[:])
				s.Seed = hex.EncodeToString(b[:])
			}
			s.Items = DrawSample(f.PopulationItems, c.Method.SampleSize, s.Seed)
		}
	case MethodAttestation:
		s.Attestation = &Attested{Statement: f.Statement, Report: f.Report, Systems: systems}
	case MethodDocumentReview:
		s.Document = &DocumentReview{Policy: f.Policy, SHA256: strings.ToLower(strings.TrimSpace(f.PolicySHA256)), Outcome: f.Outcome}
	case MethodExercise:
		s.Exercise = &Exercise{Date: f.Date, Participants: f.Participants, Scenario: f.Scenario, Outcome: f.Outcome, FollowUps: f.FollowUps}
	}
	m.Complete(s, actor)
	return s
}
