package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

func (a *API) keyInfo(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := onlyParams(r.URL.Query(), "key"); err != nil {
		a.fail(w, r, err)
		return
	}
	ref := r.URL.Query().Get("key")
	if ref == "" {
		ref = c.p.KeyID
	}
	if ref == "" {
		a.fail(w, r, badRequest("query parameter \"key\" is required (a key secret or key id)"))
		return
	}
	k, err := a.resolve(r, "key", ref)
	if err == nil {
		err = c.authorize(policy.KeyInfo, keyTarget(k))
	}
	var info keyView
	if err == nil {
		info, err = a.spendReader(r).keyView(k)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": k.ID, "info": info})
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if err := onlyParams(q, "page", "size", "user_id", "team_id", "return_full_object"); err != nil {
		a.fail(w, r, err)
		return
	}
	page, size, err := paging(q, "size", 100)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f, err := c.keyFilter(q.Get("user_id"), q.Get("team_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	f.Limit, f.Offset = size, (page-1)*size
	list, total, err := a.keyPage(r, f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	sr := a.spendReader(r)
	full := q.Get("return_full_object") == "true"
	out := make([]any, 0, len(list))
	for _, k := range list {
		if !full {
			out = append(out, k.ID)
			continue
		}
		v, err := sr.keyView(k)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out, "total_count": total, "current_page": page,
		"page_size": size, "total_pages": pages(total, size)})
}

// keyFilter scopes a key listing to what the caller may see: a caller who may not see every key
// sees their own, or their team's as its admin. A filter the caller may not use is refused.
func (c caller) keyFilter(userID, teamID string) (store.KeyFilter, error) {
	f := store.KeyFilter{UserID: userID, TeamID: teamID}
	if f.UserID == "" && !c.may(policy.KeyList, policy.Target{TeamID: f.TeamID}) {
		f.UserID = c.actor.UserID
	}
	return f, c.authorize(policy.KeyList, policy.Target{OwnerUserID: f.UserID, TeamID: f.TeamID})
}

// keyPage lists one page of keys and counts all that match f.
func (a *API) keyPage(r *http.Request, f store.KeyFilter) ([]store.Key, int, error) {
	list, err := a.store.ListKeys(r.Context(), f)
	if err != nil {
		return nil, 0, err
	}
	total, err := a.store.CountKeys(r.Context(), f)
	return list, total, err
}

// onlyParams refuses a query parameter Warden does not support, by name.
func onlyParams(q url.Values, allowed ...string) error {
	for name := range q {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return badRequest("query parameter %q is not supported by Warden", name)
		}
	}
	return nil
}

// paging reads page (from 1) and a page size parameter.
func paging(q url.Values, sizeName string, def int) (page, size int, err error) {
	if page, err = intParam(q.Get("page"), 1, 1, 1_000_000); err != nil {
		return 0, 0, badRequest("query parameter \"page\": %v", err)
	}
	if size, err = intParam(q.Get(sizeName), def, 1, store.MaxLimit); err != nil {
		return 0, 0, badRequest("query parameter %q: %v", sizeName, err)
	}
	return page, size, nil
}

func pages(total, size int) int { return (total + size - 1) / size }

func intParam(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}
