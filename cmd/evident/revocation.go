package main

import (
	"os"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer"
	"github.com/evidenthq/evident/internal/importer/crl"
	"github.com/evidenthq/evident/internal/profile"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// revocationSubs are `evident revocation`'s subcommands.
var revocationSubs = []sub{
	{"request", "record a revocation request as received, with its reason", revocationRequest},
	{"list", "list recorded revocation requests", revocationList},
	{"check", "check CRLs against the revocation clocks and the CRL interval; exit 1 on any failure", revocationCheck},
}

// issuanceSubs are `evident issuance`'s subcommands.
var issuanceSubs = []sub{
	{"stop", "record that a time-stamping unit stopped issuing", issuanceStop},
	{"list", "list recorded issuance stops", issuanceList},
	{"check", "check a clock control's chrony samples against the declared accuracy; exit 1 on any failure", issuanceCheck},
}

// checksReport is the --json form of the profile checks.
type checksReport struct {
	Checks []profile.Check `json:"checks"`
	Failed int             `json:"failed"`
}

func revocationRequest(a *app, args []string) error {
	fs := a.flags("revocation request")
	var r evident.RevocationRequest
	fs.StringVar(&r.Serial, "serial", "", "the certificate's serial number in `hex`")
	fs.StringVar(&r.Reason, "reason", "unspecified", "RFC 5280 `reason`: keyCompromise, superseded, cessationOfOperation, ...")
	fs.StringVar(&r.Service, "service", "", "the certificate service (`id`)")
	fs.BoolVar(&r.SubordinateCA, "subordinate-ca", false, "the certificate is a subordinate CA's")
	received := fs.String("received", "", "when the request was received (`time`; default now)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "revocation request: unexpected argument %q", pos[0])
	}
	if *received != "" {
		if r.ReceivedAt, err = evident.ParseTime(*received); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--received", "%s", evident.ErrorMessage(err))
		}
	}
	r.Actor = a.actor
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if r, err = st.AddRevocationRequest(a.ctx, r); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(r)
	}
	a.out("Recorded revocation request %s for serial %s (%s), received %s.\n", r.ID, r.Serial, r.Reason, stamp(r.ReceivedAt))
	return nil
}

func revocationList(a *app, args []string) error {
	fs := a.flags("revocation list")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.RevocationRequests(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(rs)
	}
	rows := make([][]string, len(rs))
	for i, r := range rs {
		rows[i] = []string{stamp(r.ReceivedAt), r.Serial, r.Reason, orNone(r.Service)}
	}
	printRows(a.stdout, "RECEIVED\tSERIAL\tREASON\tSERVICE", rows)
	return nil
}

// revocationCheck reads a CRL series, checks its signatures, its
// publication interval (EN 319 411-1, 24 h) and every recorded request
// against the clocks that apply: eIDAS Art. 24(3) when the request's
// service (or, when it names none, any certificate service) is qualified,
// the CA/B Forum's when it is publicly trusted in the scope, or for every
// request with --public-tls.
func revocationCheck(a *app, args []string) error {
	fs := a.flags("revocation check")
	issuer := fs.String("issuer", "", "PEM `file` of the CA certificates that sign the CRLs (required)")
	publicTLS := fs.Bool("public-tls", false, "apply the CA/B Forum clocks to every request, not only to those of services the scope marks publicly_trusted")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return evident.Errorf(evident.EINVALID, "revocation check: name one CRL file (DER, or a PEM bundle of one issuer's CRLs)")
	}
	s, err := readSeries(pos[0], *issuer)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := st.Model(a.ctx)
	if err != nil {
		return err
	}
	rs, err := st.RevocationRequests(a.ctx)
	if err != nil {
		return err
	}
	checks := []profile.Check{profile.CRLPublication(profile.CRLInterval411, s, profile.Day)}
	for _, r := range profile.RequestStatuses(m, rs, s, *publicTLS) {
		checks = append(checks, r.Checks...)
	}
	return a.printChecks(checks)
}

// readSeries reads a CRL file and refuses it unless every CRL verifies
// against the issuer: an unsigned list proves nothing about the CA.
func readSeries(path, issuerPath string) (*crl.Series, error) {
	if issuerPath == "" {
		return nil, evident.ErrorAt(evident.EINVALID, "--issuer", "required: CRLs whose signature is not checked prove nothing")
	}
	b, err := os.ReadFile(issuerPath)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--issuer", "%s: %v", issuerPath, unwrapPath(err))
	}
	issuers, err := importer.ParseCertsPEM(b)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, "--issuer", "%s: %s", issuerPath, evident.ErrorMessage(err))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, path, "cannot read: %v", unwrapPath(err))
	}
	s, err := crl.Read(data)
	if err != nil {
		return nil, evident.ErrorAt(evident.EINVALID, path, "%s", evident.ErrorMessage(err))
	}
	for i, l := range s.CRLs {
		ok := false
		for _, c := range issuers {
			ok = ok || l.CheckSignatureFrom(c) == nil
		}
		if !ok {
			return nil, evident.ErrorAt(evident.EINVALID, path, "CRL %d (thisUpdate %s) does not verify against %s", i+1, evident.UTC(l.ThisUpdate), issuerPath)
		}
	}
	return s, nil
}

func issuanceStop(a *app, args []string) error {
	fs := a.flags("issuance stop")
	var s evident.IssuanceStop
	fs.StringVar(&s.Service, "service", "", "the time-stamp service (`id`)")
	fs.StringVar(&s.Reason, "reason", "", "why issuing stopped (`text`)")
	from := fs.String("from", "", "when issuing stopped (`time`)")
	to := fs.String("to", "", "when issuing resumed (`time`; none: not resumed)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return evident.Errorf(evident.EINVALID, "issuance stop: unexpected argument %q (quote the --reason)", pos[0])
	}
	for _, f := range []struct {
		flag, v string
		t       *time.Time
	}{{"--from", *from, &s.From}, {"--to", *to, &s.To}} {
		if f.v == "" {
			continue
		}
		if *f.t, err = evident.ParseTime(f.v); err != nil {
			return evident.ErrorAt(evident.EINVALID, f.flag, "%s", evident.ErrorMessage(err))
		}
	}
	s.Actor = a.actor
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if s, err = st.AddIssuanceStop(a.ctx, s); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(s)
	}
	a.out("Recorded issuance stop %s from %s to %s.\n", s.ID, stamp(s.From), orOpen(s.To))
	return nil
}

func orOpen(t time.Time) string {
	if t.IsZero() {
		return "(not resumed)"
	}
	return stamp(t)
}

func issuanceList(a *app, args []string) error {
	fs := a.flags("issuance list")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	ss, err := st.IssuanceStops(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(ss)
	}
	rows := make([][]string, len(ss))
	for i, s := range ss {
		rows[i] = []string{stamp(s.From), orOpen(s.To), orNone(s.Service), clip(s.Reason, 60)}
	}
	printRows(a.stdout, "FROM\tTO\tSERVICE\tREASON", rows)
	return nil
}

// issuanceCheck reads every chrony import of a control as a clock sample
// at its effective time and checks them, with the recorded stops, against
// the declared accuracy (EN 319 421 TIS-7.7.2-03).
func issuanceCheck(a *app, args []string) error {
	fs := a.flags("issuance check")
	control := fs.String("control", "", "the clock control whose chrony imports are the samples (`ID`, required)")
	accuracy := fs.Duration("accuracy", time.Second, "the accuracy the TSA declares for its clock (`duration`, at most 1s)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *control == "" {
		return evident.Errorf(evident.EINVALID, "issuance check: --control is required")
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.ImportRuns(a.ctx, sqlstore.ImportFilter{Control: *control, NoFindings: true})
	if err != nil {
		return err
	}
	var samples []profile.ClockSample
	for _, r := range runs {
		ms, ok := r.Metrics["offset_ms"]
		if r.Format != "chrony" || !ok {
			continue
		}
		samples = append(samples, profile.ClockSample{At: r.EffectiveAt, Offset: time.Duration(ms * float64(time.Millisecond))})
	}
	stops, err := st.IssuanceStops(a.ctx)
	if err != nil {
		return err
	}
	return a.printChecks([]profile.Check{profile.ClockAccuracy(samples, *accuracy, stops)})
}

// printChecks prints the checks and fails (exit 1) when any failed; a
// pending check is shown as such and fails nothing.
func (a *app) printChecks(checks []profile.Check) error {
	failed := 0
	for _, c := range checks {
		if !c.Pass && !c.Pending {
			failed++
		}
	}
	if a.json {
		if err := a.printJSON(checksReport{Checks: checks, Failed: failed}); err != nil {
			return err
		}
	} else {
		rows := make([][]string, len(checks))
		for i, c := range checks {
			verdict := "pass"
			switch {
			case c.Pending:
				verdict = "not proven yet"
			case !c.Pass:
				verdict = "FAIL"
			}
			rows[i] = []string{c.Requirement, verdict, c.Detail}
		}
		printRows(a.stdout, "REQUIREMENT\tRESULT\tDETAIL", rows)
	}
	if failed > 0 {
		return evident.Errorf(evident.EFAILED, "%s failed", count(failed, "check", "checks"))
	}
	return nil
}
