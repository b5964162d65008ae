package admin

import (
	"encoding/json"
	"net/http"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// keyCreate is the body of POST /admin/v1/keys.
type keyCreate struct {
	UserID    string          `json:"user_id"`
	TeamID    string          `json:"team_id"`
	Alias     string          `json:"alias"`
	Models    []string        `json:"models"`
	Endpoints []string        `json:"endpoints"`
	Metadata  json.RawMessage `json:"metadata"`
	Blocked   bool            `json:"blocked"`
	Duration  *string         `json:"duration"`
	Limits    *limitFields    `json:"limits"`
}

// keyPatch is the body of PATCH /admin/v1/keys/{id}: absent fields are unchanged, null clears.
type keyPatch struct {
	TeamID    opt[string]     `json:"team_id"`
	Alias     opt[string]     `json:"alias"`
	Models    opt[[]string]   `json:"models"`
	Endpoints opt[[]string]   `json:"endpoints"`
	Metadata  json.RawMessage `json:"metadata"`
	Blocked   opt[bool]       `json:"blocked"`
	Duration  opt[string]     `json:"duration"`
	Limits    *limitFields    `json:"limits"`
}

// keyRegenerate is the optional body of POST /admin/v1/keys/{id}/regenerate.
type keyRegenerate struct {
	GracePeriod opt[string] `json:"grace_period"`
}

// limitsOf is the limit fields of an optional limits object.
func limitsOf(l *limitFields) limitFields {
	if l == nil {
		return limitFields{}
	}
	return *l
}

func (a *API) nativeListKeys(w http.ResponseWriter, r *http.Request, c caller) error {
	q := r.URL.Query()
	if err := onlyParams(q, "user_id", "team_id", "limit", "offset"); err != nil {
		return err
	}
	limit, offset, err := window(q)
	if err != nil {
		return err
	}
	f, err := c.keyFilter(q.Get("user_id"), q.Get("team_id"))
	if err != nil {
		return err
	}
	f.Limit, f.Offset = limit, offset
	list, total, err := a.keyPage(r, f)
	if err != nil {
		return err
	}
	out, err := mapErr(list, a.spendReader(r).keyResource)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(out, total, offset))
	return nil
}

func (a *API) nativeCreateKey(w http.ResponseWriter, r *http.Request, c caller) error {
	var req keyCreate
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	plan, err := a.planKey(r, c, generateRequest{Models: req.Models, Duration: req.Duration, KeyAlias: req.Alias,
		UserID: req.UserID, TeamID: req.TeamID, Metadata: req.Metadata, AllowedRoutes: req.Endpoints,
		Blocked: req.Blocked, limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	secret, err := a.createKey(r, c, &plan)
	if err != nil {
		return err
	}
	// A new key has a new id, so no spend yet: nothing to read that could fail after the secret exists.
	writeJSON(w, http.StatusCreated, keyWithSecret{secret, keyResourceOf(plan.key, a.spendReader(r).fresh(plan.key))})
	return nil
}

// keyID is the {id} of a key route. Only public key ids are accepted: a secret does not belong in
// a URL, where proxies and logs keep it.
func keyID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !keys.LooksLikeID(id) {
		return "", notFound("key_not_found", "field \"id\": no such key %s (use the key id, not the secret)", redactRef(id))
	}
	return id, nil
}

func (a *API) nativeGetKey(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := keyID(r)
	if err != nil {
		return err
	}
	k, err := a.resolve(r, "id", id)
	if err == nil {
		err = c.authorize(policy.KeyInfo, keyTarget(k))
	}
	if err != nil {
		return err
	}
	return a.writeKeyResource(w, r, k)
}

func (a *API) nativePatchKey(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := keyID(r)
	if err != nil {
		return err
	}
	var req keyPatch
	if err := decodeNative(w, r, &req); err != nil {
		return err
	}
	k, err := a.patchKey(r, c, id, updateRequest{Key: id, Models: req.Models, KeyAlias: req.Alias,
		Duration: req.Duration, TeamID: req.TeamID, Metadata: req.Metadata, AllowedRoutes: req.Endpoints,
		Blocked: req.Blocked, limitFields: limitsOf(req.Limits)})
	if err != nil {
		return err
	}
	return a.writeKeyResource(w, r, k)
}

// writeKeyResource answers with key k and its current spend.
func (a *API) writeKeyResource(w http.ResponseWriter, r *http.Request, k store.Key) error {
	v, err := a.spendReader(r).keyResource(k)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) nativeDeleteKey(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := keyID(r)
	if err != nil {
		return err
	}
	if _, err := a.removeKeys(r, c, "id", []string{id}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) nativeRegenerateKey(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := keyID(r)
	if err != nil {
		return err
	}
	var req keyRegenerate
	if r.ContentLength != 0 {
		if err := decodeNative(w, r, &req); err != nil {
			return err
		}
	}
	secret, k, sp, err := a.regenerate(r, c, id, req.GracePeriod)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keyWithSecret{secret, keyResourceOf(k, sp)})
	return nil
}
