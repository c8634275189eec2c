package program

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/evidenthq/evident"
	"github.com/goccy/go-yaml"
)

// exportFiles are the files Export writes, each with the sections it holds.
var exportFiles = []string{"program.yaml", "scope.yaml", "people.yaml", "risks.yaml", "controls.yaml", "policies.yaml", "soa.yaml"}

// Export writes m as program files into dir, creating it if needed. It
// refuses a directory that already holds YAML files other than its own,
// since Load would read them too and the export would no longer be the
// stored program. Applying the export changes nothing: requirement
// references of the program's version are written as bare ids, every
// other field as stored. Policy documents are not copied: each version
// keeps its file name and SHA-256, which is what an approval is bound to,
// and Load accepts a version whose file is absent when the hash is given.
func Export(m *evident.Model, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return evident.Errorf(evident.EINVALID, "export directory %s: %v", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return evident.Errorf(evident.EINVALID, "export directory %s: %v", dir, err)
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if (ext == ".yaml" || ext == ".yml") && !contains(exportFiles, e.Name()) {
			return evident.Errorf(evident.ECONFLICT, "export directory %s already holds %s; export into an empty directory", dir, e.Name())
		}
	}
	x := exporter{version: m.Program.Version, std: m.Program.Standard}
	docs := map[string]fileDoc{
		"program.yaml":  {Program: x.program(m.Program)},
		"scope.yaml":    {Services: x.services(m), Systems: x.systems(m), Zones: x.zones(m), Suppliers: x.suppliers(m)},
		"people.yaml":   {Roles: x.roles(m), People: x.people(m)},
		"risks.yaml":    {Risks: x.risks(m), Treatments: x.treatments(m), Acceptances: x.acceptances(m)},
		"controls.yaml": {Controls: x.controls(m)},
		"policies.yaml": {Policies: x.policies(m)},
		"soa.yaml":      {SoA: x.soa(m)},
	}
	for _, name := range exportFiles {
		b, err := yaml.MarshalWithOptions(docs[name], yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		head := fmt.Sprintf("# Exported by evident from the stored program %q.\n", m.Program.Name)
		if bytes.Equal(bytes.TrimSpace(b), []byte("{}")) {
			b = nil
		}
		if err := writeFile(filepath.Join(dir, name), append([]byte(head), b...)); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes through a temporary file and a rename, so a reader
// never sees half a program file.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type exporter struct {
	version string
	std     evident.Standard
}

// date writes a midnight-UTC time as a bare date, anything else as RFC 3339.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format("2006-01-02")
	}
	return evident.UTC(t)
}

func cadence(c evident.Cadence) string {
	if c.IsZero() {
		return ""
	}
	return c.String()
}

func (x exporter) ref(r evident.RequirementRef) string {
	if r.Standard == x.std && r.Version == x.version {
		return string(r.ID)
	}
	return r.String()
}

func (x exporter) program(p evident.Program) *fileProgram {
	f := &fileProgram{Name: p.Name, LegalName: p.LegalName, SupervisoryBody: p.SupervisoryBody, Country: p.Country,
		Version: p.Version, Overlays: p.Overlays}
	if p.Standard != evident.EN319401 {
		f.Standard = string(p.Standard)
	}
	if p.RiskScale != (evident.Scale{}) {
		f.RiskScale = &fileScale{Likelihood: p.RiskScale.Likelihood, Impact: p.RiskScale.Impact}
	}
	f.RiskAppetite, f.NextAudit = p.RiskAppetite, date(p.NextAudit)
	if p.AnchorEvery.Amount > 0 {
		f.AnchorEvery = p.AnchorEvery.Short()
	}
	if !p.Retention.Forever() {
		f.Retention = p.Retention.String()
	}
	for k, r := range p.RequirementRetention {
		if f.RequirementRetention == nil {
			f.RequirementRetention = map[string]string{}
		}
		key := k
		if ref, err := evident.ParseRequirementRef(k, "", ""); err == nil {
			key = x.ref(ref)
		}
		f.RequirementRetention[key] = r.String()
	}
	return f
}

func (x exporter) services(m *evident.Model) (out []fileService) {
	for _, s := range m.Services {
		out = append(out, fileService{ID: s.ID, Name: s.Name, Type: string(s.Type), Qualification: string(s.Qualification),
			PubliclyTrusted: s.PubliclyTrusted, Description: s.Description, Subscribers: s.Subscribers, RelyingParties: s.RelyingParties, Dependencies: s.Dependencies,
			Cessation: date(s.Cessation), CessationNotified: date(s.CessationNotified)})
	}
	return out
}

func (x exporter) systems(m *evident.Model) (out []fileSystem) {
	for _, s := range m.Systems {
		out = append(out, fileSystem{ID: s.ID, Name: s.Name, Kind: string(s.Kind), Zone: s.Zone, Owner: s.Owner,
			Classification: s.Classification, Version: s.Version, Services: s.Services, Hosts: s.Hosts, Description: s.Description})
	}
	return out
}

func (x exporter) zones(m *evident.Model) (out []fileZone) {
	for _, z := range m.Zones {
		f := fileZone{ID: z.ID, Name: z.Name, Description: z.Description, Offline: z.Offline, AllowedServices: z.AllowedServices}
		for _, fl := range z.AllowedFlows {
			f.AllowedFlows = append(f.AllowedFlows, fileFlow{To: fl.To, Services: fl.Services, Purpose: fl.Purpose})
		}
		out = append(out, f)
	}
	return out
}

func (x exporter) suppliers(m *evident.Model) (out []fileSupplier) {
	for _, s := range m.Suppliers {
		f := fileSupplier{ID: s.ID, Name: s.Name, Supports: s.Supports, Obligations: s.Obligations, Agreement: s.Agreement,
			ServiceLevels: s.ServiceLevels, LastReview: date(s.LastReview), ReviewEvery: cadence(s.ReviewEvery)}
		if a := s.Attestation; a != nil {
			f.Attestation = &fileAttestation{Kind: a.Kind, Reference: a.Reference, ValidUntil: date(a.ValidUntil)}
		}
		out = append(out, f)
	}
	return out
}

func (x exporter) roles(m *evident.Model) (out []fileRole) {
	for _, r := range m.Roles {
		out = append(out, fileRole{ID: r.ID, Name: r.Name, Trusted: r.Trusted, Responsibilities: r.Responsibilities, Incompatible: r.Incompatible})
	}
	return out
}

func (x exporter) people(m *evident.Model) (out []filePerson) {
	for _, p := range m.People {
		out = append(out, filePerson{ID: p.ID, Name: p.Name, Email: p.Email, Roles: p.Roles, ManagementBody: p.ManagementBody, User: p.User})
	}
	return out
}

func (x exporter) risks(m *evident.Model) (out []fileRisk) {
	for _, r := range m.Risks {
		out = append(out, fileRisk{ID: r.ID, Title: r.Title, Threat: r.Threat, Vulnerability: r.Vulnerability, Assets: r.Assets,
			Services: r.Services, Likelihood: r.Likelihood, Impact: r.Impact, ResidualLikelihood: r.ResidualLikelihood,
			ResidualImpact: r.ResidualImpact, Owner: r.Owner, ReviewDue: date(r.ReviewDue)})
	}
	return out
}

func (x exporter) treatments(m *evident.Model) (out []fileTreatment) {
	for _, t := range m.Treatments {
		out = append(out, fileTreatment{ID: t.ID, Risk: t.Risk, Decision: string(t.Decision), Controls: t.Controls,
			Policies: t.Policies, TargetResidual: t.TargetResidual, Due: date(t.Due), Notes: t.Notes})
	}
	return out
}

func (x exporter) acceptances(m *evident.Model) (out []fileAcceptance) {
	for _, a := range m.Acceptances {
		out = append(out, fileAcceptance{ID: a.ID, Risk: a.Risk, Approver: a.Approver, Date: date(a.Date), Residual: a.Residual,
			Justification: a.Justification, Expires: date(a.Expires)})
	}
	return out
}

func (x exporter) controls(m *evident.Model) (out []fileControl) {
	for _, c := range m.Controls {
		f := fileControl{ID: c.ID, Title: c.Title, Narrative: c.Narrative, Owner: c.Owner, Services: c.Services,
			Systems: c.Systems, Cadence: cadence(c.Cadence), EvidencePerPeriod: c.EvidencePerPeriod, Reviewer: c.Reviewer}
		if c.Retention != nil {
			f.Retention = c.Retention.String()
		}
		for _, r := range c.Requirements {
			f.Requirements = append(f.Requirements, x.ref(r))
		}
		if mt := c.Method; !mt.IsZero() {
			fm := &fileMethod{Kind: string(mt.Kind), Format: mt.Format, Description: mt.Description, SampleSize: mt.SampleSize,
				Report: mt.Report, Acceptances: mt.Acceptances}
			for _, cr := range mt.Criteria {
				fm.Criteria = append(fm.Criteria, cr.String())
			}
			if mt.TTL != nil {
				fm.TTL = fmt.Sprintf("%d %ss", mt.TTL.Amount, mt.TTL.Unit)
			}
			if p := mt.Performer; p != nil {
				fm.Performer = &filePerformer{Name: p.Name, Organisation: p.Organisation, Independent: p.Independent, Competence: p.Competence}
			}
			f.Method = fm
		}
		for _, d := range c.Deviations {
			fd := fileDeviation{Requirement: x.ref(d.Requirement), Justification: d.Justification, Risks: d.Risks}
			if a := d.Approval; a != nil {
				fd.Approval = &fileApproval{By: a.By, At: date(a.At)}
			}
			f.Deviations = append(f.Deviations, fd)
		}
		out = append(out, f)
	}
	return out
}

func (x exporter) policies(m *evident.Model) (out []filePolicy) {
	for _, p := range m.Policies {
		f := filePolicy{ID: p.ID, Title: p.Title, Kind: string(p.Kind), Owner: p.Owner, Review: cadence(p.Review), Contents: p.Contents}
		for _, v := range p.Versions {
			fv := filePolicyVersion{Version: v.Version, File: v.File, SHA256: v.SHA256, Summary: v.Summary, Date: date(v.Date)}
			for _, a := range v.Approvals {
				fv.Approvals = append(fv.Approvals, fileApproval{By: a.By, At: date(a.At)})
			}
			for _, a := range v.Publications {
				fv.Publications = append(fv.Publications, filePublication{Where: a.Where, At: date(a.At)})
			}
			for _, a := range v.Communications {
				fv.Communications = append(fv.Communications, fileCommunication{To: string(a.To), At: date(a.At), Reference: a.Reference})
			}
			f.Versions = append(f.Versions, fv)
		}
		out = append(out, f)
	}
	return out
}

func (x exporter) soa(m *evident.Model) (out []fileSoA) {
	for _, a := range m.SoA {
		out = append(out, fileSoA{Requirement: x.ref(a.Requirement), Applicable: a.Applicable,
			Justification: a.Justification, Proportionality: a.Proportionality})
	}
	return out
}
