package program

// The types in this file are the program files' shape. They mirror the
// evident types but keep dates, cadences, criteria and requirement
// references as the strings users write, so that each can be parsed with
// an error that names its line.

type fileDoc struct {
	Program     *fileProgram     `yaml:"program,omitempty"`
	Services    []fileService    `yaml:"services,omitempty"`
	Systems     []fileSystem     `yaml:"systems,omitempty"`
	Zones       []fileZone       `yaml:"zones,omitempty"`
	Suppliers   []fileSupplier   `yaml:"suppliers,omitempty"`
	Roles       []fileRole       `yaml:"roles,omitempty"`
	People      []filePerson     `yaml:"people,omitempty"`
	Risks       []fileRisk       `yaml:"risks,omitempty"`
	Treatments  []fileTreatment  `yaml:"treatments,omitempty"`
	Acceptances []fileAcceptance `yaml:"acceptances,omitempty"`
	Controls    []fileControl    `yaml:"controls,omitempty"`
	Policies    []filePolicy     `yaml:"policies,omitempty"`
	SoA         []fileSoA        `yaml:"soa,omitempty"`
}

type fileProgram struct {
	Name            string     `yaml:"name"`
	LegalName       string     `yaml:"legal_name,omitempty"`
	SupervisoryBody string     `yaml:"supervisory_body,omitempty"`
	Country         string     `yaml:"country,omitempty"`
	Standard        string     `yaml:"standard,omitempty"`
	Version         string     `yaml:"version"`
	Overlays        []string   `yaml:"overlays,omitempty"`
	RiskScale       *fileScale `yaml:"risk_scale,omitempty"`
	RiskAppetite    int        `yaml:"risk_appetite,omitempty"`
	NextAudit       string     `yaml:"next_audit,omitempty"`
	AnchorEvery     string     `yaml:"anchor_every,omitempty"`
	// Retention is the event-log retention period of the terms and
	// conditions, the default for evidence; RequirementRetention gives
	// requirements their own.
	Retention            string            `yaml:"retention,omitempty"`
	RequirementRetention map[string]string `yaml:"requirement_retention,omitempty"`
}

type fileScale struct {
	Likelihood int `yaml:"likelihood"`
	Impact     int `yaml:"impact"`
}

type fileService struct {
	ID              string   `yaml:"id"`
	Name            string   `yaml:"name"`
	Type            string   `yaml:"type"`
	Qualification   string   `yaml:"qualification,omitempty"`
	PubliclyTrusted bool     `yaml:"publicly_trusted,omitempty"`
	Description     string   `yaml:"description,omitempty"`
	Subscribers     string   `yaml:"subscribers,omitempty"`
	RelyingParties  string   `yaml:"relying_parties,omitempty"`
	Dependencies    []string `yaml:"dependencies,omitempty"`
	// Cessation is the date the termination plan sets for ceasing the
	// service; CessationNotified when the supervisory body was told.
	Cessation         string `yaml:"cessation,omitempty"`
	CessationNotified string `yaml:"cessation_notified,omitempty"`
}

type fileSystem struct {
	ID             string   `yaml:"id"`
	Name           string   `yaml:"name"`
	Kind           string   `yaml:"kind"`
	Zone           string   `yaml:"zone,omitempty"`
	Owner          string   `yaml:"owner,omitempty"`
	Classification string   `yaml:"classification,omitempty"`
	Version        string   `yaml:"version,omitempty"`
	Services       []string `yaml:"services,omitempty"`
	Hosts          []string `yaml:"hosts,omitempty"`
	Description    string   `yaml:"description,omitempty"`
}

type fileZone struct {
	ID              string     `yaml:"id"`
	Name            string     `yaml:"name"`
	Description     string     `yaml:"description,omitempty"`
	Offline         bool       `yaml:"offline,omitempty"`
	AllowedServices []string   `yaml:"allowed_services,omitempty"`
	AllowedFlows    []fileFlow `yaml:"allowed_flows,omitempty"`
}

type fileFlow struct {
	To       string   `yaml:"to"`
	Services []string `yaml:"services"`
	Purpose  string   `yaml:"purpose,omitempty"`
}

type fileSupplier struct {
	ID            string           `yaml:"id"`
	Name          string           `yaml:"name"`
	Supports      []string         `yaml:"supports,omitempty"`
	Obligations   []string         `yaml:"obligations,omitempty"`
	Agreement     string           `yaml:"agreement,omitempty"`
	ServiceLevels []string         `yaml:"service_levels,omitempty"`
	LastReview    string           `yaml:"last_review,omitempty"`
	ReviewEvery   string           `yaml:"review_every,omitempty"`
	Attestation   *fileAttestation `yaml:"attestation,omitempty"`
}

type fileAttestation struct {
	Kind       string `yaml:"kind"`
	Reference  string `yaml:"reference"`
	ValidUntil string `yaml:"valid_until,omitempty"`
}

type fileRole struct {
	ID               string   `yaml:"id"`
	Name             string   `yaml:"name"`
	Trusted          bool     `yaml:"trusted,omitempty"`
	Responsibilities string   `yaml:"responsibilities,omitempty"`
	Incompatible     []string `yaml:"incompatible,omitempty"`
}

type filePerson struct {
	ID             string   `yaml:"id"`
	Name           string   `yaml:"name"`
	Email          string   `yaml:"email,omitempty"`
	Roles          []string `yaml:"roles,omitempty"`
	ManagementBody bool     `yaml:"management_body,omitempty"`
	User           string   `yaml:"user,omitempty"`
}

type fileRisk struct {
	ID                 string   `yaml:"id"`
	Title              string   `yaml:"title"`
	Threat             string   `yaml:"threat"`
	Vulnerability      string   `yaml:"vulnerability"`
	Assets             []string `yaml:"assets,omitempty"`
	Services           []string `yaml:"services,omitempty"`
	Likelihood         int      `yaml:"likelihood"`
	Impact             int      `yaml:"impact"`
	ResidualLikelihood int      `yaml:"residual_likelihood,omitempty"`
	ResidualImpact     int      `yaml:"residual_impact,omitempty"`
	Owner              string   `yaml:"owner,omitempty"`
	ReviewDue          string   `yaml:"review_due,omitempty"`
}

type fileTreatment struct {
	ID             string   `yaml:"id"`
	Risk           string   `yaml:"risk"`
	Decision       string   `yaml:"decision"`
	Controls       []string `yaml:"controls,omitempty"`
	Policies       []string `yaml:"policies,omitempty"`
	TargetResidual int      `yaml:"target_residual,omitempty"`
	Due            string   `yaml:"due,omitempty"`
	Notes          string   `yaml:"notes,omitempty"`
}

type fileAcceptance struct {
	ID            string `yaml:"id"`
	Risk          string `yaml:"risk"`
	Approver      string `yaml:"approver,omitempty"`
	Date          string `yaml:"date,omitempty"`
	Residual      int    `yaml:"residual"`
	Justification string `yaml:"justification,omitempty"`
	Expires       string `yaml:"expires,omitempty"`
}

type fileControl struct {
	ID                string      `yaml:"id"`
	Title             string      `yaml:"title"`
	Narrative         string      `yaml:"narrative,omitempty"`
	Owner             string      `yaml:"owner,omitempty"`
	Requirements      []string    `yaml:"requirements"`
	Services          []string    `yaml:"services,omitempty"`
	Systems           []string    `yaml:"systems,omitempty"`
	Method            *fileMethod `yaml:"method,omitempty"`
	Cadence           string      `yaml:"cadence,omitempty"`
	EvidencePerPeriod int         `yaml:"evidence_per_period,omitempty"`
	Reviewer          string      `yaml:"reviewer,omitempty"`
	Retention         string      `yaml:"retention,omitempty"`

	// Deviations from the floors of the control's requirements.
	Deviations []fileDeviation `yaml:"deviations,omitempty"`
}

// fileDeviation is a control's recorded deviation from a requirement's
// floor. Its approval is what the file claims; see evident.Deviation.
type fileDeviation struct {
	Requirement   string        `yaml:"requirement"`
	Justification string        `yaml:"justification"`
	Risks         []string      `yaml:"risks,omitempty"`
	Approval      *fileApproval `yaml:"approval,omitempty"`
}

type fileMethod struct {
	Kind        string         `yaml:"kind"`
	Format      string         `yaml:"format,omitempty"`
	Description string         `yaml:"description,omitempty"`
	Criteria    []string       `yaml:"criteria,omitempty"`
	SampleSize  int            `yaml:"sample_size,omitempty"`
	TTL         string         `yaml:"ttl,omitempty"`
	Performer   *filePerformer `yaml:"performer,omitempty"`
	Report      string         `yaml:"report,omitempty"`
	Acceptances int            `yaml:"acceptances,omitempty"`
}

type filePerformer struct {
	Name         string `yaml:"name"`
	Organisation string `yaml:"organisation,omitempty"`
	Independent  bool   `yaml:"independent,omitempty"`
	Competence   string `yaml:"competence,omitempty"`
}

type filePolicy struct {
	ID       string              `yaml:"id"`
	Title    string              `yaml:"title"`
	Kind     string              `yaml:"kind"`
	Owner    string              `yaml:"owner,omitempty"`
	Review   string              `yaml:"review,omitempty"`
	Contents []string            `yaml:"contents,omitempty"`
	Versions []filePolicyVersion `yaml:"versions,omitempty"`
}

type filePolicyVersion struct {
	Version        string              `yaml:"version"`
	File           string              `yaml:"file,omitempty"`
	SHA256         string              `yaml:"sha256,omitempty"`
	Summary        string              `yaml:"summary,omitempty"`
	Date           string              `yaml:"date,omitempty"`
	Approvals      []fileApproval      `yaml:"approvals,omitempty"`
	Publications   []filePublication   `yaml:"publications,omitempty"`
	Communications []fileCommunication `yaml:"communications,omitempty"`
}

type fileApproval struct {
	By string `yaml:"by"`
	At string `yaml:"at"`
}

type filePublication struct {
	Where string `yaml:"where"`
	At    string `yaml:"at"`
}

type fileCommunication struct {
	To        string `yaml:"to"`
	At        string `yaml:"at"`
	Reference string `yaml:"reference,omitempty"`
}

type fileSoA struct {
	Requirement     string `yaml:"requirement"`
	Applicable      bool   `yaml:"applicable"`
	Justification   string `yaml:"justification,omitempty"`
	Proportionality string `yaml:"proportionality,omitempty"`
}
