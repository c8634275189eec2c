package sqlstore

import (
	"encoding/json"

	"github.com/evidenthq/evident"
)

// Revocation requests and issuance stops: each is one leaf whose body is
// the whole record as the table stores it.

var revocationRequestsProjection = projection{
	table:   "revocation_requests",
	key:     []string{"id"},
	columns: []string{"service", "serial", "reason", "received_at", "recorded_at", "actor", "body"},
	kinds:   map[string]applyFunc{"revocation.request": applyRevocationRequest},
}

var issuanceStopsProjection = projection{
	table:   "issuance_stops",
	key:     []string{"id"},
	columns: []string{"service", "from_at", "to_at", "recorded_at", "actor", "body"},
	kinds:   map[string]applyFunc{"issuance.stop": applyIssuanceStop},
}

func applyRevocationRequest(r *Replay, l ReplayLeaf) error {
	var q evident.RevocationRequest
	if err := json.Unmarshal(l.Record.Body, &q); err != nil {
		return err
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	r.put("revocation_requests", l.Index, map[string]Value{"id": Text(q.ID), "service": Text(q.Service), "serial": Text(q.Serial),
		"reason": Text(q.Reason), "received_at": Text(TS(q.ReceivedAt)), "recorded_at": Text(TS(q.RecordedAt)), "actor": Text(q.Actor), "body": Text(string(body))})
	return nil
}

func applyIssuanceStop(r *Replay, l ReplayLeaf) error {
	var s evident.IssuanceStop
	if err := json.Unmarshal(l.Record.Body, &s); err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	r.put("issuance_stops", l.Index, map[string]Value{"id": Text(s.ID), "service": Text(s.Service), "from_at": Text(TS(s.From)),
		"to_at": Text(optTS(s.To)), "recorded_at": Text(TS(s.RecordedAt)), "actor": Text(s.Actor), "body": Text(string(body))})
	return nil
}
