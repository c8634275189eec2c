// Package ledger is Evident's append-only, tamper-evident record of every
// piece of evidence and every change to the program (the audit trail): an
// RFC 6962 Merkle log with signed checkpoints, inclusion and consistency
// proofs, and optional RFC 3161 anchoring.
//
// # Leaves
//
// A leaf is the canonical bytes of one evident.Record (evident.Record.Canonical):
// compact JSON with the fields in this order and nothing else,
//
//	{"v":1,"kind":"evidence","id":"<uuid>","actor":"alice@ops","at":"<RFC 3339, UTC>","body":{...}}
//
// and, for a write made from the command line only, a last field
// "origin":"cli:USER@HOST" (the operating-system account and host it ran
// as, beside the typed actor; omitted otherwise, so older leaves keep
// their bytes), where "at" is the server's receipt time (RFC 3339 with nanoseconds
// trimmed of trailing zeros, always Z) and "body" is the kind's payload.
// For evidence the body fields are, in order: id, kind (raw|derived),
// sha256 (hex of the blob), size, media_type, filename, effective_from,
// effective_to, controls, requirements ("EN319401@3.2.1:REQ-7.8-14"),
// services, systems ("NAME@VERSION"), about, source {tool, version, host,
// command, importer}, performer {name, independent, competence},
// supersedes, derived_from, verdict, detail; empty optional fields are
// omitted. The ledger index is the leaf's position and is not in the leaf.
// An act ("kind":"act": a person's acceptance or rejection of a
// submission, or an approver's approval or rejection of an object) has
// the body fields, in order: id, verb (accept|reject|approve), subject
// ("evidence/<id>", or an approval subject such as "policy/<id>@<version>",
// "acceptance/<id>", docs/approvals.md), sha256 (hex of what was decided
// on), comment, detail (for a review: evidence, control, window_start,
// window_end, systems, submitter, basis, role, checked; for an approval:
// kind, title, claim, role); "actor" is the deciding login.
// Leaves are at most 64 KiB so the log can be mirrored as C2SP tlog-tiles.
// testdata/ holds leaves and their hashes as written by version 1; a test
// fails if this build would write or hash them differently, so a ledger
// written today still verifies after any upgrade.
//
// # Tree and checkpoints
//
// Leaf hash SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right)
// (RFC 6962, golang.org/x/mod/sumdb/tlog). The stored hashes of the tree
// live in the store beside the leaves, written in the same transaction.
// After each batch of appends the ledger signs a checkpoint in the C2SP
// tlog-checkpoint format,
//
//	<origin>\n<tree size>\n<base64 root>\n\n— <key name> <base64 signature>\n
//
// as a signed note (golang.org/x/mod/sumdb/note, Ed25519, the program's
// DATA/ledger.key; the origin is the key name). Every checkpoint is kept.
// A checkpoint that is not consistent with the previous one is never
// signed. Anyone holding DATA/ledger.pub can check a checkpoint and any
// inclusion proof without Evident (see Proof.Text for the c2sp.org/tlog-proof
// format).
//
// # Witnesses
//
// Witness submits the latest checkpoint to C2SP witnesses (package
// witness) and keeps each cosignature, the checkpoint with the witness's
// line appended, in the cosignatures table. CheckWitness checks that every
// tree a witness cosigned is a prefix of the store's: a store restored
// from an older copy still verifies on its own, but not against what a
// witness saw.
//
// # Verify
//
// Verify recomputes every leaf hash and the tree from the leaves, compares
// it with the stored hashes and every saved checkpoint (signature, root,
// consistency), reports leaves no checkpoint covers, replays the leaves
// into the rows they imply (sqlstore.Replay) and compares every projected
// table column by column, and hashes every blob. It goes on after the
// first problem: a missing leaf is named and the tree is rebuilt from the
// leaves that remain. Each problem is reported with the record it
// concerns.
//
// # Signing
//
// Open gives the store the signing key (sqlstore.Store.SetSigner), so every
// write transaction that appends leaves signs the checkpoint covering them
// before it commits: one checkpoint per transaction, which is the group
// commit of a batch.
package ledger
