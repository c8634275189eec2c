package pack

import (
	"encoding/json"
	"slices"

	"github.com/evidenthq/evident"
)

// BadApproval is the problem kind of a policy version whose approval in
// registers/policies.json is not an approval act in the pack binding the
// version's document digest.
const BadApproval = "bad approval"

// documentBlobs adds the policy documents (v3) to the blobs to rehash.
func (v *verifier) documentBlobs() {
	for _, d := range v.man.Documents {
		if d.Path != BlobPath(d.SHA256) {
			v.add(EditedManifest, ManifestName, "policy %s@%s: document path %q is not %s", d.Policy, d.Version, d.Path, BlobPath(d.SHA256))
			continue
		}
		v.blobs[d.SHA256] = d.Size
	}
}

// registers checks that a version 3 pack carries every register and
// that each policy approval it claims is an act leaf of the pack that
// approves exactly the version's document.
func (v *verifier) registers() {
	for _, name := range registerFiles {
		if _, ok := v.man.Files[name]; !ok {
			v.add(EditedManifest, ManifestName, "lists no hash for %s", name)
		}
	}
	raw := v.read(PoliciesJSON, v.opt.Limits.MaxMeta)
	if raw == nil {
		return
	}
	var ps []PolicyEntry
	if err := json.Unmarshal(raw, &ps); err != nil {
		v.add(IndexClaim, PoliciesJSON, "not a readable policy register: %v", err)
		return
	}
	docs := map[string]Document{}
	for _, d := range v.man.Documents {
		docs[d.Policy+"@"+d.Version] = d
	}
	for _, p := range ps {
		for _, pv := range p.Versions {
			v.policyVersion(p.ID, pv, docs[p.ID+"@"+pv.Version])
		}
	}
}

func (v *verifier) policyVersion(policy string, pv PolicyRecord, doc Document) {
	name := policy + "@" + pv.Version
	if pv.Document != "" && (doc.Path != pv.Document || doc.SHA256 != pv.SHA256) {
		v.add(IndexClaim, PoliciesJSON, "policy %s: document %s is not the manifest's document for the version", name, pv.Document)
	}
	if pv.Decision == nil {
		if pv.State != evident.ApprovalPending {
			v.add(BadApproval, PoliciesJSON, "policy %s is %s without a deciding act", name, pv.State)
		}
		return
	}
	leaf := v.read(LeafPath(pv.Decision.Index), v.opt.Limits.MaxMeta)
	if leaf == nil {
		return
	}
	rec, err := evident.ParseRecord(leaf)
	var a evident.Act
	if err == nil {
		a, err = evident.ActFromRecord(rec)
	}
	want := map[string]evident.ActVerb{evident.ApprovalApproved: evident.ActApprove, evident.ApprovalRejected: evident.ActReject}[pv.State]
	switch {
	case err != nil:
		v.add(BadApproval, PoliciesJSON, "policy %s: leaf %d is not an act: %v", name, pv.Decision.Index, err)
	case a.Subject != evident.PolicySubject(policy, pv.Version):
		v.add(BadApproval, PoliciesJSON, "policy %s: act %s is about %s", name, a.ID, a.Subject)
	case a.SHA256.String() != pv.SHA256:
		v.add(BadApproval, PoliciesJSON, "policy %s: act %s binds %s, not the document's SHA-256 %s", name, a.ID, a.SHA256, pv.SHA256)
	case a.Verb != want || a.ID != pv.Decision.Act || a.Actor != pv.Decision.Actor:
		v.add(BadApproval, PoliciesJSON, "policy %s: act %s is %s by %s; the register says %s by %s", name, a.ID, a.Verb, a.Actor, pv.State, pv.Decision.Actor)
	case !slices.ContainsFunc(v.man.Items, func(it Item) bool { return it.Index == pv.Decision.Index }):
		v.add(BadApproval, PoliciesJSON, "policy %s: act leaf %d is not an item of the manifest, so nothing proves it", name, pv.Decision.Index)
	}
}
