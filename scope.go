package evident

import (
	"slices"
	"time"
)

// ServiceType is the kind of trust service, as eIDAS names them. The type
// decides which service-specific standards sit on top of EN 319 401.
type ServiceType string

// Trust service types.
const (
	ServiceCertificates        ServiceType = "certificates"
	ServiceTimeStamps          ServiceType = "time-stamps"
	ServiceRegisteredDelivery  ServiceType = "registered-delivery"
	ServiceSignatureValidation ServiceType = "signature-validation"
	ServicePreservation        ServiceType = "preservation"
	ServiceRemoteSigning       ServiceType = "remote-signing"
	ServiceLedgers             ServiceType = "electronic-ledgers"
	ServiceArchiving           ServiceType = "electronic-archiving"
	ServiceOther               ServiceType = "other"
)

// ServiceTypes lists every service type, in the order forms offer them.
var ServiceTypes = []ServiceType{ServiceCertificates, ServiceTimeStamps, ServiceRegisteredDelivery,
	ServiceSignatureValidation, ServicePreservation, ServiceRemoteSigning, ServiceLedgers, ServiceArchiving, ServiceOther}

// Qualification says whether a service is provided as a qualified trust
// service under eIDAS. An empty value is a gap: the assessor's first
// question is which regime applies.
type Qualification string

// Qualification statuses.
const (
	Qualified    Qualification = "qualified"
	NonQualified Qualification = "non-qualified"
	Mixed        Qualification = "mixed"
)

// Service is one trust service in scope.
type Service struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Type          ServiceType   `json:"type"`
	Qualification Qualification `json:"qualification,omitempty"`
	// PubliclyTrusted marks a certificate service whose CA issues TLS
	// certificates browsers trust: the CA/Browser Forum's Baseline
	// Requirements and Network Security Requirements then apply to it,
	// their revocation clocks and their cadences as floors.
	PubliclyTrusted bool   `json:"publicly_trusted,omitempty"`
	Description     string `json:"description,omitempty"`
	Subscribers     string `json:"subscribers,omitempty"`     // who subscribes: "natural persons", "legal persons"
	RelyingParties  string `json:"relying_parties,omitempty"` // who relies on the output
	// Dependencies names the systems and suppliers the service cannot run
	// without; the risk assessment starts from them.
	Dependencies []string `json:"dependencies,omitempty"`
	// Cessation is the date the termination plan sets for ceasing the
	// service, zero when none is planned; CessationNotified is when the
	// supervisory body was told of it. A qualified service's cessation
	// must be notified at least three months ahead (eIDAS Art. 24(2)(a)),
	// a task until it is.
	Cessation         time.Time `json:"cessation,omitzero"`
	CessationNotified time.Time `json:"cessation_notified,omitzero"`
}

// UnderQualifiedRules reports whether the eIDAS duties of qualified trust
// service providers apply to the service: it is qualified, mixed, or its
// qualification is not recorded (when in doubt the stricter rules apply,
// as for the act overlays).
func (s Service) UnderQualifiedRules() bool {
	return s.Qualification == "" || s.Qualification == Qualified || s.Qualification == Mixed
}

// SystemKind is the role a system plays, which decides the controls it
// needs (EN 319 401 separates trustworthy systems, administration and
// development or test systems).
type SystemKind string

// System kinds.
const (
	SystemTrustworthy    SystemKind = "trustworthy"
	SystemAdministration SystemKind = "administration"
	SystemDevelopment    SystemKind = "development-test"
	SystemNetwork        SystemKind = "supporting-network"
)

// SystemKinds lists every system kind.
var SystemKinds = []SystemKind{SystemTrustworthy, SystemAdministration, SystemDevelopment, SystemNetwork}

// System is a system or asset in scope. Version is the version currently
// deployed: evidence names the version it speaks for, and a change of
// version can make older evidence stale.
type System struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Kind           SystemKind `json:"kind"`
	Zone           string     `json:"zone,omitempty"`
	Owner          string     `json:"owner,omitempty"`
	Classification string     `json:"classification,omitempty"` // e.g. "critical", "high", "internal"
	Version        string     `json:"version,omitempty"`
	Services       []string   `json:"services,omitempty"`
	Description    string     `json:"description,omitempty"`
	// Hosts are the addresses or names scanners see for this system; the
	// nmap importer maps scanned hosts back to systems (and so to zones).
	Hosts []string `json:"hosts,omitempty"`
}

// Zone is a network zone (REQ-7.8-01 segmentation). AllowedServices lists
// what may listen inside the zone as "proto/port" ("tcp/443"); a scan that
// finds anything else open is failing evidence. Offline zones (an offline
// root CA) allow nothing at all.
type Zone struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	Offline         bool     `json:"offline,omitempty"`
	AllowedServices []string `json:"allowed_services,omitempty"`
	AllowedFlows    []Flow   `json:"allowed_flows,omitempty"`
}

// Flow is a permitted flow from a zone to another zone (or "internet").
type Flow struct {
	To       string   `json:"to"`
	Services []string `json:"services"` // "tcp/443", "udp/123"
	Purpose  string   `json:"purpose,omitempty"`
}

// Allows reports whether the zone permits a listener on service
// ("tcp/443"). Offline zones permit none.
func (z Zone) Allows(service string) bool {
	if z.Offline {
		return false
	}
	for _, s := range z.AllowedServices {
		if s == service {
			return true
		}
	}
	return false
}

// Supplier is an external organisation the services depend on (REQ-7.1.2
// and REQ-6.1-04: the practice statement names its obligations).
type Supplier struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Supports      []string `json:"supports,omitempty"` // services and systems it supports
	Obligations   []string `json:"obligations,omitempty"`
	Agreement     string   `json:"agreement,omitempty"` // contract reference
	ServiceLevels []string `json:"service_levels,omitempty"`
	// LastReview and ReviewEvery give the date the supplier is next due
	// for review; a zero ReviewEvery means annual.
	LastReview  time.Time `json:"last_review,omitzero"`
	ReviewEvery Cadence   `json:"review_every,omitzero"`
	// Attestation is the supplier's certificate or audit report
	// (ISO/IEC 27001, SOC 2, EN 319 403) and how long it is valid.
	Attestation *Attestation `json:"attestation,omitempty"`
}

// Attestation is a third party's certificate or audit report about a supplier.
type Attestation struct {
	Kind       string    `json:"kind"`      // "ISO/IEC 27001 certificate"
	Reference  string    `json:"reference"` // certificate number or report id
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// NextReview returns when the supplier is due for review. A supplier never
// reviewed is due now (the zero time).
func (s Supplier) NextReview() time.Time {
	if s.LastReview.IsZero() {
		return time.Time{}
	}
	c := s.ReviewEvery
	if c.IsZero() || c.Kind != CadencePeriodic {
		c = Cadence{Kind: CadencePeriodic, Every: 1, Unit: UnitYear}
	}
	t, _ := addUnits(s.LastReview, c.Every, c.Unit)
	return t
}

// Role is a role in the organisation; Trusted marks the trusted roles of
// REQ-7.2 (security officer, system administrator, operator, auditor).
type Role struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Trusted          bool     `json:"trusted,omitempty"`
	Responsibilities string   `json:"responsibilities,omitempty"`
	Incompatible     []string `json:"incompatible,omitempty"` // roles one person must not also hold
}

// Person is someone who holds roles. ManagementBody marks members of the
// management body, the only people who may accept residual risk
// (REQ-5-05) and approve the practice statement (REQ-6.1-06).
type Person struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Email          string   `json:"email,omitempty"`
	Roles          []string `json:"roles,omitempty"`
	ManagementBody bool     `json:"management_body,omitempty"`
	// User is the person's login, when they have one: work owned by the
	// person, or by a role they hold, is that login's work ("My work",
	// `evident tasks --mine`).
	User string `json:"user,omitempty"`
}

// OwnersOf returns the owner ids whose work is login's: the people who
// name login as their user, and the roles those people hold (a role stays
// the fallback owner of work no one person is named for). It is empty
// when no person in the program names login.
func (m *Model) OwnersOf(login string) []string {
	var out []string
	if login == "" {
		return nil
	}
	for _, p := range m.People {
		if p.User != login {
			continue
		}
		out = append(out, p.ID)
		for _, r := range p.Roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// PubliclyTrusted reports whether the CA/Browser Forum rules apply to
// work for the named service: that service is marked publicly trusted or,
// when the work names no service, some certificate service of the program
// is. An unknown service is not publicly trusted.
func (m *Model) PubliclyTrusted(service string) bool {
	for _, s := range m.Services {
		if s.PubliclyTrusted && (service == "" || s.ID == service) {
			return true
		}
	}
	return false
}

// ControlPubliclyTrusted reports whether a control serves a publicly
// trusted CA, so the CA/Browser Forum's cadences are floors for it: it
// names such a service, or a system supporting one, or it names neither
// (a program-wide control, such as the review of every account) while the
// program has such a service.
func (m *Model) ControlPubliclyTrusted(c Control) bool {
	if len(c.Services) == 0 && len(c.Systems) == 0 {
		return m.PubliclyTrusted("")
	}
	for _, id := range c.Services {
		if m.PubliclyTrusted(id) {
			return true
		}
	}
	for _, id := range c.Systems {
		if s := m.SystemByID(id); s != nil {
			for _, sv := range s.Services {
				if m.PubliclyTrusted(sv) {
					return true
				}
			}
		}
	}
	return false
}
