package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// roles are the callers of the authorization table, in its column order.
var roles = []string{"admin", "teamadmin", "member", "solo", "pending", "auditor", "blocked"}

// roleFixture is one caller: its user, its key and throwaway resources of its own to act on.
type roleFixture struct {
	user, key, keyID string
	spareKeyID       string       // a second key of the user's, for delete
	regenKeyID       string       // a third, for regenerate
	spareTeam        string       // a team made for this caller's team.delete
	spareUser        string       // a user made for this caller's user.delete
	leaver           string       // a member of team eng for this caller's member_delete
	newMember        string       // a user in no team, for this caller's member_add
	native           *roleFixture // a second set of spares for the /admin/v1 routes
}

// request is what one route is called with for one caller; {user}, {key_id}, {spare_key},
// {regen_key}, {spare_team}, {spare_user}, {new_member}, {leaver} and {team} are replaced from its
// fixture; the {n_...} ones from its second set of spares, for the native routes.
type request struct {
	method, path, body string
}

// table lists every route with the request it is tried with and, per role in `roles` order,
// A (allowed: 2xx) or D (refused: 403 or 404). Self-service requests act on the caller's own
// resources; team requests act on team "eng", where teamadmin is admin and member a member.
var table = map[string]struct {
	req    request
	expect string
}{
	// model calls and listings                         admin tadm memb solo pend audi blck
	"POST /v1/chat/completions": {request{"POST", "/v1/chat/completions", `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`}, "AAAADDD"},
	"POST /v1/completions":      {request{"POST", "/v1/completions", `{"model":"llama3.1:8b","prompt":"hi"}`}, "AAAADDD"},
	"POST /v1/embeddings":       {request{"POST", "/v1/embeddings", `{"model":"llama3.1:8b","input":"hi"}`}, "AAAADDD"},
	"GET /v1/models":            {request{"GET", "/v1/models", ""}, "AAAAAAD"},
	"GET /v1/models/{model...}": {request{"GET", "/v1/models/llama3.1:8b", ""}, "AAAADDD"},
	"POST /api/chat":            {request{"POST", "/api/chat", `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":false}`}, "AAAADDD"},
	"POST /api/generate":        {request{"POST", "/api/generate", `{"model":"llama3.1:8b","prompt":"hi","stream":false}`}, "AAAADDD"},
	"POST /api/embed":           {request{"POST", "/api/embed", `{"model":"llama3.1:8b","input":"hi"}`}, "AAAADDD"},
	"POST /api/embeddings":      {request{"POST", "/api/embeddings", `{"model":"llama3.1:8b","prompt":"hi"}`}, "AAAADDD"},
	"POST /api/show":            {request{"POST", "/api/show", `{"model":"llama3.1:8b"}`}, "AAAADDD"},
	"GET /api/tags":             {request{"GET", "/api/tags", ""}, "AAAAAAD"},
	"GET /api/ps":               {request{"GET", "/api/ps", ""}, "AAAAAAD"},
	"GET /api/version":          {request{"GET", "/api/version", ""}, "AAAAAAD"},
	"POST /api/pull":            {request{"POST", "/api/pull", `{"model":"llama3.1:8b","stream":false}`}, "ADDDDDD"},
	"POST /api/push":            {request{"POST", "/api/push", `{"model":"llama3.1:8b","stream":false}`}, "ADDDDDD"},
	"POST /api/create":          {request{"POST", "/api/create", `{"model":"mine","from":"llama3.1:8b","stream":false}`}, "ADDDDDD"},
	"POST /api/copy":            {request{"POST", "/api/copy", `{"source":"llama3.1:8b","destination":"copy"}`}, "ADDDDDD"},
	"DELETE /api/delete":        {request{"DELETE", "/api/delete", `{"model":"llama3.1:8b"}`}, "ADDDDDD"},
	"GET /metrics":              {request{"GET", "/metrics", ""}, "ADDDDAD"},
	"GET /admin/v1/review":      {request{"GET", "/admin/v1/review", ""}, "ADDDDAD"},
	"GET /admin/v1/events":      {request{"GET", "/admin/v1/events", ""}, "ADDDDAD"},
	// usage: everyone sees their own; a team's only its admins (and admins, auditors)
	"GET /admin/v1/usage": {request{"GET", "/admin/v1/usage?team_id={team}&group_by=user", ""}, "AAADDAD"},
	"GET /spend/logs":     {request{"GET", "/spend/logs", ""}, "AAAADAD"},
	// keys: self-service on the caller's own keys           admin tadm memb solo pend audi blck
	"POST /key/generate":         {request{"POST", "/key/generate", `{"key_alias":"self"}`}, "AAAADDD"},
	"POST /key/update":           {request{"POST", "/key/update", `{"key":"{key_id}","key_alias":"renamed"}`}, "AAAADDD"},
	"POST /key/delete":           {request{"POST", "/key/delete", `{"keys":["{spare_key}"]}`}, "AAAADDD"},
	"GET /key/info":              {request{"GET", "/key/info?key={key_id}", ""}, "AAAADAD"},
	"GET /key/list":              {request{"GET", "/key/list", ""}, "AAAADAD"},
	"POST /key/regenerate":       {request{"POST", "/key/regenerate", `{"key":"{regen_key}"}`}, "AAAADDD"},
	"POST /key/{key}/regenerate": {request{"POST", "/key/{regen_key}/regenerate", `{}`}, "AAAADDD"},
	// teams: team "eng" and a spare team per caller           admin tadm memb solo pend audi blck
	"POST /team/new":           {request{"POST", "/team/new", `{"team_alias":"new-{user}"}`}, "ADDDDDD"},
	"POST /team/update":        {request{"POST", "/team/update", `{"team_id":"{team}","metadata":{"note":"x"}}`}, "AADDDDD"},
	"POST /team/delete":        {request{"POST", "/team/delete", `{"team_ids":["{spare_team}"]}`}, "ADDDDDD"},
	"GET /team/info":           {request{"GET", "/team/info?team_id={team}", ""}, "AAADDAD"},
	"GET /team/list":           {request{"GET", "/team/list", ""}, "AAADDAD"},
	"POST /team/member_add":    {request{"POST", "/team/member_add", `{"team_id":"{team}","member":{"user_id":"{new_member}","role":"user"}}`}, "AADDDDD"},
	"POST /team/member_delete": {request{"POST", "/team/member_delete", `{"team_id":"{team}","user_id":"{leaver}"}`}, "AADDDDD"},
	// users: the caller itself and a spare user                admin tadm memb solo pend audi blck
	"POST /user/new":    {request{"POST", "/user/new", `{"user_id":"made-by-{user}","auto_create_key":false}`}, "ADDDDDD"},
	"GET /user/info":    {request{"GET", "/user/info?user_id={user}", ""}, "AAAADAD"},
	"POST /user/update": {request{"POST", "/user/update", `{"user_id":"{user}","user_role":"admin"}`}, "ADDDDDD"},
	"POST /user/delete": {request{"POST", "/user/delete", `{"user_ids":["{spare_user}"]}`}, "ADDDDDD"},
	// the native REST API: a second set of spares  admin tadm memb solo pend audi blck
	"GET /admin/v1/keys":                            {request{"GET", "/admin/v1/keys", ""}, "AAAADAD"},
	"POST /admin/v1/keys":                           {request{"POST", "/admin/v1/keys", `{"alias":"self"}`}, "AAAADDD"},
	"GET /admin/v1/keys/{id}":                       {request{"GET", "/admin/v1/keys/{key_id}", ""}, "AAAADAD"},
	"PATCH /admin/v1/keys/{id}":                     {request{"PATCH", "/admin/v1/keys/{key_id}", `{"alias":"x"}`}, "AAAADDD"},
	"DELETE /admin/v1/keys/{id}":                    {request{"DELETE", "/admin/v1/keys/{n_spare_key}", ""}, "AAAADDD"},
	"POST /admin/v1/keys/{id}/regenerate":           {request{"POST", "/admin/v1/keys/{n_regen_key}/regenerate", `{}`}, "AAAADDD"},
	"GET /admin/v1/teams":                           {request{"GET", "/admin/v1/teams", ""}, "AAADDAD"},
	"POST /admin/v1/teams":                          {request{"POST", "/admin/v1/teams", `{"alias":"native-{user}"}`}, "ADDDDDD"},
	"GET /admin/v1/teams/{id}":                      {request{"GET", "/admin/v1/teams/{team}", ""}, "AAADDAD"},
	"PATCH /admin/v1/teams/{id}":                    {request{"PATCH", "/admin/v1/teams/{team}", `{"metadata":{"note":"x"}}`}, "AADDDDD"},
	"DELETE /admin/v1/teams/{id}":                   {request{"DELETE", "/admin/v1/teams/{n_spare_team}", ""}, "ADDDDDD"},
	"GET /admin/v1/teams/{id}/members":              {request{"GET", "/admin/v1/teams/{team}/members", ""}, "AAADDAD"},
	"POST /admin/v1/teams/{id}/members":             {request{"POST", "/admin/v1/teams/{team}/members", `{"user_id":"{n_new_member}"}`}, "AADDDDD"},
	"DELETE /admin/v1/teams/{id}/members/{user_id}": {request{"DELETE", "/admin/v1/teams/{team}/members/{n_leaver}", ""}, "AADDDDD"},
	"GET /admin/v1/users":                           {request{"GET", "/admin/v1/users", ""}, "AADDDAD"},
	"POST /admin/v1/users":                          {request{"POST", "/admin/v1/users", `{"id":"native-by-{user}"}`}, "ADDDDDD"},
	"GET /admin/v1/users/{id}":                      {request{"GET", "/admin/v1/users/{user}", ""}, "AAAADAD"},
	"PATCH /admin/v1/users/{id}":                    {request{"PATCH", "/admin/v1/users/{user}", `{"role":"admin"}`}, "ADDDDDD"},
	"DELETE /admin/v1/users/{id}":                   {request{"DELETE", "/admin/v1/users/{n_spare_user}", ""}, "ADDDDDD"},
	"GET /admin/v1/openapi.json":                    {request{"GET", "/admin/v1/openapi.json", ""}, "AAAAAAD"},
	"GET /user/list":                                {request{"GET", "/user/list", ""}, "AADDDAD"},
}

// notInTable are routes that need no key at all, or that only catch unknown paths.
var notInTable = []string{"GET /healthz", "GET /readyz", "GET /{$}", "/v1/", "/api/", "/"}

func TestEveryRoleAgainstEveryEndpoint(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "")
	w := testkit.Start(t, cfg, nil)

	// The table must list every route the server has.
	for _, route := range w.Server.Routes() {
		if _, ok := table[route]; !ok && !slices.Contains(notInTable, route) {
			t.Errorf("route %q is not in the authorization table", route)
		}
	}
	for route := range table {
		if !slices.Contains(w.Server.Routes(), route) {
			t.Errorf("the table lists %q, which the server does not have", route)
		}
	}

	master := func(path, body string) map[string]any {
		t.Helper()
		status, raw, _ := w.Do(t, http.MethodPost, path, testkit.MasterKey, body)
		if status != 200 {
			t.Fatalf("setup %s %s: %d %s", path, body, status, raw)
		}
		var out map[string]any
		json.Unmarshal(raw, &out)
		return out
	}
	team := master("/team/new", `{"team_alias":"eng","models":["llama3.1:8b","qwen2.5:7b"]}`)["team_id"].(string)
	fx := map[string]*roleFixture{}
	for _, r := range roles {
		f := &roleFixture{user: "u-" + r}
		role := map[string]string{"admin": "proxy_admin", "pending": "internal_user_viewer", "auditor": "proxy_admin_viewer"}[r]
		if role == "" {
			role = "internal_user"
		}
		master("/user/new", `{"user_id":"`+f.user+`","user_role":"`+role+`","auto_create_key":false}`)
		if r == "teamadmin" || r == "member" {
			teamRole := map[string]string{"teamadmin": "admin", "member": "user"}[r]
			master("/team/member_add", `{"team_id":"`+team+`","member":{"user_id":"`+f.user+`","role":"`+teamRole+`"}}`)
		}
		keyBody := `{"user_id":"` + f.user + `"}`
		if r == "teamadmin" || r == "member" {
			keyBody = `{"user_id":"` + f.user + `","team_id":"` + team + `"}`
		}
		k := master("/key/generate", keyBody)
		f.key, f.keyID = k["key"].(string), k["key_id"].(string)
		spares := func(suffix string) *roleFixture {
			g := &roleFixture{}
			g.spareKeyID = master("/key/generate", keyBody)["key_id"].(string)
			g.regenKeyID = master("/key/generate", keyBody)["key_id"].(string)
			g.newMember = "newbie-" + suffix
			master("/user/new", `{"user_id":"`+g.newMember+`","auto_create_key":false}`)
			g.spareTeam = master("/team/new", `{"team_alias":"spare-`+suffix+`"}`)["team_id"].(string)
			g.spareUser = "spare-" + suffix
			master("/user/new", `{"user_id":"`+g.spareUser+`","auto_create_key":false}`)
			g.leaver = "leaver-" + suffix
			master("/user/new", `{"user_id":"`+g.leaver+`","auto_create_key":false}`)
			master("/team/member_add", `{"team_id":"`+team+`","member":{"user_id":"`+g.leaver+`","role":"user"}}`)
			return g
		}
		g := spares(r)
		f.spareKeyID, f.regenKeyID, f.newMember, f.spareTeam, f.spareUser, f.leaver =
			g.spareKeyID, g.regenKeyID, g.newMember, g.spareTeam, g.spareUser, g.leaver
		f.native = spares("native-" + r)
		fx[r] = f
	}
	master("/user/update", `{"user_id":"u-blocked","blocked":true}`)

	for route, row := range table {
		if len(row.expect) != len(roles) {
			t.Fatalf("%s: expectation %q has %d columns, want %d", route, row.expect, len(row.expect), len(roles))
		}
		for i, r := range roles {
			f := fx[r]
			fill := strings.NewReplacer("{user}", f.user, "{key_id}", f.keyID, "{spare_key}", f.spareKeyID,
				"{regen_key}", f.regenKeyID, "{new_member}", f.newMember, "{leaver}", f.leaver,
				"{n_spare_key}", f.native.spareKeyID, "{n_regen_key}", f.native.regenKeyID,
				"{n_spare_team}", f.native.spareTeam, "{n_spare_user}", f.native.spareUser,
				"{n_leaver}", f.native.leaver, "{n_new_member}", f.native.newMember,
				"{spare_team}", f.spareTeam, "{spare_user}", f.spareUser, "{team}", team)
			status, body, _ := w.Do(t, row.req.method, fill.Replace(row.req.path), f.key, fill.Replace(row.req.body))
			allowed := status >= 200 && status < 300
			denied := status == http.StatusForbidden || status == http.StatusNotFound
			switch want := row.expect[i]; {
			case want == 'A' && !allowed:
				t.Errorf("%-28s %-9s: want allowed, got %d %.200s", route, r, status, body)
			case want == 'D' && !denied:
				t.Errorf("%-28s %-9s: want refused (403/404), got %d %.200s", route, r, status, body)
			}
		}
	}
}
