package admin

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// updateRequest is LiteLLM's /key/update body: absent fields are unchanged.
type updateRequest struct {
	Key           string          `json:"key"`
	Models        opt[[]string]   `json:"models"`
	KeyAlias      opt[string]     `json:"key_alias"`
	Duration      opt[string]     `json:"duration"`
	UserID        opt[string]     `json:"user_id"`
	TeamID        opt[string]     `json:"team_id"`
	Metadata      json.RawMessage `json:"metadata"`
	Tags          []string        `json:"tags"`
	AllowedRoutes opt[[]string]   `json:"allowed_routes"`
	Blocked       opt[bool]       `json:"blocked"`
	limitFields
}

func (a *API) updateKey(w http.ResponseWriter, r *http.Request, c caller, req updateRequest) {
	if req.Key == "" {
		a.fail(w, r, badRequest("field \"key\" is required (a key secret or key id)"))
		return
	}
	k, err := a.patchKey(r, c, req.Key, req)
	var v keyView
	if err == nil {
		v, err = a.spendReader(r).keyView(k)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyAnswer{k.ID, v})
}

// patchKey authorizes, validates, stores and records an update of the key ref; both APIs call it.
func (a *API) patchKey(r *http.Request, c caller, ref string, req updateRequest) (store.Key, error) {
	old, err := a.resolve(r, "key", ref)
	if err == nil {
		err = c.authorize(policy.KeyUpdate, keyTarget(old))
	}
	if err == nil {
		err = a.guardOwner(r, c, old.UserID)
	}
	if err != nil {
		return old, err
	}
	k, change, err := a.applyKeyUpdate(r, c, old, req)
	if err == nil {
		err = a.noLoosening(c, old, k)
	}
	if err != nil {
		return old, err
	}
	if err := a.store.UpdateKey(r.Context(), k); err != nil {
		return old, err
	}
	a.forgetKey(old)
	return k, a.record(r, c, "key.update", k.ID, change)
}

// applyKeyUpdate validates an update against the stored key and returns the new key and the change.
func (a *API) applyKeyUpdate(r *http.Request, c caller, k store.Key, req updateRequest) (store.Key, map[string]any, error) {
	change := map[string]any{}
	if req.UserID.has() && req.UserID.V != k.UserID {
		return k, nil, badRequest("field \"user_id\": a key cannot move to another user; generate a new key")
	}
	if req.KeyAlias.Set {
		if err := checkText("key_alias", req.KeyAlias.V); err != nil {
			return k, nil, err
		}
		k.Alias, change["key_alias"] = req.KeyAlias.V, req.KeyAlias.V
	}
	if req.Models.has() {
		if _, err := a.checkModels("models", req.Models.V); err != nil {
			return k, nil, err
		}
		k.Models, change["models"] = req.Models.V, nonNil(req.Models.V)
	}
	if req.AllowedRoutes.Set {
		if err := policy.ValidateEndpoints(req.AllowedRoutes.V); err != nil {
			return k, nil, badRequest("field \"allowed_routes\": %v", err)
		}
		k.Endpoints, change["allowed_routes"] = req.AllowedRoutes.V, nonNil(req.AllowedRoutes.V)
	}
	if req.Duration.Set {
		exp, err := a.expiry(req.Duration)
		if err != nil {
			return k, nil, err
		}
		k.ExpiresAt, change["duration"] = exp, req.Duration.V
	}
	if meta, err := checkMetadata("metadata", req.Metadata); err != nil {
		return k, nil, err
	} else if meta != nil {
		k.Metadata, change["metadata"] = meta, meta
	}
	if len(req.Tags) > 0 {
		meta, err := withTags(k.Metadata, req.Tags)
		if err != nil {
			return k, nil, err
		}
		k.Metadata, change["tags"] = meta, req.Tags
	}
	if req.Blocked.Set {
		k.Blocked, change["blocked"] = req.Blocked.V, req.Blocked.V
	}
	if req.limitFields.any() {
		l, err := req.limitFields.apply(k.Limits)
		if err != nil {
			return k, nil, err
		}
		k.Limits, change["limits"] = l, viewLimits(l)
	}
	if req.TeamID.Set && req.TeamID.V != k.TeamID {
		if err := a.moveTeam(r, c, &k, req.TeamID.V); err != nil {
			return k, nil, err
		}
		change["team_id"] = req.TeamID.V
	}
	if k.TeamID != "" && (req.Models.Set || req.TeamID.Set) {
		t, err := a.team(r, k.TeamID)
		if err != nil {
			return k, nil, err
		}
		if len(k.Models) == 0 {
			k.Models, change["models"] = slices.Clone(t.Models), nonNil(t.Models)
		} else if err := a.withinTeam(k.Models, t); err != nil {
			return k, nil, err
		}
	}
	return k, change, nil
}

// moveTeam checks that the caller may put the key into team id ("" = out of every team).
func (a *API) moveTeam(r *http.Request, c caller, k *store.Key, id string) error {
	if id == "" && !c.admin() {
		return forbidden("field \"team_id\": only an admin may take a key out of its team")
	}
	if err := checkText("team_id", id); err != nil {
		return err
	}
	if id != "" {
		if err := c.authorize(policy.KeyUpdate, policy.Target{OwnerUserID: k.UserID, TeamID: id}); err != nil {
			return err
		}
		if _, err := a.team(r, id); err != nil {
			return err
		}
		if k.UserID != "" && !c.admin() {
			member, err := a.isMember(r, id, k.UserID)
			if err != nil {
				return err
			}
			if !member {
				return forbidden("field \"team_id\": %s is not a member of team %s", k.UserID, id)
			}
		}
	}
	k.TeamID = id
	return nil
}

// regenerateRequest is LiteLLM's /key/regenerate body.
type regenerateRequest struct {
	Key         string      `json:"key"`
	GracePeriod opt[string] `json:"grace_period"`
}

func (a *API) regenerateKey(w http.ResponseWriter, r *http.Request) {
	c, err := callerOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req regenerateRequest
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	ref := req.Key // the body wins over the path, as in LiteLLM
	if ref == "" {
		ref = r.PathValue("key")
	}
	if ref == "" {
		a.fail(w, r, badRequest("field \"key\" is required (a key secret or key id)"))
		return
	}
	secret, k, sp, err := a.regenerate(r, c, ref, req.GracePeriod)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyAnswer{secret, viewKey(k, sp.spendFields)})
}

// regenerate gives the key ref a new secret after checking the grace period and the caller's
// right; it returns the secret, the key as stored and its spend. The spend is read before the
// rotation, so that a failed read cannot lose the new secret. Both APIs call it.
func (a *API) regenerate(r *http.Request, c caller, ref string, gracePeriod opt[string]) (string, store.Key, nativeSpend, error) {
	var grace time.Duration
	if g := strings.TrimSpace(gracePeriod.V); gracePeriod.has() && g != "" {
		var err error
		if grace, err = parseDuration(g); err != nil {
			return "", store.Key{}, nativeSpend{}, badRequest("field \"grace_period\": %v", err)
		}
	}
	k, err := a.resolve(r, "key", ref)
	if err == nil {
		err = c.authorize(policy.KeyRegenerate, keyTarget(k))
	}
	if err == nil {
		err = a.guardOwner(r, c, k.UserID)
	}
	var sp nativeSpend
	if err == nil {
		sp, err = a.spendReader(r).key(k)
	}
	if err != nil {
		return "", k, sp, err
	}
	secret, err := a.rotate(r, c, k, grace)
	if err != nil {
		return "", k, sp, err
	}
	k, err = a.store.KeyByID(r.Context(), k.ID)
	return secret, k, sp, err
}

// rotate gives k a new secret; the old one stays valid for grace (none when zero).
func (a *API) rotate(r *http.Request, c caller, k store.Key, grace time.Duration) (string, error) {
	secret, err := keys.New()
	if err != nil {
		return "", err
	}
	var until time.Time
	if grace > 0 {
		until = a.now().UTC().Add(grace)
	}
	h := a.hasher.Sum(secret)
	if err := a.store.RotateKey(r.Context(), k.ID, h[:], keys.Hint(secret), until); err != nil {
		return "", err
	}
	a.forgetKey(k)
	change := map[string]any{"grace_period": grace.String(), "grace_until": nil}
	if !until.IsZero() {
		change["grace_until"] = until
	}
	return secret, a.record(r, c, "key.regenerate", k.ID, change)
}

func (a *API) deleteKeys(w http.ResponseWriter, r *http.Request, c caller, req keyDeleteRequest) {
	ids, err := a.removeKeys(r, c, "keys", req.Keys)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted_keys": ids})
}

// removeKeys deletes the keys refs (secrets or ids) and records each; one unknown or refused key
// deletes nothing. field names the request field in errors. Both APIs call it.
func (a *API) removeKeys(r *http.Request, c caller, field string, refs []string) ([]string, error) {
	if len(refs) == 0 {
		return nil, badRequest("field %q must list at least one key (secret or key id)", field)
	}
	if len(refs) > store.MaxLimit {
		return nil, badRequest("field %q lists more than %d keys", field, store.MaxLimit)
	}
	found := make([]store.Key, 0, len(refs))
	var missing []string
	for _, ref := range refs {
		k, err := a.resolve(r, field, ref)
		if err == nil {
			err = c.authorize(policy.KeyDelete, keyTarget(k))
		}
		var ae *apiError
		switch {
		case err == nil:
			found = append(found, k)
		case asAPIError(err, &ae) && ae.status == http.StatusNotFound:
			missing = append(missing, redactRef(ref))
		default:
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, notFound("key_not_found", "field %q: no such key: %s; nothing was deleted", field, strings.Join(missing, ", "))
	}
	ids := make([]string, len(found))
	for i, k := range found {
		ids[i] = k.ID
	}
	if _, err := a.store.DeleteKeys(r.Context(), ids); err != nil {
		return nil, err
	}
	for _, k := range found {
		a.forgetKey(k)
		if err := a.record(r, c, "key.delete", k.ID, map[string]any{"user_id": k.UserID, "team_id": k.TeamID}); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// keyDeleteRequest is LiteLLM's /key/delete body.
type keyDeleteRequest struct {
	Keys []string `json:"keys"`
}
