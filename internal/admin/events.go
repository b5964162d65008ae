package admin

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// eventView is a recorded admin action as GET /admin/v1/events shows it.
type eventView struct {
	ID     int64           `json:"id"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Change json.RawMessage `json:"change"`
}

// listEvents answers GET /admin/v1/events: filters actor, action, target, since and until
// (RFC 3339); pagination page and page_size; newest first.
func (a *API) listEvents(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := c.authorize(policy.EventsList, policy.Target{}); err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if err := onlyParams(q, "actor", "action", "target", "since", "until", "page", "page_size"); err != nil {
		a.fail(w, r, err)
		return
	}
	page, size, err := paging(q, "page_size", 100)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f := store.EventFilter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"),
		Limit: size, Offset: (page - 1) * size}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339, v); err != nil {
				a.fail(w, r, badRequest("query parameter %q must be a time like 2026-01-31T00:00:00Z", p.name))
				return
			}
		}
	}
	list, err := a.store.ListEvents(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	total, err := a.store.CountEvents(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]eventView, 0, len(list))
	for _, e := range list {
		out = append(out, eventView{ID: e.ID, Time: e.Time, Actor: e.Actor, Action: e.Action, Target: e.Target, Change: object(e.Change)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out, "total": total, "page": page, "page_size": size,
		"total_pages": pages(total, size)})
}
