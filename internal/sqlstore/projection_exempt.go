package sqlstore

import (
	"context"
	"fmt"
	"slices"
)

// Every table and column of the schema is one of three things: projected
// (re-derived from the ledger and compared by verify, see projections),
// exempt (decides nothing about compliance, or is the log itself, checked
// by verify directly), or not yet projected (decides a state but verify
// does not re-derive it yet). TestEveryColumnIsProjectedOrExempt reads the
// live schema on both dialects and fails on a column that is none of them,
// so a new migration must say which its columns are.

// AllColumns stands for every column of a table in the lists below.
const AllColumns = "*"

// exempt lists what verify need not re-derive, with the reason.
var exempt = map[string]map[string]string{
	"ledger_leaves":     {AllColumns: "the log itself: verify recomputes the tree from it"},
	"ledger_hashes":     {AllColumns: "the stored tree: verify compares it with the tree it recomputes"},
	"checkpoints":       {AllColumns: "signed notes: verify checks each signature, root and consistency"},
	"anchors":           {AllColumns: "RFC 3161 tokens: verify checks each token against the TSA roots"},
	"schema_migrations": {AllColumns: "which migrations ran: bookkeeping of the schema"},
	"actors":            {AllColumns: "when each actor first wrote: bookkeeping, the leaves name every actor"},
	"catalog_requirements": {AllColumns: "the standards catalog embedded in the binary, loaded by init and upgrades, " +
		"written by no one's act"},
	"sessions": {AllColumns: "browser sessions: operational; every sign-in and sign-out is a leaf"},
	"leases":   {AllColumns: "scheduler leases: operational"},
	"result_cache": {AllColumns: "results computed from the records (the dashboard's readiness over a " +
		"period), read only while the ledger has the size they were computed at, and checked by verify, " +
		"which computes every row kept at the current size again from the records (web.CheckCachedResults)"},
	"window_facts": {AllColumns: "each control's closed windows as readiness over a period judged them: " +
		"a cache read only while the leaves appended since leave its windows untouched, and checked by " +
		"verify, which judges every row again from the records (readiness.CheckWindowFacts)"},
	"blob_intents": {AllColumns: "bytes of small blobs until their files are written and flushed: operational; " +
		"verify checks every file, or these bytes while there is none, against the digest its evidence leaf carries"},
	"passkey_challenges": {AllColumns: "a passkey ceremony between its two requests: operational, like a session; " +
		"the registration or sign-in it leads to is a leaf"},
	"passkeys": {"sign_count": "operational: the authenticator's counter, kept to refuse a cloned credential",
		"last_used_at": "operational: every passkey sign-in is an auth.login leaf"},
	"form_keys": {AllColumns: "idempotency keys of browser forms: operational; the write a form made is " +
		"a leaf of its own"},
	"notify_prefs": {AllColumns: "which notifications a user wants on which channel: a contact preference, " +
		"decides nothing"},
	"notify_endpoints": {AllColumns: "where an admin sends webhooks: configuration of an outbound channel that " +
		"decides nothing; each addition and re-enabling is a notify.endpoint leaf naming who and which host"},
	"notify_deliveries": {AllColumns: "notification delivery attempts: operational; the events they report " +
		"are computed from the ledger"},
	"notify_attempts": {AllColumns: "notification delivery attempts: operational, the log of each try"},
	"acts": {AllColumns: "review acts: verify compares every row with its act leaf, column by column " +
		"(ledger.verifyActs), and pack verify checks what each acceptance binds"},
	"cosignatures": {AllColumns: "witnesses' statements about our checkpoints, signed with their keys, not ours: " +
		"verify --witness checks each with the witness's key and the store's tree"},
	"users": {
		"display_name":  "a contact detail: decides nothing",
		"email":         "a contact detail: decides nothing",
		"password_hash": "a secret kept out of the log by design; every change of it is a user.password leaf",
		"updated_at":    "bookkeeping: the leaves carry the time of every change",
		"mfa_secret": "a secret kept out of the log by design; it counts only once a user.mfa.enrol leaf " +
			"sets mfa_enrolled_at, and a user.mfa.reset leaf clears it",
		"mfa_last_step": "operational: the last TOTP step accepted, so a code is not accepted twice; " +
			"every sign-in it allowed is an auth.login leaf",
	},
	"mfa_recovery_codes": {"code_hash": "a secret's hash kept out of the log: packs carry the leaves; " +
		"issuing and spending each code are leaves (user.mfa.enrol, user.mfa.recovery)"},
}

// unprojected lists what decides a state but is not yet re-derived from
// the ledger, with what is missing. verify names these tables, so no one
// takes them for checked.
var unprojected = map[string]map[string]string{
	"api_tokens": {"hash": "kept out of the log on purpose: packs carry the leaves, and the hash of a short " +
		"secret is guessable; a keyed hash in the token.create leaf would let verify check it"},
	"import_runs": {AllColumns: "derived from the import's evidence leaves; not recomputed yet"},
	"import_findings": {AllColumns: "an import run's findings in parts (import_runs.findings_parts); " +
		"derived from the import's evidence leaves; not recomputed yet"},
}

// UnprojectedTables returns the tables that decide a state verify does
// not yet re-derive, sorted, so verify can say it did not check them.
func UnprojectedTables() []string {
	var out []string
	for t := range unprojected {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// ColumnStatus says what a column is: "projected", "exempt: why",
// "unprojected: why", or "" for a column no list names.
func ColumnStatus(table, column string) string {
	for _, c := range ProjectedTables()[table] {
		if c == column {
			return "projected"
		}
	}
	for _, l := range []struct {
		name string
		m    map[string]map[string]string
	}{{"exempt", exempt}, {"unprojected", unprojected}} {
		if why, ok := l.m[table][column]; ok {
			return l.name + ": " + why
		}
		if why, ok := l.m[table][AllColumns]; ok {
			return l.name + ": " + why
		}
	}
	return ""
}

// SchemaColumns reads every table and its columns from the live schema.
func (tx *Tx) SchemaColumns(ctx context.Context) (map[string][]string, error) {
	q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`
	if tx.dialect == Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`
	}
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}
