package admin_test

import (
	"strings"
	"testing"
)

// Every refusal of the native API has the native error shape, the right status and names the
// field at fault in its native spelling (param and message).
func TestNativeErrorsNameTheField(t *testing.T) {
	w := start(t)
	eng, _ := call(t, w, "POST", "/admin/v1/teams", master, `{"alias":"eng","models":["llama3.1-8b"]}`, 201)
	team := eng.str("id")
	bob := newUser(t, w, "bob", "user", map[string]string{team: "member"})
	key, _ := call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"bob","team_id":"`+team+`"}`, 201)
	keyPath := "/admin/v1/keys/" + key.str("id")

	cases := []struct {
		name, caller, method, path, body string
		status                           int
		param                            string
	}{
		{"unknown field", master, "POST", "/admin/v1/keys", `{"bogus":1}`, 400, "bogus"},
		{"LiteLLM name on the native API", master, "POST", "/admin/v1/keys", `{"key_alias":"x"}`, 400, "key_alias"},
		{"LiteLLM empty default is not tolerated", master, "POST", "/admin/v1/keys", `{"aliases":null}`, 400, "aliases"},
		{"unknown model", master, "POST", "/admin/v1/keys", `{"models":["gpt-17"]}`, 400, "models"},
		{"model outside the team", master, "POST", "/admin/v1/keys", `{"user_id":"bob","team_id":"` + team + `","models":["llama3.2-3b"]}`, 403, "models"},
		{"malformed duration", master, "POST", "/admin/v1/keys", `{"duration":"30x"}`, 400, "duration"},
		{"negative budget", master, "POST", "/admin/v1/keys", `{"limits":{"max_budget":-1}}`, 400, "limits.max_budget"},
		{"wrong type in limits", master, "POST", "/admin/v1/keys", `{"limits":{"rpm_limit":"many"}}`, 400, "limits.rpm_limit"},
		{"too long alias", master, "POST", "/admin/v1/keys", `{"alias":"` + strings.Repeat("a", 300) + `"}`, 400, "alias"},
		{"bad endpoint", master, "POST", "/admin/v1/keys", `{"endpoints":["nowhere"]}`, 400, "endpoints"},
		{"unknown team", master, "POST", "/admin/v1/keys", `{"team_id":"team_nope"}`, 404, "team_id"},
		{"not JSON", master, "POST", "/admin/v1/keys", `[`, 400, ""},
		{"unknown key", master, "GET", "/admin/v1/keys/key_000000000000", ``, 404, "id"},
		{"secret in the path", master, "GET", "/admin/v1/keys/sk-wd-notreallyasecretatall0000", ``, 404, "id"},
		{"bad grace period", master, "POST", keyPath + "/regenerate", `{"grace_period":"soon"}`, 400, "grace_period"},
		{"owner loosens a limit", bob, "PATCH", keyPath, `{"limits":{"rpm_limit":null}}`, 200, ""},
		{"duplicate team alias", master, "POST", "/admin/v1/teams", `{"alias":"ENG"}`, 409, "alias"},
		{"malformed budget period", master, "PATCH", "/admin/v1/teams/" + team, `{"limits":{"budget_duration":"30x"}}`, 400, "limits.budget_duration"},
		{"unknown team id", master, "PATCH", "/admin/v1/teams/team_nope", `{"alias":"x"}`, 404, "id"},
		{"bad member role", master, "POST", "/admin/v1/teams/" + team + "/members", `{"user_id":"x","role":"owner"}`, 400, "role"},
		{"member already in the team", master, "POST", "/admin/v1/teams/" + team + "/members", `{"user_id":"bob"}`, 409, "user_id"},
		{"not a member", master, "DELETE", "/admin/v1/teams/" + team + "/members/nobody", ``, 404, "user_id"},
		{"unknown role", master, "POST", "/admin/v1/users", `{"id":"x","role":"boss"}`, 400, "role"},
		{"duplicate user", master, "POST", "/admin/v1/users", `{"id":"bob"}`, 409, "id"},
		{"unknown user", master, "PATCH", "/admin/v1/users/nobody", `{"name":"x"}`, 404, "id"},
		{"non-admin grants itself admin", bob, "PATCH", "/admin/v1/users/bob", `{"role":"admin"}`, 403, ""},
		{"unknown query parameter", master, "GET", "/admin/v1/keys?page=2", ``, 400, "page"},
		{"limit out of range", master, "GET", "/admin/v1/users?limit=0", ``, 400, "limit"},
		{"negative offset", master, "GET", "/admin/v1/teams?offset=-1", ``, 400, "offset"},
		{"mixed event paging", master, "GET", "/admin/v1/events?limit=5&page=2", ``, 400, "page"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			status, _, raw := do(t, w, c.method, c.path, c.caller, body)
			if c.name == "owner loosens a limit" { // setup for the next case: the admin set a limit
				do(t, w, "PATCH", keyPath, master, `{"limits":{"rpm_limit":5}}`)
				status, _, raw = do(t, w, c.method, c.path, c.caller, body)
				c.status, c.param = 403, "limits.rpm_limit"
			}
			if status != c.status {
				t.Fatalf("got %d %s; want %d", status, raw, c.status)
			}
			e := errorOf(t, raw)
			if c.param != "" && (e.Error.Param == nil || *e.Error.Param != c.param || !strings.Contains(e.Error.Message, `"`+c.param+`"`) &&
				!strings.HasPrefix(e.Error.Message, c.param+":")) {
				t.Fatalf("want the field %q named in param and message: %s", c.param, raw)
			}
			if strings.Contains(raw, "sk-wd-notreally") {
				t.Fatalf("an error echoes a secret: %s", raw)
			}
		})
	}
}
