package admin

import (
	"encoding/json"
	"net/http"
	"net/url"
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
// (RFC 3339); pagination limit and offset like the other native listings (or page and page_size);
// newest first. The answer holds the page twice, as items and as events (the older name).
func (a *API) listEvents(w http.ResponseWriter, r *http.Request, c caller) error {
	if err := c.authorize(policy.EventsList, policy.Target{}); err != nil {
		return err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "actor", "action", "target", "since", "until", "page", "page_size", "limit", "offset"); err != nil {
		return err
	}
	page, size, offset, err := eventWindow(q)
	if err != nil {
		return err
	}
	f := store.EventFilter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"),
		Limit: size, Offset: offset}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339, v); err != nil {
				return badRequest("query parameter %q must be a time like 2026-01-31T00:00:00Z", p.name)
			}
		}
	}
	list, err := a.store.ListEvents(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := a.store.CountEvents(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]eventView, 0, len(list))
	for _, e := range list {
		out = append(out, eventView{ID: e.ID, Time: e.Time, Actor: e.Actor, Action: e.Action, Target: e.Target, Change: object(e.Change)})
	}
	p := newPage(out, total, offset)
	writeJSON(w, http.StatusOK, eventPage{page: p, Events: p.Items, Page: page, PageSize: size, TotalPages: pages(total, size)})
	return nil
}

// eventPage is the answer of GET /admin/v1/events: a native page, and the same events under the
// older names.
type eventPage struct {
	page[eventView]
	Events     []eventView `json:"events"`
	Page       int         `json:"page"`
	PageSize   int         `json:"page_size"`
	TotalPages int         `json:"total_pages"`
}

// eventWindow reads the native pagination (limit, offset) or the older page and page_size, not both.
func eventWindow(q url.Values) (page, size, offset int, err error) {
	if q.Has("limit") || q.Has("offset") {
		if q.Has("page") || q.Has("page_size") {
			return 0, 0, 0, badRequest("query parameter \"page\": use limit and offset, or page and page_size, not both")
		}
		size, offset, err = window(q)
		return offset/size + 1, size, offset, err
	}
	page, size, err = paging(q, "page_size", store.DefaultLimit)
	return page, size, (page - 1) * size, err
}
