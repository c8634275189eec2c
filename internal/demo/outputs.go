package demo

import (
	"crypto/x509"
	"embed"
	"path"

	"github.com/evidenthq/evident/internal/importer"
)

// outputs holds real tool output, recorded by running each tool as the
// .cmd file beside it says (copies of the importers' test fixtures). The
// demo imports them as its collectors' output, so every verdict it shows
// is an importer's judgement of real output, never a claim.
//
//go:embed outputs
var outputs embed.FS

// toolOutputs names, per format, the output of a check that went well and
// of one that did not. Where only one real output exists both are the
// same file, and the importer's verdict on it stands either way: the
// Lynis report has warnings, so the demo's malware checks fail.
var toolOutputs = map[string][2]string{
	"nmap":     {"nmap/baseline.xml", "nmap/new-port.xml"},
	"chrony":   {"chrony/synced.txt", "chrony/unsynchronised.txt"},
	"lynis":    {"lynis/report.dat", "lynis/report.dat"},
	"testssl":  {"testssl/strong.json", "testssl/weak-tls10.json"},
	"openscap": {"openscap/xccdf-results.xml", "openscap/arf.xml"},
	"trivy":    {"trivy/secret.json", "trivy/secret.json"},
	"sarif":    {"sarif/gosec.sarif", "sarif/gosec.sarif"},
	"zlint":    {"zlint/strong-server.json", "zlint/weak-server.json"},
	"tsr":      {"tsr/granted.tsr", "tsr/rejected.tsr"},
}

// toolOutput returns the bytes and file name of a check's output.
func toolOutput(format string, failed bool) ([]byte, string, error) {
	names, ok := toolOutputs[format]
	if !ok {
		return nil, "", nil
	}
	name := names[0]
	if failed {
		name = names[1]
	}
	b, err := outputs.ReadFile("outputs/" + name)
	return b, path.Base(name), err
}

// tsaTrust is what time-stamp responses are checked against: the test
// TSA's root and certificate and the data the tokens stamp.
type tsaTrust struct {
	roots   *x509.CertPool
	certs   []*x509.Certificate
	stamped []byte
}

func loadTSATrust() (tsaTrust, error) {
	var t tsaTrust
	root, err := outputs.ReadFile("outputs/tsr/root.pem")
	if err != nil {
		return t, err
	}
	if t.roots, err = importer.CertPoolPEM(root); err != nil {
		return t, err
	}
	tsa, err := outputs.ReadFile("outputs/tsr/tsa.pem")
	if err != nil {
		return t, err
	}
	if t.certs, err = importer.ParseCertsPEM(tsa); err != nil {
		return t, err
	}
	t.stamped, err = outputs.ReadFile("outputs/tsr/stamped.txt")
	return t, err
}
