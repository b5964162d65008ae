package admin

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/policy"
	"github.com/warden-gw/warden/internal/store"
)

// nativeEndpoints are the routes of the native REST API under /admin/v1 (events are listed with
// the LiteLLM-compatible routes, which they predate).
func (a *API) nativeEndpoints() []endpoint {
	return []endpoint{
		{"GET", "/admin/v1/keys", policy.KeyList, a.native(keyNames, a.nativeListKeys)},
		{"POST", "/admin/v1/keys", policy.KeyGenerate, a.native(keyNames, a.nativeCreateKey)},
		{"GET", "/admin/v1/keys/{id}", policy.KeyInfo, a.native(keyNames, a.nativeGetKey)},
		{"PATCH", "/admin/v1/keys/{id}", policy.KeyUpdate, a.native(keyNames, a.nativePatchKey)},
		{"DELETE", "/admin/v1/keys/{id}", policy.KeyDelete, a.native(keyNames, a.nativeDeleteKey)},
		{"POST", "/admin/v1/keys/{id}/regenerate", policy.KeyRegenerate, a.native(keyNames, a.nativeRegenerateKey)},
		{"GET", "/admin/v1/teams", policy.TeamList, a.native(teamNames, a.nativeListTeams)},
		{"POST", "/admin/v1/teams", policy.TeamNew, a.native(teamNames, a.nativeCreateTeam)},
		{"GET", "/admin/v1/teams/{id}", policy.TeamInfo, a.native(teamNames, a.nativeGetTeam)},
		{"PATCH", "/admin/v1/teams/{id}", policy.TeamUpdate, a.native(teamNames, a.nativePatchTeam)},
		{"DELETE", "/admin/v1/teams/{id}", policy.TeamDelete, a.native(teamNames, a.nativeDeleteTeam)},
		{"GET", "/admin/v1/teams/{id}/members", policy.TeamInfo, a.native(memberNames, a.nativeListMembers)},
		{"POST", "/admin/v1/teams/{id}/members", policy.TeamMemberAdd, a.native(memberNames, a.nativeAddMember)},
		{"DELETE", "/admin/v1/teams/{id}/members/{user_id}", policy.TeamMemberDelete, a.native(memberNames, a.nativeRemoveMember)},
		{"GET", "/admin/v1/users", policy.UserList, a.native(userNames, a.nativeListUsers)},
		{"POST", "/admin/v1/users", policy.UserNew, a.native(userNames, a.nativeCreateUser)},
		{"GET", "/admin/v1/users/{id}", policy.UserInfo, a.native(userNames, a.nativeGetUser)},
		{"PATCH", "/admin/v1/users/{id}", policy.UserUpdate, a.native(userNames, a.nativePatchUser)},
		{"DELETE", "/admin/v1/users/{id}", policy.UserDelete, a.native(userNames, a.nativeDeleteUser)},
		{"GET", "/admin/v1/usage", policy.UsageRead, a.native(nil, a.nativeUsage)},
		// The document describes the API to any authenticated caller: no action to authorize.
		{"GET", "/admin/v1/openapi.json", "", a.serveOpenAPI},
	}
}

// nativeHandler serves one native route for an authenticated caller. It writes the answer itself
// and returns an error only before writing anything.
type nativeHandler func(w http.ResponseWriter, r *http.Request, c caller) error

// native wraps h: it finds the caller and answers an error in the native shape, with the field
// names of the native API (names maps the shared validation's names to them).
func (a *API) native(names fieldNames, h nativeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := callerOf(r)
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			a.failNative(w, r, err, names)
		}
	}
}

// nativeError is the native API's error body: {"error":{"message","type","code","param"}}.
type nativeError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    string  `json:"code"`
		Param   *string `json:"param"`
	} `json:"error"`
}

func (a *API) failNative(w http.ResponseWriter, r *http.Request, err error, names fieldNames) {
	if errors.As(err, new(nativeNamed)) {
		names = nil
	}
	ae := a.classify(r, err)
	var body nativeError
	body.Error.Message, body.Error.Param = names.rename(ae.msg)
	body.Error.Type, body.Error.Code = openai.ErrorType(ae.status), ae.code
	w.Header().Set("X-Content-Type-Options", "nosniff")
	writeJSON(w, ae.status, body)
}

// fieldNames maps a field name of the shared (LiteLLM-named) validation to the native API's name.
type fieldNames map[string]string

// Limit fields sit in the native API's "limits" object.
var limitNames = fieldNames{"max_budget": "limits.max_budget", "budget_duration": "limits.budget_duration",
	"rpm_limit": "limits.rpm_limit", "tpm_limit": "limits.tpm_limit",
	"max_parallel_requests": "limits.max_parallel_requests", "max_tokens_budget": "limits.max_tokens_budget"}

var (
	keyNames    = limitNames.with(fieldNames{"key_alias": "alias", "allowed_routes": "endpoints", "key": "id", "keys": "id"})
	teamNames   = limitNames.with(fieldNames{"team_id": "id", "team_ids": "id", "team_alias": "alias", "members_with_roles": "members", "user_email": "email"})
	memberNames = fieldNames{"team_id": "id", "member": "user_id", "member[0].role": "role", "member[0].user_id": "user_id",
		"member[0].user_email": "email", "member[0]": "user_id", "member.role": "role"}
	userNames = limitNames.with(fieldNames{"user_id": "id", "user_ids": "id", "user_email": "email", "user_alias": "name", "user_role": "role"})
)

func (n fieldNames) with(more fieldNames) fieldNames {
	out := fieldNames{}
	for k, v := range n {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// fieldRef finds the field names in an error message: quoted after "field", "parameter", "and" or
// "or", or bare at the start ("user_role: only an admin may ...").
var fieldRef = regexp.MustCompile(`(^|fields? |parameter |and |\(or |or )"([^"]+)"|^([a-z_][a-z0-9_.\[\]]*):`)

// rename rewrites the field names in msg to the native ones and returns the first as the param.
func (n fieldNames) rename(msg string) (string, *string) {
	var param *string
	out := fieldRef.ReplaceAllStringFunc(msg, func(m string) string {
		sub := fieldRef.FindStringSubmatch(m)
		if sub[3] != "" && slices.Contains(policy.Actions(), sub[3]) {
			return m // "key.update: ..." names an action, not a field
		}
		name := n.name(sub[2] + sub[3])
		if param == nil {
			param = &name
		}
		if sub[3] != "" {
			return name + ":"
		}
		return sub[1] + `"` + name + `"`
	})
	return out, param
}

// name renames one field path: the whole path, else each of its segments.
func (n fieldNames) name(path string) string {
	if v, ok := n[path]; ok {
		return v
	}
	segs := strings.Split(path, ".")
	for i, s := range segs {
		base, idx, _ := strings.Cut(s, "[")
		if i > 0 && segs[i-1] == "limits" {
			continue
		}
		if v, ok := n[base]; ok {
			if idx != "" {
				idx = "[" + idx
			}
			segs[i] = v + idx
		}
	}
	return strings.Join(segs, ".")
}

// window reads the pagination parameters limit (1 to store.MaxLimit, default 100) and offset.
func window(q url.Values) (limit, offset int, err error) {
	if limit, err = intParam(q.Get("limit"), store.DefaultLimit, 1, store.MaxLimit); err != nil {
		return 0, 0, badRequest("query parameter \"limit\": %v", err)
	}
	if offset, err = intParam(q.Get("offset"), 0, 0, 1_000_000_000); err != nil {
		return 0, 0, badRequest("query parameter \"offset\": %v", err)
	}
	return limit, offset, nil
}

// page is one page of a native listing; NextOffset is null on the last page.
type page[T any] struct {
	Items      []T  `json:"items"`
	Total      int  `json:"total"`
	NextOffset *int `json:"next_offset"`
}

func newPage[T any](items []T, total, offset int) page[T] {
	p := page[T]{Items: items, Total: total}
	if items == nil {
		p.Items = []T{}
	}
	if next := offset + len(items); len(items) > 0 && next < total {
		p.NextOffset = &next
	}
	return p
}

// mapAll applies f to each element of in.
func mapAll[S, T any](in []S, f func(S) T) []T {
	out := make([]T, 0, len(in))
	for _, s := range in {
		out = append(out, f(s))
	}
	return out
}
