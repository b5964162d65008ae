package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// generateRequest is LiteLLM's /key/generate body, as far as Warden supports it.
type generateRequest struct {
	Models   []string        `json:"models"`
	Duration *string         `json:"duration"`
	KeyAlias string          `json:"key_alias"`
	UserID   string          `json:"user_id"`
	TeamID   string          `json:"team_id"`
	Metadata json.RawMessage `json:"metadata"`
}

// keyInfo is a key as the API shows it: never the secret.
type keyInfo struct {
	KeyID      string          `json:"key_id"`
	Token      string          `json:"token"`
	KeyName    string          `json:"key_name"`
	KeyAlias   string          `json:"key_alias"`
	UserID     string          `json:"user_id"`
	TeamID     *string         `json:"team_id"`
	Models     []string        `json:"models"`
	Metadata   json.RawMessage `json:"metadata"`
	Expires    *time.Time      `json:"expires"`
	CreatedAt  time.Time       `json:"created_at"`
	LastUsedAt *time.Time      `json:"last_used_at"`
}

func infoOf(k store.Key) keyInfo {
	ki := keyInfo{KeyID: k.ID, Token: k.ID, KeyName: k.Hint, KeyAlias: k.Alias, UserID: k.UserID,
		Models: k.Models, Metadata: k.Metadata, CreatedAt: k.CreatedAt}
	if ki.Models == nil {
		ki.Models = []string{}
	}
	if len(ki.Metadata) == 0 {
		ki.Metadata = json.RawMessage("{}")
	}
	if k.TeamID != "" {
		ki.TeamID = &k.TeamID
	}
	if !k.ExpiresAt.IsZero() {
		ki.Expires = &k.ExpiresAt
	}
	if !k.LastUsedAt.IsZero() {
		ki.LastUsedAt = &k.LastUsedAt
	}
	return ki
}

const maxField = 256

func (a *API) generateKey(w http.ResponseWriter, r *http.Request) {
	var req generateRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	k, err := a.validateGenerate(req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if k.UserID != "" {
		if err := a.ensureUser(r, k.UserID); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	secret, err := keys.New()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if k.ID, err = keys.NewID(); err != nil {
		a.fail(w, r, err)
		return
	}
	h := a.hasher.Sum(secret)
	k.Hash, k.Hint, k.CreatedAt = h[:], keys.Hint(secret), time.Now().UTC()
	if err := a.store.CreateKey(r.Context(), k); err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.Info("admin action", "action", "key.generate", "actor", actor(r), "key_id", k.ID, "user_id", k.UserID, "team_id", k.TeamID)
	out := struct {
		Key string `json:"key"`
		keyInfo
	}{secret, infoOf(k)}
	writeJSON(w, http.StatusOK, out)
}

// validateGenerate checks every field and names the one that is wrong.
func (a *API) validateGenerate(req generateRequest) (store.Key, error) {
	k := store.Key{Alias: req.KeyAlias, UserID: req.UserID, TeamID: req.TeamID}
	for name, v := range map[string]string{"key_alias": req.KeyAlias, "user_id": req.UserID, "team_id": req.TeamID} {
		if len(v) > maxField {
			return k, badRequest("field %q is longer than %d characters", name, maxField)
		}
	}
	for i, m := range req.Models {
		if strings.TrimSpace(m) == "" || len(m) > maxField {
			return k, badRequest("field \"models\"[%d] must be a model name", i)
		}
	}
	k.Models = req.Models
	if req.Duration != nil && *req.Duration != "" {
		d, err := parseDuration(*req.Duration)
		if err != nil {
			return k, badRequest("field \"duration\": %v", err)
		}
		k.ExpiresAt = time.Now().UTC().Add(d)
	}
	if len(req.Metadata) > 0 && string(req.Metadata) != "null" {
		var obj map[string]any
		if json.Unmarshal(req.Metadata, &obj) != nil {
			return k, badRequest("field \"metadata\" must be a JSON object")
		}
		k.Metadata = req.Metadata
	}
	return k, nil
}

// ensureUser creates the key's user with role "user" if it does not exist yet, like LiteLLM.
func (a *API) ensureUser(r *http.Request, id string) error {
	_, err := a.store.GetUser(r.Context(), id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	u := store.User{ID: id, Role: identity.RoleUser, CreatedAt: time.Now().UTC()}
	if strings.Contains(id, "@") {
		u.Email = id
	}
	if err := a.store.CreateUser(r.Context(), u); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// resolve finds a key by its secret or its public id.
func (a *API) resolve(r *http.Request, ref string) (store.Key, error) {
	if keys.LooksLikeID(ref) {
		return a.store.KeyByID(r.Context(), ref)
	}
	if !keys.Plausible(ref) {
		return store.Key{}, store.ErrNotFound
	}
	h := a.hasher.Sum(ref)
	return a.store.KeyByHash(r.Context(), h[:])
}

func (a *API) deleteKeys(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Keys []string `json:"keys"`
	}
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if len(req.Keys) == 0 {
		a.fail(w, r, badRequest("field \"keys\" must list at least one key (secret or key id)"))
		return
	}
	// Resolve every key first: one unknown key deletes nothing.
	var found []store.Key
	var missing []string
	for _, ref := range req.Keys {
		k, err := a.resolve(r, ref)
		switch {
		case errors.Is(err, store.ErrNotFound):
			missing = append(missing, redactRef(ref))
		case err != nil:
			a.fail(w, r, err)
			return
		default:
			found = append(found, k)
		}
	}
	if len(missing) > 0 {
		a.fail(w, r, &apiError{http.StatusNotFound, "key_not_found",
			fmt.Sprintf("no such key: %s; nothing was deleted", strings.Join(missing, ", "))})
		return
	}
	ids := make([]string, len(found))
	for i, k := range found {
		ids[i] = k.ID
	}
	if _, err := a.store.DeleteKeys(r.Context(), ids); err != nil {
		a.fail(w, r, err)
		return
	}
	for _, k := range found {
		a.auth.Forget(k.Hash)
	}
	a.log.Info("admin action", "action", "key.delete", "actor", actor(r), "key_ids", ids)
	writeJSON(w, http.StatusOK, map[string]any{"deleted_keys": ids})
}

// redactRef shows a reference in an error without echoing a secret.
func redactRef(ref string) string {
	if keys.LooksLikeID(ref) {
		return strconv.Quote(ref)
	}
	return strconv.Quote(keys.Hint(ref))
}

func (a *API) keyInfo(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("key")
	if ref == "" {
		a.fail(w, r, badRequest("query parameter \"key\" is required (a key secret or key id)"))
		return
	}
	k, err := a.resolve(r, ref)
	if errors.Is(err, store.ErrNotFound) {
		a.fail(w, r, &apiError{http.StatusNotFound, "key_not_found", "no such key"})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": k.ID, "info": infoOf(k)})
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := intParam(q.Get("page"), 1, 1, 1_000_000)
	if err != nil {
		a.fail(w, r, badRequest("query parameter \"page\": %v", err))
		return
	}
	size, err := intParam(q.Get("size"), 100, 1, 1000)
	if err != nil {
		a.fail(w, r, badRequest("query parameter \"size\": %v", err))
		return
	}
	list, err := a.store.ListKeys(r.Context(), store.KeyFilter{UserID: q.Get("user_id"), TeamID: q.Get("team_id"),
		Limit: size, Offset: (page - 1) * size})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	full := q.Get("return_full_object") == "true"
	out := make([]any, 0, len(list))
	for _, k := range list {
		if full {
			out = append(out, infoOf(k))
		} else {
			out = append(out, k.ID)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out, "current_page": page, "page_size": size})
}

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
