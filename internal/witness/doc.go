// Package witness speaks the C2SP witness protocols: it cosigns the
// ledger's checkpoints so that a store rolled back or forked is caught by
// someone who does not hold its data directory.
//
// # Cosignatures (c2sp.org/tlog-cosignature)
//
// A witness key is an Ed25519 key of signed-note type 0x04. Its verifier
// key is "<name>+<key hash>+<base64(0x04 || public key)>", the key hash
// being the first four bytes of SHA-256(name || "\n" || 0x04 || public
// key). A cosignature is a signed-note signature line
//
//	— <name> <base64(key hash || timestamp || signature)>
//
// where timestamp is the signing time in seconds since the Unix epoch, as
// an 8-byte big-endian integer, and signature is the Ed25519 signature of
//
//	cosignature/v1\ntime <timestamp>\n<the checkpoint's note text>
//
// A cosignature says: at that time the witness had seen no checkpoint of
// this log that this one does not extend.
//
// # Submitting (c2sp.org/tlog-witness)
//
// A log submits a checkpoint with POST /add-checkpoint, a body of
//
//	old <size the witness last cosigned>\n
//	<base64 consistency proof hash>\n   (zero to 63 lines)
//	\n
//	<the signed checkpoint>
//
// and gets 200 with the cosignature lines, 409 Conflict with the witness's
// latest size (text/x.tlog.size) when the old size is stale, 422 when the
// proof does not show the checkpoint extends what the witness saw, 404 for
// an unknown origin, 403 when no signature is by the log's key, and 400 for
// a malformed body. The witness keeps, per log, the last checkpoint it
// cosigned, durably and before answering, so it never cosigns two trees
// that fork. GET /checkpoint?origin=O returns that checkpoint with its
// cosignature, for a verifier who does not trust the store to keep it.
package witness
