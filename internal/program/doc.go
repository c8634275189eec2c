// Package program keeps the TSP's program as code: a directory of YAML
// files a team reviews in git. Load reads such a directory into an
// evident.Model, refusing bad input with the file, line and field; Diff
// compares two models object by object (the plan); Apply makes the store
// equal to a model in one transaction and records the change in the audit
// trail; Export writes the stored program back out so that applying the
// export changes nothing.
//
// # File format
//
// Every *.yaml or *.yml file under the directory (subdirectories included)
// may hold any of these top-level sections; lists from several files are
// joined, and an id may appear only once per section:
//
//	program:      name, legal_name, supervisory_body, country, version,
//	              overlays, risk_scale {likelihood, impact}, risk_appetite,
//	              next_audit, anchor_every, retention,
//	              requirement_retention {REQ: period}          (exactly once)
//	services:     id, name, type, qualification, publicly_trusted (a
//	              certificate service whose TLS certificates browsers
//	              trust: the CA/B Forum rules apply), description,
//	              subscribers, relying_parties, dependencies, cessation,
//	              cessation_notified
//	systems:      id, name, kind, zone, owner, classification, version,
//	              services, hosts, description
//	zones:        id, name, description, offline, allowed_services,
//	              allowed_flows [{to, services, purpose}]
//	suppliers:    id, name, supports, obligations, agreement,
//	              service_levels, last_review, review_every,
//	              attestation {kind, reference, valid_until}
//	roles:        id, name, trusted, responsibilities, incompatible
//	people:       id, name, email, roles, management_body, user (the
//	              person's login: their work is that login's "My work")
//	risks:        id, title, threat, vulnerability, assets, services,
//	              likelihood, impact, residual_likelihood, residual_impact,
//	              owner, review_due
//	treatments:   id, risk, decision, controls, policies, target_residual,
//	              due, notes
//	acceptances:  id, risk, approver, date, residual, justification, expires
//	controls:     id, title, narrative, owner, requirements, services,
//	              systems, method {kind, format, description, criteria,
//	              sample_size, ttl, performer {name, organisation,
//	              independent, competence}}, cadence, evidence_per_period,
//	              retention, deviations [{requirement, justification, risks,
//	              approval {by, at}}]
//	policies:     id, title, kind, owner, review, contents, versions
//	              [{version, file, sha256, summary, date, approvals [{by, at}],
//	              publications [{where, at}], communications [{to, at,
//	              reference}]}]
//	soa:          requirement, applicable, justification, proportionality
//
// Dates are written 2026-07-01 or as RFC 3339 times with a zone. Cadences
// are words ParseCadence reads ("quarterly", "every 2 weeks", "post-change").
// Criteria are strings ParseCriterion reads ("offset_ms < 100").
// Requirements are bare ids ("REQ-7.8-14", resolved against the program's
// version) or full references ("EN319401@3.1.1:REQ-7.8-14"). A control
// without a cadence takes the default its requirements' catalog figures
// give (DefaultCadence). A policy version's sha256 is computed from its
// file when the file sits beside the YAML; when both are given they must
// agree.
//
// A control's cadence may not be slower than a requirement's figure (its
// floor, evident.FloorOf) unless a deviation records why; the approval a
// deviation carries in the file is a claim, and `evident gaps` keeps the
// gap open until an approval act binds it. risk_appetite is the highest
// residual score tolerated without a treatment plan or an expiring
// acceptance; next_audit is the date stale evidence must be refreshed by;
// anchor_every (24h, 7d, ...; at least 1h) is how often `evident serve`
// has the ledger's latest checkpoint time-stamped, a missed anchor being a
// task. retention ("7y", "18m", "90d", "forever") is how long evidence is
// kept: program.retention is the event-log retention period the terms and
// conditions declare and the default for every control and requirement
// without its own; evidence is kept for the longest period of what it
// speaks for (evident.DecideRetention), and no period means for ever.
package program
