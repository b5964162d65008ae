package admin_test

import (
	"strings"
	"testing"
)

func TestBadInputIsRefusedNamingTheField(t *testing.T) {
	w := start(t)
	eng := newTeam(t, w, "eng", "llama3.1-8b")
	user := newUser(t, w, "bob", "user", map[string]string{eng: "member"})
	_, keyID := w.NewKey(t, map[string]any{"user_id": "carol"})
	cases := []struct {
		name, method, path, key string
		body                    string
		status                  int
		field                   string
	}{
		{"unknown model in a team allowlist", "POST", "/team/new", master, `{"team_alias":"x","models":["llama9"]}`, 400, `models`},
		{"unknown model in a key allowlist", "POST", "/key/generate", master, `{"models":["llama3.1-8b","gpt-9"]}`, 400, `gpt-9`},
		{"unknown model group", "POST", "/team/new", master, `{"team_alias":"x","models":["@large"]}`, 400, `models`},
		{"duplicate team alias", "POST", "/team/new", master, `{"team_alias":"ENG"}`, 409, `team_alias`},
		{"duplicate team id", "POST", "/team/new", master, `{"team_id":"` + eng + `"}`, 409, `team_id`},
		{"unknown team id on a key", "POST", "/key/generate", master, `{"team_id":"team_nope"}`, 404, `team_id`},
		{"unknown team on member_add", "POST", "/team/member_add", master, `{"team_id":"team_nope","member":{"role":"user","user_id":"bob"}}`, 404, `team_id`},
		{"unknown team on update", "POST", "/team/update", master, `{"team_id":"team_nope","team_alias":"y"}`, 404, `team_id`},
		{"unknown team on delete", "POST", "/team/delete", master, `{"team_ids":["team_nope"]}`, 404, `team_ids`},
		{"unknown team info", "GET", "/team/info?team_id=team_nope", master, ``, 404, `team_id`},
		{"not a member", "POST", "/team/member_delete", master, `{"team_id":"` + eng + `","user_id":"nobody"}`, 404, `user_id`},
		{"already a member", "POST", "/team/member_add", master, `{"team_id":"` + eng + `","member":[{"role":"user","user_id":"bob"}]}`, 400, `member`},
		{"unknown user on update", "POST", "/user/update", master, `{"user_id":"nobody","user_alias":"x"}`, 404, `user_id`},
		{"unknown user info", "GET", "/user/info?user_id=nobody", master, ``, 404, `user_id`},
		{"unknown user on delete", "POST", "/user/delete", master, `{"user_ids":["bob","nobody"]}`, 404, `user_ids`},
		{"unknown key on update", "POST", "/key/update", master, `{"key":"key_000000000000","models":[]}`, 404, `key`},
		{"unknown key on regenerate", "POST", "/key/key_000000000000/regenerate", master, ``, 404, `key`},
		{"malformed key duration", "POST", "/key/generate", master, `{"duration":"30x"}`, 400, `duration`},
		{"malformed budget duration", "POST", "/team/new", master, `{"team_alias":"x","budget_duration":"30x"}`, 400, `budget_duration`},
		{"malformed budget duration on a key", "POST", "/key/generate", master, `{"budget_duration":"30x"}`, 400, `budget_duration`},
		{"malformed grace period", "POST", "/key/regenerate", master, `{"key":"` + keyID + `","grace_period":"30x"}`, 400, `grace_period`},
		{"negative team budget", "POST", "/team/new", master, `{"team_alias":"x","max_budget":-1}`, 400, `max_budget`},
		{"negative key budget", "POST", "/key/generate", master, `{"max_budget":-0.5}`, 400, `max_budget`},
		{"negative rpm", "POST", "/key/generate", master, `{"rpm_limit":-5}`, 400, `rpm_limit`},
		{"negative tpm on update", "POST", "/key/update", master, `{"key":"` + keyID + `","tpm_limit":-1}`, 400, `tpm_limit`},
		{"negative parallel", "POST", "/team/update", master, `{"team_id":"` + eng + `","max_parallel_requests":-1}`, 400, `max_parallel_requests`},
		{"unknown role", "POST", "/user/new", master, `{"user_id":"x","user_role":"org_admin"}`, 400, `user_role`},
		{"unknown member role", "POST", "/team/member_add", master, `{"team_id":"` + eng + `","member":{"role":"internal_user","user_id":"x"}}`, 400, `member[0].role`},
		{"duplicate user id", "POST", "/user/new", master, `{"user_id":"bob"}`, 409, `user_id`},
		{"non-admin grants itself admin", "POST", "/user/update", user, `{"user_id":"bob","user_role":"proxy_admin"}`, 403, `user_role`},
		{"non-admin creates an admin", "POST", "/user/new", user, `{"user_id":"eve","user_role":"admin"}`, 403, `user_role`},
		{"key model outside the team", "POST", "/key/generate", master, `{"team_id":"` + eng + `","models":["llama3.2-3b"]}`, 403, `models`},
		{"unsupported LiteLLM field", "POST", "/team/new", master, `{"team_alias":"x","soft_budget":10}`, 400, `field \"soft_budget\" is not supported by Warden`},
		{"unknown field", "POST", "/key/generate", master, `{"max_tokens_per_hour":5}`, 400, `max_tokens_per_hour`},
		{"wrong type", "POST", "/key/generate", master, `{"rpm_limit":"thirty"}`, 400, `field \"rpm_limit\" must be a number`},
		{"not an object", "POST", "/team/new", master, `[1]`, 400, `JSON object`},
		{"bad metadata", "POST", "/team/new", master, `{"team_alias":"x","metadata":[1]}`, 400, `metadata`},
		{"bad allowed route", "POST", "/key/generate", master, `{"allowed_routes":["v1/../admin"]}`, 400, `allowed_routes`},
		{"unsupported query parameter", "GET", "/key/list?status=deleted", master, ``, 400, `status`},
		{"bad page", "GET", "/user/list?page=0", master, ``, 400, `page`},
		{"bad event time", "GET", "/admin/v1/events?since=yesterday", master, ``, 400, `since`},
		{"missing team_id", "POST", "/team/update", master, `{"team_alias":"x"}`, 400, `team_id`},
		{"missing key", "POST", "/key/update", master, `{"models":[]}`, 400, `key`},
	}
	for _, c := range cases {
		var body any
		if c.body != "" {
			body = c.body
		}
		status, _, raw := do(t, w, c.method, c.path, c.key, body)
		expect(t, c.name, status, raw, c.status, c.field)
	}
	// Nothing half-written: a refused team was not created.
	teams, _, raw := do(t, w, "GET", "/team/list", master, nil)
	if teams != 200 || strings.Contains(raw, `"team_alias":"x"`) {
		t.Fatalf("a refused team was written: %s", raw)
	}
	// A refused member list adds nobody, not even its valid entries.
	status, _, raw := do(t, w, "POST", "/team/member_add", master,
		`{"team_id":"`+eng+`","member":[{"role":"user","user_id":"dave"},{"role":"owner","user_id":"erin"}]}`)
	expect(t, "mixed member list", status, raw, 400, "member[1].role")
	if s, _, _ := do(t, w, "GET", "/user/info?user_id=dave", master, nil); s != 404 {
		t.Fatalf("a refused member_add created a user: %d", s)
	}
}

func TestLiteLLMEmptyDefaultsAreTolerated(t *testing.T) {
	w := start(t)
	o := must(t, w, "POST", "/team/new", master, `{"team_alias":"defaults","soft_budget":null,"guardrails":[],"model_aliases":{},`+
		`"tags":[],"organization_id":"","team_member_budget":0,"admins":[],"blocked":false}`)
	if o.str("team_alias") != "defaults" {
		t.Fatalf("%v", o)
	}
	must(t, w, "POST", "/key/generate", master, `{"aliases":{},"config":{},"permissions":{},"spend":0,"model_max_budget":{},"allowed_cache_controls":[],"soft_budget":null}`)
	status, _, raw := do(t, w, "POST", "/key/generate", master, `{"aliases":{"a":"b"}}`)
	expect(t, "aliases with a value", status, raw, 400, `field \"aliases\" is not supported by Warden`)
}
