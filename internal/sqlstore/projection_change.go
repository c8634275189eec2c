package sqlstore

import (
	"encoding/json"

	"github.com/evidenthq/evident"
)

// Changes with the tasks they opened, and documented exceptions: each is
// one leaf whose body holds the whole object as the table stores it.

var changesProjection = projection{
	table:   "changes",
	key:     []string{"id"},
	columns: []string{"system", "service", "supplier", "version", "significant", "at", "recorded_at", "actor", "body"},
	kinds:   map[string]applyFunc{"change.add": applyChange},
}

var changeTasksProjection = projection{
	table:   "change_tasks",
	key:     []string{"id"},
	columns: []string{"change_id", "kind", "requirement", "title", "due", "opened_at", "opens_at"},
	kinds:   nil, // written by applyChange
}

var exceptionsProjection = projection{
	table:   "exceptions",
	key:     []string{"id"},
	columns: []string{"control_id", "valid_from", "expires", "recorded_at", "actor", "body"},
	kinds:   map[string]applyFunc{"exception.add": applyException},
}

func applyChange(r *Replay, l ReplayLeaf) error {
	var b struct {
		Change evident.Change       `json:"change"`
		Tasks  []evident.ChangeTask `json:"tasks"`
	}
	if err := json.Unmarshal(l.Record.Body, &b); err != nil {
		return err
	}
	c := b.Change
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	r.put("changes", l.Index, map[string]Value{"id": Text(c.ID), "system": Text(c.System), "service": Text(c.Service),
		"supplier": Text(c.Supplier), "version": Text(c.Version), "significant": Int(int64(boolInt(c.Significant))),
		"at": Text(TS(c.At)), "recorded_at": Text(TS(c.RecordedAt)), "actor": Text(c.Actor), "body": Text(string(body))})
	for _, t := range b.Tasks {
		r.put("change_tasks", l.Index, map[string]Value{"id": Text(t.ID), "change_id": Text(t.Change), "kind": Text(t.Kind),
			"requirement": Text(t.Requirement.String()), "title": Text(t.Title), "due": Text(TS(t.Due)),
			"opened_at": Text(TS(t.OpenedAt)), "opens_at": Text(TS(t.After))})
	}
	return nil
}

func applyException(r *Replay, l ReplayLeaf) error {
	var e evident.Exception
	if err := json.Unmarshal(l.Record.Body, &e); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	r.put("exceptions", l.Index, map[string]Value{"id": Text(e.ID), "control_id": Text(e.Control), "valid_from": Text(TS(e.From)),
		"expires": Text(TS(e.Expires)), "recorded_at": Text(TS(e.RecordedAt)), "actor": Text(e.Actor), "body": Text(string(body))})
	return nil
}
