// Package evident holds the vocabulary of a Trust Service Provider's
// ETSI EN 319 401 compliance program and the pure logic over it: requirements,
// scope, risks, controls, policies, evidence, periods, changes and incidents.
//
// The package depends on the standard library only. Adapters (the SQL store,
// the blob store, the ledger, importers, HTTP) live under internal/ and are
// wired together in cmd/evident, so the rules here can be tested as plain
// functions with an injected clock.
package evident
