package admin_test

import (
	"slices"
	"strings"
	"testing"
)

// A user creates, lists and revokes only their own keys, within their team's allowlist.
func TestUserSelfService(t *testing.T) {
	w := start(t)
	eng := newTeam(t, w, "eng", "llama3.1-8b", "qwen2.5-coder-14b")
	ops := newTeam(t, w, "ops", "llama3.2-3b")
	bob := newUser(t, w, "bob", "user", map[string]string{eng: "member"})
	carolKey := newUser(t, w, "carol", "user", map[string]string{eng: "member"})
	_, carolKeyID := w.NewKey(t, map[string]any{"user_id": "carol", "team_id": eng})

	own := must(t, w, "POST", "/key/generate", bob, `{"key_alias":"laptop"}`)
	if own.str("user_id") != "bob" || own.str("team_id") != eng || !slices.Equal(own.list("models"), []string{"llama3.1-8b", "qwen2.5-coder-14b"}) {
		t.Fatalf("a user's own key is bound to them and their team's allowlist: %v", own)
	}
	if s := chat(t, w, own.str("key"), "qwen2.5-coder-14b"); s != 200 {
		t.Fatalf("own key on a team model: %d", s)
	}
	narrow := must(t, w, "POST", "/key/generate", bob, `{"models":["llama3.1-8b"]}`)
	if s := chat(t, w, narrow.str("key"), "qwen2.5-coder-14b"); s != 403 {
		t.Fatalf("a narrowed key reaches a model it was not given: %d", s)
	}
	refused := []struct{ name, method, path, body string }{
		{"model outside the team", "POST", "/key/generate", `{"models":["llama3.2-3b"]}`},
		{"every model", "POST", "/key/generate", `{"models":["*"]}`},
		{"key for someone else", "POST", "/key/generate", `{"user_id":"carol"}`},
		{"key in another team", "POST", "/key/generate", `{"team_id":"` + ops + `"}`},
		{"another user's key list", "GET", "/key/list?user_id=carol", ``},
		{"another user's key", "GET", "/key/info?key=" + carolKeyID, ``},
		{"delete another user's key", "POST", "/key/delete", `{"keys":["` + carolKeyID + `"]}`},
		{"regenerate another user's key", "POST", "/key/regenerate", `{"key":"` + carolKeyID + `"}`},
		{"update another user's key", "POST", "/key/update", `{"key":"` + carolKeyID + `","key_alias":"mine"}`},
		{"take a key out of its team", "POST", "/key/update", `{"key":"` + own.str("key_id") + `","team_id":""}`},
		{"create a team", "POST", "/team/new", `{"team_alias":"mine"}`},
		{"add a member", "POST", "/team/member_add", `{"team_id":"` + eng + `","member":{"role":"user","user_id":"x"}}`},
		{"update a user", "POST", "/user/update", `{"user_id":"bob","user_alias":"B"}`},
		{"list users", "GET", "/user/list", ``},
		{"read events", "GET", "/admin/v1/events", ``},
	}
	for _, c := range refused {
		var body any
		if c.body != "" {
			body = c.body
		}
		if s, _, raw := do(t, w, c.method, c.path, bob, body); s != 403 && s != 404 {
			t.Errorf("user: %s: %d %s", c.name, s, raw)
		}
	}
	// A member sees their own team, and only it.
	if s, _, raw := do(t, w, "GET", "/team/list", bob, nil); s != 200 || !strings.Contains(string(raw), eng) || strings.Count(string(raw), `"team_id"`) != 1 {
		t.Errorf("user: list teams: %d %s", s, raw)
	}
	list := must(t, w, "GET", "/key/list", bob, nil)
	keys := list.list("keys")
	if !slices.Contains(keys, own.str("key_id")) || slices.Contains(keys, carolKeyID) || list["total_count"] != float64(len(keys)) {
		t.Fatalf("a user's key list holds their keys only: %v", list)
	}
	me := must(t, w, "GET", "/user/info", bob, nil)
	if me.str("user_id") != "bob" {
		t.Fatalf("user/info of oneself: %v", me)
	}
	updated := must(t, w, "POST", "/key/update", bob, `{"key":"`+own.str("key_id")+`","key_alias":"desk","models":["llama3.1-8b"]}`)
	if updated.str("key_alias") != "desk" || !slices.Equal(updated.list("models"), []string{"llama3.1-8b"}) {
		t.Fatalf("update own key: %v", updated)
	}
	// The owner may tighten their key but not loosen what limits it.
	ownID := own.str("key_id")
	must(t, w, "POST", "/key/update", master, `{"key":"`+ownID+`","rpm_limit":10}`)
	loosen := map[string]string{
		`{"key":"` + ownID + `","models":["llama3.1-8b","qwen2.5-coder-14b"]}`: `models`,
		`{"key":"` + ownID + `","rpm_limit":100}`:                              `rpm_limit`,
		`{"key":"` + ownID + `","rpm_limit":null}`:                             `rpm_limit`,
	}
	for body, field := range loosen {
		s, _, raw := do(t, w, "POST", "/key/update", bob, body)
		expect(t, "owner loosens "+field, s, raw, 403, field)
	}
	must(t, w, "POST", "/key/update", bob, `{"key":"`+ownID+`","rpm_limit":5}`)
	must(t, w, "POST", "/key/delete", bob, `{"keys":["`+own.str("key_id")+`"]}`)
	if s := chat(t, w, own.str("key"), "llama3.1-8b"); s != 401 {
		t.Fatalf("a revoked key still works: %d", s)
	}
	if s := chat(t, w, carolKey, "llama3.1-8b"); s != 200 {
		t.Fatalf("another user's key was affected: %d", s)
	}
}

// A team admin manages their team's members and keys, but not another team.
func TestTeamAdminManagesOnlyTheirTeam(t *testing.T) {
	w := start(t)
	eng := newTeam(t, w, "eng", "llama3.1-8b")
	ops := newTeam(t, w, "ops", "llama3.2-3b")
	lead := newUser(t, w, "lead", "user", map[string]string{eng: "admin"})
	newUser(t, w, "bob", "user", map[string]string{eng: "member"})
	newUser(t, w, "olga", "user", map[string]string{ops: "member"})
	newUser(t, w, "root", "admin", map[string]string{eng: "member"})
	_, olgaKey := w.NewKey(t, map[string]any{"user_id": "olga", "team_id": ops})

	must(t, w, "POST", "/team/member_add", lead, `{"team_id":"`+eng+`","member":{"role":"user","user_email":"new@example.com"}}`)
	team := must(t, w, "GET", "/team/info?team_id="+eng, lead, nil)
	if !strings.Contains(string(mustJSON(t, team)), "new@example.com") {
		t.Fatalf("team admin added a member: %v", team)
	}
	bobKey := must(t, w, "POST", "/key/generate", lead, `{"user_id":"bob"}`)
	if bobKey.str("team_id") != eng || bobKey.str("user_id") != "bob" {
		t.Fatalf("team admin makes a member's key in the team: %v", bobKey)
	}
	listed := must(t, w, "GET", "/key/list?team_id="+eng, lead, nil)
	if !slices.Contains(listed.list("keys"), bobKey.str("key_id")) {
		t.Fatalf("team admin lists the team's keys: %v", listed)
	}
	users := must(t, w, "GET", "/user/list", lead, nil)
	if users["total"] != 4.0 { // lead, bob, root, new@example.com
		t.Fatalf("team admin lists the team's users: %v", users)
	}
	must(t, w, "POST", "/team/update", lead, `{"team_id":"`+eng+`","team_alias":"engineering"}`)
	must(t, w, "POST", "/key/delete", lead, `{"keys":["`+bobKey.str("key_id")+`"]}`)
	must(t, w, "POST", "/team/member_delete", lead, `{"team_id":"`+eng+`","user_id":"bob"}`)

	refused := []struct {
		name, method, path, body string
		status                   int
	}{
		{"grant team admin", "POST", "/team/member_add", `{"team_id":"` + eng + `","member":{"role":"admin","user_id":"x"}}`, 403},
		{"add to another team", "POST", "/team/member_add", `{"team_id":"` + ops + `","member":{"role":"user","user_id":"x"}}`, 404},
		{"remove from another team", "POST", "/team/member_delete", `{"team_id":"` + ops + `","user_id":"olga"}`, 404},
		{"read another team", "GET", "/team/info?team_id=" + ops, ``, 404},
		{"another team's key", "GET", "/key/info?key=" + olgaKey, ``, 404},
		{"delete another team's key", "POST", "/key/delete", `{"keys":["` + olgaKey + `"]}`, 404},
		{"key in another team", "POST", "/key/generate", `{"user_id":"olga","team_id":"` + ops + `"}`, 403},
		{"key for a non-member", "POST", "/key/generate", `{"user_id":"olga","team_id":"` + eng + `"}`, 403},
		{"key for an admin", "POST", "/key/generate", `{"user_id":"root","team_id":"` + eng + `"}`, 403},
		{"widen the team's models", "POST", "/team/update", `{"team_id":"` + eng + `","models":["llama3.2-3b"]}`, 403},
		{"raise the team's budget", "POST", "/team/update", `{"team_id":"` + eng + `","max_budget":1000}`, 403},
		{"delete the team", "POST", "/team/delete", `{"team_ids":["` + eng + `"]}`, 403},
		{"create an auditor", "POST", "/user/new", `{"user_id":"aud","user_role":"proxy_admin_viewer","teams":["` + eng + `"]}`, 403},
		{"list another team's users", "GET", "/user/list?team=" + ops, ``, 403},
	}
	for _, c := range refused {
		var body any
		if c.body != "" {
			body = c.body
		}
		s, _, raw := do(t, w, c.method, c.path, lead, body)
		expect(t, "team admin: "+c.name, s, raw, c.status, "")
	}
}

// An auditor reads but changes nothing; pending and blocked users can do nothing.
func TestAuditorPendingAndBlocked(t *testing.T) {
	w := start(t)
	eng := newTeam(t, w, "eng", "llama3.1-8b")
	auditor := newUser(t, w, "audrey", "proxy_admin_viewer", nil)
	pending := newUser(t, w, "pat", "internal_user_viewer", map[string]string{eng: "member"})
	blocked := newUser(t, w, "blake", "user", map[string]string{eng: "admin"})
	_, keyID := w.NewKey(t, map[string]any{"user_id": "blake", "team_id": eng})

	reads := []string{"/key/list", "/key/info?key=" + keyID, "/team/list", "/team/info?team_id=" + eng,
		"/user/list", "/user/info?user_id=blake", "/admin/v1/events"}
	for _, p := range reads {
		must(t, w, "GET", p, auditor, nil)
	}
	changes := []struct{ path, body string }{
		{"/key/generate", `{}`},
		{"/key/update", `{"key":"` + keyID + `","key_alias":"x"}`},
		{"/key/delete", `{"keys":["` + keyID + `"]}`},
		{"/key/regenerate", `{"key":"` + keyID + `"}`},
		{"/team/new", `{"team_alias":"x"}`},
		{"/team/update", `{"team_id":"` + eng + `","team_alias":"x"}`},
		{"/team/delete", `{"team_ids":["` + eng + `"]}`},
		{"/team/member_add", `{"team_id":"` + eng + `","member":{"role":"user","user_id":"x"}}`},
		{"/team/member_delete", `{"team_id":"` + eng + `","user_id":"pat"}`},
		{"/user/new", `{"user_id":"x"}`},
		{"/user/update", `{"user_id":"audrey","user_role":"admin"}`},
		{"/user/delete", `{"user_ids":["pat"]}`},
	}
	for _, c := range changes {
		if s, _, raw := do(t, w, "POST", c.path, auditor, c.body); s != 403 {
			t.Errorf("auditor %s: %d %s", c.path, s, raw)
		}
		if s, _, raw := do(t, w, "POST", c.path, pending, c.body); s != 403 && s != 404 {
			t.Errorf("pending %s: %d %s", c.path, s, raw)
		}
	}
	for _, p := range append(reads, "/user/info") {
		if s, _, raw := do(t, w, "GET", p, pending, nil); s != 403 && s != 404 {
			t.Errorf("pending GET %s: %d %s", p, s, raw)
		}
	}
	if s := chat(t, w, pending, "llama3.1-8b"); s != 403 {
		t.Errorf("pending user calls a model: %d", s)
	}
	if s := chat(t, w, auditor, "llama3.1-8b"); s != 403 {
		t.Errorf("auditor calls a model: %d", s)
	}

	must(t, w, "GET", "/key/list?team_id="+eng, blocked, nil)
	must(t, w, "POST", "/user/update", master, `{"user_id":"blake","blocked":true}`)
	if s, _, raw := do(t, w, "GET", "/key/list?team_id="+eng, blocked, nil); s != 403 || !strings.Contains(raw, "blocked") {
		t.Errorf("blocked team admin lists keys: %d %s", s, raw)
	}
	if s, _, _ := do(t, w, "POST", "/key/generate", blocked, `{}`); s != 403 {
		t.Errorf("blocked user generates a key: %d", s)
	}
	if s := chat(t, w, blocked, "llama3.1-8b"); s != 403 {
		t.Errorf("blocked user calls a model: %d", s)
	}
	must(t, w, "POST", "/user/update", master, `{"user_id":"blake","blocked":false}`)
	if s := chat(t, w, blocked, "llama3.1-8b"); s != 200 {
		t.Errorf("unblocked user: %d", s)
	}
}
