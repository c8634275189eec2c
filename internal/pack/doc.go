// Package pack exports the assessor's evidence pack for a period and
// verifies one offline: the evidence, the exact ledger leaves, a proof of
// each leaf against a signed checkpoint, the checkpoints of the period
// with consistency proofs between them, the keys to check them, and an
// index from requirement to control, verification method and evidence.
// Verify needs nothing but the zip: no data directory, no network.
//
// # Format (evident-pack/v3)
//
// VERIFY.md, which every pack carries, is the complete description of the
// format for an independent verifier; tests hold its field lists, limits
// and compression table to the code. A pack is a zip archive. Entry names
// are plain relative paths (no "/" prefix, no "." or ".." elements, no
// backslashes); the manifest and the derived files are deflated, every
// other entry stored. The entries are:
//
//	MANIFEST.json                      the Manifest (below), indented JSON
//	SIGNATURE.note                     signed note, ledger key: "evident pack manifest\nsha256 <hex of MANIFEST.json>\n"
//	index.html                         one offline page: no script, no external asset
//	index.json                         the Index the page and the workbook show
//	index.xlsx                         the same as a workbook, one sheet per table
//	VERIFY.md                          how to check the pack by hand
//	report.html                        printable report: one page per clause, then the registers
//	registers/*.json                   policy stack, scope, risks, SoA, incidents, changes,
//	                                   per-requirement trace, findings (v3)
//	evidence/sha256/<hex>              each evidence blob and policy document, by SHA-256
//	ledger/leaves/<index>              the exact leaf bytes (evident.Record.Canonical)
//	proofs/<index>.proof               c2sp.org/tlog-proof@v1 against the final checkpoint
//	checkpoints/<size>.checkpoint      signed checkpoints (C2SP tlog-checkpoint note)
//	checkpoints/<size>.tsr             RFC 3161 token over the checkpoint bytes, if anchored
//	checkpoints/consistency/<m>-<n>    consistency proof from tree m to tree n
//	checkpoints/previous/<m>-<n>       from a previous pack's final tree m to the final tree n
//	trust/ledger.pub                   the ledger verifier key (golang.org/x/mod/sumdb/note)
//	trust/tsa-roots.pem                the TSA trust anchors, if the ledger is anchored
//
// A consistency proof file is "evident consistency proof v1", "old <m>",
// "new <n>", then one base64 hash per line in golang.org/x/mod/sumdb/tlog
// ProveTree order (RFC 9162 2.1.4).
//
// MANIFEST.json holds the format name, pack id, creation time and actor,
// the program (name, legal name, standard, version, overlays), the scope
// (services), the period [from, to), the ledger origin and key, the range
// of leaves received in the period ("records": [first, end)), every item
// (ledger index, record kind and id, RFC 6962 leaf hash; for evidence the
// blob SHA-256, size, path, media type, controls and requirement
// references), the checkpoints and consistency proofs, the final
// checkpoint verbatim, each control's windows over the period with the
// evidence counted for each (a reviewed control is marked "reviewed"),
// the acceptances of the items counted for reviewed controls (act leaf,
// reviewer, submitter, digest, window, systems, what was checked), and the
// SHA-256 of every derived file
// (index.*, VERIFY.md, trust/*). Version 2 adds the boundary leaves (the
// leaf just before the period's range and the one just after it, with
// their proofs), the link to a previous pack (its final checkpoint and a
// consistency proof from it), each control's schedule facts and each
// window's "n of m", late and unjudged evidence, so that Verify
// recomputes every window. Version 3 adds the policy documents
// ("documents"), the registers an assessor asks for first and the
// printable report; Verify checks each register's hash and each policy
// approval against its act leaf. Fields are only ever added, so a pack
// written today keeps verifying; testdata/2026-q1.zip, -v2.zip and
// -v3.zip are packs written by each version, and a test fails if this
// build stops accepting any.
//
// # What goes in
//
// Only the period: every ledger leaf received in [from, to) (evidence and
// the audit trail), evidence effective in the period but received before
// or after it, and evidence counted for a window of the period. With a
// service scope, evidence speaking only for other services is left out;
// inside the period's leaf range it stays as a redacted item (leaf hash
// and proof, no leaf, no blob) so the range remains provably complete.
// The checkpoints are the one in force when the period began, every one
// signed during it, and the final one, which export signs so that it
// covers every item.
//
// # Verify
//
// Verify checks, without trusting anything in the pack but the key (which
// the assessor should compare with the one the provider gave them, or pass
// with --key): the zip's names and declared sizes before reading any byte
// (path traversal, bombs), SIGNATURE.note over MANIFEST.json, the hashes
// of the derived files, every checkpoint's signature and consistency with
// the previous one (with tlog and, independently, transparency-dev/merkle),
// each RFC 3161 token against the TSA roots, every leaf against its hash
// and every inclusion proof against the final checkpoint (both libraries
// again), that the manifest agrees with the leaves, every blob's SHA-256
// (streamed, on all cores), that no leaf of the period's range is missing,
// that each window marked satisfied has its passing evidence in the pack,
// that every window of the manifest and of index.json is the one the
// schedule computation (evident.Schedule.Evaluate) gives from the pack's
// leaves, that each index.json evidence reference matches its leaf, that
// the boundary leaves lie outside the period, that the pack's log extends
// a previous pack's when one is given (no rollback, no fork),
// that each item counted for a reviewed control is accepted by an act leaf
// binding its digest, control and window, made by a login other than the
// submitter that held the claimed role at that instant (from the login's
// user.* leaves, which the pack carries),
// and that no entry is there that the manifest does not account for. Each
// problem is reported with its kind and the file it concerns.
package pack
