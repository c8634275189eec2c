package pack

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/evidenthq/evident"
)

// Format is the value of MANIFEST.json "format" written by this build.
// A verifier refuses a format it does not know rather than guess.
//
// Version 2 added the boundary leaves, the link to a previous pack, and
// what each control's windows are recomputed from (Coverage.Schedule).
// Version 3 added the registers an assessor asks for first (policy stack
// with its documents and approvals, scope, risks, statement of
// applicability, incidents, changes, the per-requirement trace) and the
// printable report.
const Format = "evident-pack/v3"

// FormatV2 is the second pack format: everything but the registers, the
// policy documents and the report. Verify still reads it.
const FormatV2 = "evident-pack/v2"

// FormatV1 is the first pack format: no boundary leaves, no link to a
// previous pack, windows checked but not recomputed. Verify still reads it.
const FormatV1 = "evident-pack/v1"

// Formats are the pack formats this build verifies, oldest first.
var Formats = []string{FormatV1, FormatV2, Format}

// Fixed names inside a pack.
const (
	ManifestName  = "MANIFEST.json"
	SignatureName = "SIGNATURE.note"
	IndexHTML     = "index.html"
	IndexJSON     = "index.json"
	IndexXLSX     = "index.xlsx"
	VerifyName    = "VERIFY.md"
	KeyName       = "trust/ledger.pub"
	TSARootsName  = "trust/tsa-roots.pem"
)

// Manifest is MANIFEST.json: what the pack claims to hold. Everything in it
// is checked by Verify against the bytes of the pack; the manifest itself
// is covered by SIGNATURE.note, signed with the ledger key.
type Manifest struct {
	Format    string    `json:"format"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Program   Program   `json:"program"`
	Scope     Scope     `json:"scope"`
	Period    Period    `json:"period"`
	// Origin is the ledger's checkpoint origin (its key name); Key is the
	// verifier key, also in trust/ledger.pub.
	Origin string `json:"origin"`
	Key    string `json:"key"`
	// Records is the range of ledger leaves [First, End) received during
	// the period. Every leaf in it is an item, in full or (out of the
	// service scope) by hash, so nothing recorded in the period can be
	// left out unnoticed.
	Records     Range         `json:"records"`
	Items       []Item        `json:"items"`
	Checkpoints []Checkpoint  `json:"checkpoints"`
	Consistency []Consistency `json:"consistency"`
	Final       Final         `json:"final_checkpoint"`
	Coverage    []Coverage    `json:"coverage"`
	// Acceptances are the acts accepting the items counted for reviewed
	// controls' windows (absent from packs written before reviews).
	Acceptances []Acceptance `json:"acceptances,omitempty"`
	// Boundary are the leaves just outside the period's range, Records.First-1
	// and Records.End, when the final tree has them: their received times
	// show the range starts and ends where the period does (v2).
	Boundary []Boundary `json:"boundary,omitempty"`
	// Previous links the pack to an earlier pack of the same ledger: a
	// consistency proof from its final checkpoint to this one's (v2).
	Previous *Previous `json:"previous,omitempty"`
	// Documents are the policy documents in the pack: each version's
	// document, a blob named by the SHA-256 its approval binds (v3).
	Documents []Document `json:"documents,omitempty"`
	// Files maps the derived files (index.*, VERIFY.md, trust/*) to their
	// SHA-256, so the signature over the manifest covers them too.
	Files map[string]string `json:"files"`
	// Counts, set on the manifest Export returns, counts the items it
	// wrote (Items is then empty: they are in the pack). Not in the file.
	Counts *Counts `json:"-"`
}

// Document is a policy version's document carried as a blob: Verify
// rehashes it, and checks each approval in registers/policies.json binds
// this digest.
type Document struct {
	Policy  string `json:"policy"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	Path    string `json:"path"`
}

// Program names the TSP and the standard the pack is assessed against.
type Program struct {
	Name            string   `json:"name"`
	LegalName       string   `json:"legal_name,omitempty"`
	Country         string   `json:"country,omitempty"`
	SupervisoryBody string   `json:"supervisory_body,omitempty"`
	Standard        string   `json:"standard"`
	Version         string   `json:"version"`
	Overlays        []string `json:"overlays"`
}

// Scope is the services the pack speaks for; All is true when no
// --services filter was given.
type Scope struct {
	All      bool     `json:"all"`
	Services []string `json:"services"`
}

// Period is the assessed window [From, To), UTC.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Range is a half-open range of ledger indexes.
type Range struct {
	First int64 `json:"first"`
	End   int64 `json:"end"`
}

// Item is one ledger leaf in the pack. Evidence items carry their blob
// (Path) and what they speak for; audit-trail records carry only the leaf.
// A redacted item (a record outside the service scope) carries its leaf
// hash and proof but not the leaf, so the range stays provably complete
// without showing the assessor what is out of their scope.
type Item struct {
	Index        int64     `json:"index"`
	Kind         string    `json:"kind"` // the ledger record kind: "evidence", "program.apply", ...
	ID           string    `json:"id,omitempty"`
	LeafHash     string    `json:"leaf_hash"` // RFC 6962 leaf hash, hex
	Redacted     bool      `json:"redacted,omitempty"`
	SHA256       string    `json:"sha256,omitempty"` // the blob, for evidence
	Size         int64     `json:"size,omitempty"`
	Path         string    `json:"path,omitempty"`
	MediaType    string    `json:"media_type,omitempty"`
	Filename     string    `json:"filename,omitempty"`
	Effective    string    `json:"effective,omitempty"`
	Received     time.Time `json:"received"`
	Actor        string    `json:"actor,omitempty"`
	Controls     []string  `json:"controls,omitempty"`
	Requirements []string  `json:"requirements,omitempty"`
	Services     []string  `json:"services,omitempty"`
	Verdict      string    `json:"verdict,omitempty"`
	Supersedes   string    `json:"supersedes,omitempty"`
}

// Boundary sides.
const (
	BoundaryBefore = "before" // the last leaf received before the period
	BoundaryAfter  = "after"  // the first leaf received at or after its end
)

// Boundary is a leaf just outside the period's range of records. Its leaf
// (LeafPath) and inclusion proof (ProofPath) are in the pack even when it
// is not an item, so its received time ("at") is checkable.
type Boundary struct {
	Side     string    `json:"side"`
	Index    int64     `json:"index"`
	LeafHash string    `json:"leaf_hash"`
	Received time.Time `json:"received"`
}

// Previous is the final checkpoint of an earlier pack and the proof that
// this pack's final tree extends it. An assessor who kept the earlier pack
// checks it with pack verify --previous.
type Previous struct {
	Pack   string `json:"pack"`   // the earlier pack's id
	Format string `json:"format"` // and its format
	Size   int64  `json:"size"`   // its final checkpoint's tree size
	Root   string `json:"root"`   // and root, base64
	// Path is the consistency proof from Size to the final size; empty
	// when both are equal (the roots must then be equal).
	Path string `json:"path,omitempty"`
}

// Checkpoint is one signed checkpoint of the period, with its RFC 3161
// token when the ledger was anchored.
type Checkpoint struct {
	Size   int64  `json:"size"`
	Path   string `json:"path"`
	Anchor string `json:"anchor,omitempty"` // path of the .tsr token
}

// Consistency is the proof that the tree of size From is a prefix of the
// tree of size To.
type Consistency struct {
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Path string `json:"path"`
}

// Final is the checkpoint every inclusion proof is against.
type Final struct {
	Size int64  `json:"size"`
	Root string `json:"root"` // base64, as in the checkpoint
	Note string `json:"note"` // the signed checkpoint, verbatim
}

// Coverage is one control's windows over the period as the exporter's
// readiness engine judged them. Verify checks each satisfied window
// against the evidence items in the pack.
type Coverage struct {
	Control  string   `json:"control"`
	Cadence  string   `json:"cadence"`
	Needs    int      `json:"needs"`
	Expected int      `json:"expected"`
	Found    int      `json:"found"`
	Windows  []Window `json:"windows"`
	// Reviewed is set when the control's method needs a second person's
	// acceptance: Verify then checks the acceptance of each counted item.
	Reviewed bool `json:"reviewed,omitempty"`
	// Schedule is what the control's windows are computed from, beside
	// the evidence leaves: Verify recomputes every window with it (v2).
	Schedule *ScheduleFacts `json:"schedule,omitempty"`
}

// ScheduleFacts are the parts of a control's schedule that are not in the
// pack's evidence leaves: when it came into force, its method, the systems
// and hosts in scope, a freshness limit, and the exceptions and
// significant changes that bear on its windows.
type ScheduleFacts struct {
	Anchor     time.Time           `json:"anchor"`
	Method     evident.MethodKind  `json:"method"`
	TTL        time.Duration       `json:"ttl,omitempty"` // nanoseconds
	Systems    []string            `json:"systems,omitempty"`
	Hosts      map[string][]string `json:"hosts,omitempty"`
	Exceptions []evident.Exception `json:"exceptions,omitempty"`
	Changes    []evident.Change    `json:"changes,omitempty"`
	// Acceptances is how many distinct people must accept a submission
	// of a reviewed control.
	Acceptances int `json:"acceptances,omitempty"`
}

// Window is one period of a control: its span, state and the evidence
// counted for it.
type Window struct {
	Start     time.Time           `json:"start"`
	End       time.Time           `json:"end"`
	State     evident.PeriodState `json:"state"`
	Evidence  []string            `json:"evidence,omitempty"`
	Exception string              `json:"exception,omitempty"`
	Change    string              `json:"change,omitempty"`
	// Review says why a reviewed control's window is not satisfied:
	// "awaiting review", "rejected", or the systems not yet accepted.
	Review string `json:"review,omitempty"`
	// Have and Want are the window's "n of m" (v2).
	Have int `json:"have,omitempty"`
	Want int `json:"want,omitempty"`
	// Late lists the counted evidence received after the window ended (v2).
	Late []string `json:"late,omitempty"`
	// Unjudged lists files of an import control's window that no importer
	// judged: kept, but not counted (v2).
	Unjudged []string `json:"unjudged,omitempty"`
}

// Paths of the per-item and per-checkpoint files.

// BlobPath is where the blob with hex digest h lives in a pack.
func BlobPath(h string) string { return "evidence/sha256/" + h }

// LeafPath is where leaf i's exact bytes live.
func LeafPath(i int64) string { return "ledger/leaves/" + strconv.FormatInt(i, 10) }

// ProofPath is where leaf i's inclusion proof lives.
func ProofPath(i int64) string { return "proofs/" + strconv.FormatInt(i, 10) + ".proof" }

// CheckpointPath is where the checkpoint of tree size n lives.
func CheckpointPath(n int64) string { return "checkpoints/" + strconv.FormatInt(n, 10) + ".checkpoint" }

// AnchorPath is where the RFC 3161 token over checkpoint n lives.
func AnchorPath(n int64) string { return "checkpoints/" + strconv.FormatInt(n, 10) + ".tsr" }

// ConsistencyPath is where the proof from size m to size n lives.
func ConsistencyPath(m, n int64) string {
	return fmt.Sprintf("checkpoints/consistency/%d-%d", m, n)
}

// cleanName reports whether name is a plain relative path: no leading
// slash, no "." or ".." element, no backslash or NUL, nothing path.Clean
// would change. Zip entries are checked with it before anything else.
func cleanName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00:") {
		return false
	}
	if path.Clean(name) != name {
		return false
	}
	for _, el := range strings.Split(name, "/") {
		if el == "." || el == ".." || el == "" {
			return false
		}
	}
	return true
}
