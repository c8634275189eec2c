// Package importer turns the real output of the tools a trust service
// provider runs into a Result (findings and metrics) and judges it against a
// control's acceptance criteria. It detects the format from the content,
// dispatches to one package per format, bounds the input and reports bad
// input with code EINVALID and the line, offset or field at fault.
//
// # API
//
//	Detect(head)                    format name from the first HeadSize bytes
//	Parse(ctx, format, r, c)        Result; format "" means detect
//	Evaluate(res, criteria)         Verdict; no criteria means DefaultCriteria(format); Rules always added
//	Compare(prev, cur)              Delta of findings by Key (appeared, gone)
//	CompareJSON(prevJSON, cur)      the same, with the previous findings as an import run stores them
//	CompareStored(open, cur)        the same, reading the stored findings as the compare reaches them
//	ParseCertsPEM, CertPoolPEM      TSA certificates and roots for Context
//
// A Finding's Metrics names the metrics it is counted in, so a failed
// criterion lists the findings behind it (the port that should not be open).
// Missing metrics fail: a criterion on a metric the output did not produce
// is a verdict error, never a pass, and so is a result without criteria and
// without defaults.
//
// # Formats and detection
//
// Detection reads content, never file names, in this order:
//
//	format    tool output                                  detected by
//	crl       openssl ca -gencrl (DER, or PEM bundle)      "-----BEGIN X509 CRL", or SEQUENCE { SEQUENCE { [INTEGER 1] SEQUENCE { OID ...
//	ocsp      openssl ocsp -respout (DER OCSPResponse)     SEQUENCE { ENUMERATED responseStatus ...
//	tsr       RFC 3161 TimeStampResp, DER                  SEQUENCE { SEQUENCE { INTEGER status ...
//	nmap      nmap -oX                                     <nmaprun
//	openscap  oscap xccdf eval --results / --results-arf   XCCDF namespace with Benchmark/TestResult, or asset-report-collection
//	sarif     SARIF 2.1.0 (gosec, CodeQL, Semgrep ...)      "runs" with ruleId/driver/physicalLocation, or the SARIF schema URI
//	trivy     trivy ... --format json (schema 2)           "SchemaVersion" with "ArtifactName"
//	testssl   testssl.sh --jsonfile / --jsonfile-pretty     list of {"id","severity","finding"} or {"Invocation": "testssl ...
//	lynis     lynis-report.dat                             "# Lynis Report" or lynis_version=
//	chrony    chronyc tracking / chronyc -c tracking       "Reference ID" with "Stratum", or the 14-field CSV line
//	ceremony  key ceremony report (JSON)                   object whose first member is "key_ceremony"
//	zlint     zlint [-pretty] cert.pem                     object of lint names holding {"result": ...}
//
// Naming a format that does not match the content is an error that says what
// the content looks like ("file is not testssl output: it looks like nmap
// output").
//
// Severities are normalised to info, low, medium, high, critical. Unrated
// severities (OpenSCAP "unknown", trivy UNKNOWN) count as medium: what nobody
// rated is not harmless.
//
// # Completeness and scope
//
// Every format sets the metric checked: how many things the run checked
// (hosts up, targets tested, rules evaluated, tests run, lints that
// applied, runs completed, targets scanned). A run that checked nothing
// gets the finding "nothing_checked" saying why, and Rules holds every
// verdict to "checked > 0" whatever the control's criteria.
//
// With Context.Scope (in-scope host to system), Parse compares the hosts
// the run checked (Result.Checked, from the output; Context.Hosts for
// formats whose output names no host, see NamesHosts) with the scope and
// records Result.Scope, the metrics scope.reached and scope.missing, one
// finding per in-scope host not checked, and a finding when none was
// reached. Rules then add "scope.reached > 0". A missed in-scope host does
// not fail the verdict: the derived record names, per system, the hosts
// the run checked, and period evaluation leaves a system's window
// unsatisfied until passing runs in it checked every one of its hosts. A
// control may state its own criterion on scope.missing; Verdict.CheckedPass
// is then the verdict leaving it out. docs/import.md states each format's
// rule.
//
// # Metrics
//
// nmap (Context.AllowedPorts: "tcp/443", "udp/123", "tcp/8000-8080"; with
// none, every open port is unexpected):
//
//	open_ports              ports in state "open", all hosts
//	unexpected_open_ports   open ports the zone does not allow; each a high finding keyed "ADDR proto/port"
//	hosts_up, hosts_down    from nmap's run statistics
//
// testssl (findings keyed "host:port id"):
//
//	protocols_below_tls12   SSLv2, SSLv3, TLS 1.0 or TLS 1.1 offered
//	findings.critical|high|medium|low   entries by testssl severity
//	cert_expired            1 if any certificate's expiration status says expired (present only when certificates were checked)
//	scan_problems           scanProblem or FATAL entries: parts of the scan did not run
//
// openscap (first TestResult; findings are rules that failed, errored or are unknown):
//
//	rules.pass|fail|error|unknown|notapplicable|notchecked|notselected|informational|fixed
//	rules.fail.low|medium|high   failed rules by severity
//	score, score_max        the default scoring model's score
//
// lynis:
//
//	hardening_index         0-100
//	warnings, suggestions   warning[] and suggestion[] lines (findings: medium, low)
//	tests_done              tests Lynis ran
//
// chrony:
//
//	offset_ms               |System time| offset, milliseconds
//	last_offset_ms, rms_offset_ms, root_delay_ms, root_dispersion_ms
//	frequency_ppm, skew_ppm, stratum
//	leap_ok                 1 when Leap status is Normal
//	synced                  1 when there is a reference, stratum 1-15, and leap status is not "Not synchronised"
//	ref_age_s               Context.Now minus the last reference update, when synced and Now is set
//
// zlint (findings keyed by lint name):
//
//	findings.fatal|error|warn|notice|info   lints with that result (fatal critical, error high, warn medium, notice low)
//	findings.pass|NA|NE     lints that passed, did not apply, were not yet effective
//	lints                   lints run
//
// tsr (Context.TSARoots, TSACerts for tokens without certificates, StampedData or StampedDigest):
//
//	status, status_ok       PKIStatus; status_ok is 1 for granted or grantedWithMods
//	signature_valid         the CMS signature over the token verifies with the signer's certificate
//	chain_valid             the signer chains to TSARoots at genTime for the timeStamping purpose
//	imprint_ok              the imprint equals the stamped data's digest (only when data or digest is given)
//	gen_time_age_s          Context.Now minus genTime (only when Now is set)
//	accuracy_s              the token's stated accuracy, when present
//	within_tsu_validity     genTime lies within the signer (TSU) certificate's notBefore..notAfter
//
// crl (Context.Issuers; a PEM bundle of one issuer's CRLs is a series, ordered by thisUpdate):
//
//	crls                    CRLs in the file
//	max_interval_h          longest gap between consecutive thisUpdates (absent for one CRL)
//	max_validity_h          longest nextUpdate minus thisUpdate
//	late                    CRLs issued after the previous one's nextUpdate
//	no_next_update          CRLs without a nextUpdate
//	number_order_ok         CRL numbers increase with thisUpdate
//	revoked                 entries on the latest CRL
//	stale                   Context.Now is past the latest nextUpdate (only when Now is set)
//	signature_valid         every CRL verifies against one of Context.Issuers
//
// ocsp (Context.Issuers):
//
//	response_ok             the responder answered "successful"
//	status, good            certificate status: 0 good, 1 revoked, 2 unknown; good is 1 for good
//	validity_h              nextUpdate minus thisUpdate (absent without a nextUpdate)
//	age_h, expired          Context.Now minus producedAt; Now past nextUpdate (only when Now is set)
//	signature_valid         the response verifies against one of Context.Issuers
//
// ceremony (a report missing a required field is refused, naming it):
//
//	checked                 phases completed
//	participants, trusted_participants   people present; those in trusted roles
//	phases_incomplete       phases not completed
//	keys, fingerprints_checked, fingerprint_mismatch   keys in the inventory; PEM keys hashed; mismatches
//
// sarif (findings keyed by tool, rule and fingerprint or location):
//
//	results.error|warning|note|none   by level (rule default, then "warning", when a result has none)
//	results.suppressed      results suppressed in review, not counted as findings
//	runs.failed             runs whose invocation says executionSuccessful: false
//
// trivy:
//
//	vulns.critical|high|medium|low       package vulnerabilities
//	misconfigs.critical|high|medium|low  failed misconfiguration checks; misconfigs.passed
//	secrets.critical|high|medium|low     exposed secrets
//	findings.critical|high|medium|low    all three kinds together
//
// # Limits
//
// Parse reads at most Context.MaxBytes (DefaultMaxBytes, 64 MiB, when 0) and
// refuses larger input rather than judging part of it. XML is walked once
// before decoding: entity declarations, nesting deeper than
// report.MaxXMLDepth and truncated documents are errors. nmap XML is read
// in the same single pass by xmltok, a strict tokenizer that accepts what
// encoding/xml's strict decoder accepts and also refuses end tags that do
// not match their start anywhere in the file. JSON must be valid
// UTF-8, complete and a single document. Text formats reject NUL bytes and
// invalid UTF-8 and require every field their metrics rest on. A scan cut
// short (nmap without run statistics, a Lynis report without its end marker)
// is refused with an EINVALID error whose message starts "truncated:", so
// the caller's "FILE: truncated: ..." says what happened; it is never an
// empty pass. Parsing checks ctx between elements.
//
// # Fixtures
//
// testdata/<format>/ holds outputs of the real tools, produced by
// testdata/regen.sh against targets it starts on 127.0.0.1, each with the
// command and tool version in <name>.cmd and the parsed result in
// <name>.golden.json (go test -update rewrites them). Each format package
// has a fuzz target, FuzzParse<Format>, seeded with these fixtures; plain
// go test runs the seeds. For short fuzzing runs bound minimisation, or the
// workers spend the run shrinking kilobyte-sized seeds:
//
//	go test ./internal/importer/nmap -run '^$' -fuzz FuzzParseNmap -fuzztime 10s -fuzzminimizetime 200x
package importer
