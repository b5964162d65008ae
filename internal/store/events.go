package store

import (
	"encoding/json"
	"time"
)

// Event is one recorded admin action. It never holds a secret: Change says what changed, not the key.
type Event struct {
	ID     int64           // assigned by AppendEvent
	Time   time.Time       // set to now by AppendEvent when zero
	Actor  string          // who acted, e.g. a user id or "master-key"; required
	Action string          // what was done, e.g. "key.create", "team.member_add"; required
	Target string          // what it was done to, e.g. a key or team id; may be empty
	Change json.RawMessage // a JSON object, stored and returned compacted; nil/empty = {}
}

// EventFilter selects events for ListEvents and CountEvents. Empty fields match everything.
type EventFilter struct {
	Actor, Action, Target string
	Since, Until          time.Time // Since <= Time < Until; zero = unbounded
	Limit, Offset         int       // Limit 0 = DefaultLimit, capped at MaxLimit; ignored by CountEvents
}

// normEvent validates e and returns it with its time and change in stored form.
func normEvent(e Event, now time.Time) (Event, error) {
	if e.Actor == "" {
		return e, invalid("event actor is empty")
	}
	if e.Action == "" {
		return e, invalid("event action is empty")
	}
	for _, f := range []struct{ name, v string }{{"event actor", e.Actor}, {"event action", e.Action}, {"event target", e.Target}} {
		if err := checkText(f.name, f.v); err != nil {
			return e, err
		}
	}
	change, err := normJSONObject("event change", e.Change)
	if err != nil {
		return e, err
	}
	e.Change = change
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = normTime(e.Time)
	return e, nil
}
