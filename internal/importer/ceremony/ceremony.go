// Package ceremony reads a key ceremony report: the typed record of a CA
// or TSU key generation that EN 319 411-1 (GEN-6.5.1-13A) and the CA/B
// Forum Baseline Requirements (6.1.1.1) ask for. A report names its date,
// the HSM (id and model), the participants and their roles, the phases
// run, the key generation settings, and every key generated with the
// SHA-256 fingerprint of its public key. A report missing any of these is
// refused, naming the field: an incomplete report is not evidence of a
// ceremony. A complete one is judged like tool output: fewer than two
// participants in trusted roles, a phase not completed or a fingerprint
// that does not match the public key given fail the verdict.
//
// The report is JSON:
//
//	{
//	  "key_ceremony": "issuing CA 2026 key generation",
//	  "date": "2026-11-20T09:00:00Z",
//	  "hsm": {"id": "HSM-0042", "model": "Luna 7", "firmware": "7.8.4"},
//	  "participants": [{"name": "A. Admin", "role": "CA administrator", "trusted_role": true}, ...],
//	  "phases": [{"name": "key generation", "completed": true}, ...],
//	  "generation": {"algorithm": "ECDSA P-384", "parameters": "...", "script": "..."},
//	  "keys": [{"label": "issuing-2026", "public_key_sha256": "<64 hex>", "public_key_pem": "..."}]
//	}
package ceremony

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "ceremony"

// Detect reports whether head is a JSON object that starts with the
// "key_ceremony" member, which names a report of this format.
func Detect(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	t = bytes.TrimLeft(t[1:], " \t\r\n")
	return bytes.HasPrefix(t, []byte(`"key_ceremony"`))
}

// Report is a key ceremony report.
type Report struct {
	Title        string        `json:"key_ceremony"`
	Date         time.Time     `json:"date"`
	Location     string        `json:"location,omitempty"`
	HSM          HSM           `json:"hsm"`
	Participants []Participant `json:"participants"`
	Phases       []Phase       `json:"phases"`
	Generation   Generation    `json:"generation"`
	Keys         []Key         `json:"keys"`
}

// HSM is the hardware security module the keys were generated in.
type HSM struct {
	ID       string `json:"id"`
	Model    string `json:"model"`
	Firmware string `json:"firmware,omitempty"`
}

// Participant is a person present, in a role.
type Participant struct {
	Name        string `json:"name"`
	Role        string `json:"role"`
	TrustedRole bool   `json:"trusted_role"`
}

// Phase is a step of the ceremony script.
type Phase struct {
	Name      string `json:"name"`
	Completed bool   `json:"completed"`
}

// Generation is how the keys were generated.
type Generation struct {
	Algorithm  string `json:"algorithm"`
	Parameters string `json:"parameters,omitempty"`
	Script     string `json:"script,omitempty"`
}

// Key is one generated key: a label, the SHA-256 of its DER
// SubjectPublicKeyInfo, and optionally the public key itself in PEM, which
// lets the fingerprint be checked.
type Key struct {
	Label           string `json:"label"`
	PublicKeySHA256 string `json:"public_key_sha256"`
	PublicKeyPEM    string `json:"public_key_pem,omitempty"`
}

// Validate refuses a report missing a required field, naming it.
func (r Report) Validate() error {
	req := func(field, v string) error {
		if strings.TrimSpace(v) == "" {
			return evident.ErrorAt(evident.EINVALID, field, "a key ceremony report needs %s", field)
		}
		return evident.CheckText(field, v)
	}
	if err := req("key_ceremony", r.Title); err != nil {
		return err
	}
	if r.Date.IsZero() {
		return evident.ErrorAt(evident.EINVALID, "date", "a key ceremony report needs the date")
	}
	for _, f := range []struct{ name, v string }{{"hsm.id", r.HSM.ID}, {"hsm.model", r.HSM.Model}, {"generation.algorithm", r.Generation.Algorithm}} {
		if err := req(f.name, f.v); err != nil {
			return err
		}
	}
	if len(r.Participants) == 0 {
		return evident.ErrorAt(evident.EINVALID, "participants", "a key ceremony report needs its participants and their roles")
	}
	for i, p := range r.Participants {
		if err := req(fmt.Sprintf("participants[%d].name", i), p.Name); err != nil {
			return err
		}
		if err := req(fmt.Sprintf("participants[%d].role", i), p.Role); err != nil {
			return err
		}
	}
	if len(r.Phases) == 0 {
		return evident.ErrorAt(evident.EINVALID, "phases", "a key ceremony report needs the phases run")
	}
	for i, p := range r.Phases {
		if err := req(fmt.Sprintf("phases[%d].name", i), p.Name); err != nil {
			return err
		}
	}
	if len(r.Keys) == 0 {
		return evident.ErrorAt(evident.EINVALID, "keys", "a key ceremony report needs the inventory of keys generated")
	}
	for i, k := range r.Keys {
		if err := req(fmt.Sprintf("keys[%d].label", i), k.Label); err != nil {
			return err
		}
		if b, err := hex.DecodeString(k.PublicKeySHA256); err != nil || len(b) != sha256.Size {
			return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("keys[%d].public_key_sha256", i), "want the SHA-256 of the public key as 64 hex digits, got %q", k.PublicKeySHA256)
		}
	}
	return nil
}

// Parse reads and judges a report. Metrics: checked (phases completed),
// participants,
// trusted_participants, phases_incomplete, keys, fingerprints_checked and
// fingerprint_mismatch (keys whose PEM public key hashes to another value).
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	var r Report
	if err := report.DecodeJSON(Format, data, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	res := report.New(Format, "key ceremony report")
	res.Target = r.HSM.ID
	res.Time = r.Date.UTC()
	res.Summary["title"] = r.Title
	res.Summary["hsm"] = r.HSM.ID + " (" + r.HSM.Model + ")"
	res.Summary["algorithm"] = r.Generation.Algorithm
	// What a ceremony checked is the phases it completed: a report of a
	// ceremony where no phase was done proves nothing.
	res.Metrics[report.Checked] = 0
	res.Metrics["keys"] = float64(len(r.Keys))
	res.Metrics["participants"] = float64(len(r.Participants))
	res.Metrics["trusted_participants"] = 0
	res.Metrics["phases_incomplete"] = 0
	res.Metrics["fingerprints_checked"] = 0
	res.Metrics["fingerprint_mismatch"] = 0
	for _, p := range r.Participants {
		if p.TrustedRole {
			res.Metrics["trusted_participants"]++
		}
	}
	if res.Metrics["trusted_participants"] < 2 {
		res.Note(report.Finding{Key: "trusted_participants", Severity: "high", Rule: "trusted_participants", Title: "fewer than two participants in trusted roles", Metrics: []string{"trusted_participants"}})
	}
	for _, p := range r.Phases {
		if p.Completed {
			res.Metrics[report.Checked]++
		}
		if !p.Completed {
			res.Add(report.Finding{Key: "phase " + p.Name, Severity: "high", Rule: "phases_incomplete", Title: "phase not completed: " + p.Name, Metrics: []string{"phases_incomplete"}})
		}
	}
	if res.Metrics[report.Checked] == 0 {
		res.NothingChecked("no phase of the ceremony was completed")
	}
	for i, k := range r.Keys {
		if k.PublicKeyPEM == "" {
			continue
		}
		got, err := fingerprint(k.PublicKeyPEM)
		if err != nil {
			return nil, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("keys[%d].public_key_pem", i), "%v", err)
		}
		res.Metrics["fingerprints_checked"]++
		if !strings.EqualFold(got, k.PublicKeySHA256) {
			res.Add(report.Finding{Key: "key " + k.Label, Severity: "critical", Rule: "fingerprint_mismatch", Title: "the public key does not hash to the recorded fingerprint",
				Detail: "recorded " + strings.ToLower(k.PublicKeySHA256) + ", computed " + got, Metrics: []string{"fingerprint_mismatch"}})
		}
	}
	res.Sort()
	return res, nil
}

// fingerprint is the SHA-256 of the DER SubjectPublicKeyInfo in a PEM
// "PUBLIC KEY" block, as `openssl pkey -pubout -outform DER | sha256sum`
// prints it.
func fingerprint(p string) (string, error) {
	b, _ := pem.Decode([]byte(p))
	if b == nil || b.Type != "PUBLIC KEY" {
		return "", fmt.Errorf("want a PEM PUBLIC KEY block")
	}
	if _, err := x509.ParsePKIXPublicKey(b.Bytes); err != nil {
		return "", fmt.Errorf("not a public key: %v", err)
	}
	sum := sha256.Sum256(b.Bytes)
	return hex.EncodeToString(sum[:]), nil
}
