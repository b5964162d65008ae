package admin_test

import (
	"slices"
	"strings"
	"testing"
)

func TestNativeKeyRoundTrip(t *testing.T) {
	w := start(t)
	team, _ := call(t, w, "POST", "/admin/v1/teams", master,
		`{"alias":"eng","models":["llama3.1-8b","qwen2.5-coder-14b"],"limits":{"max_budget":100,"budget_duration":"30d"}}`, 201)
	teamID := team.str("id")
	if team.sub("limits")["max_budget"] != 100.0 || team.sub("limits").str("budget_duration") != "30d" {
		t.Fatalf("team limits: %v", team)
	}
	call(t, w, "POST", "/admin/v1/users", master, `{"id":"alice","email":"alice@example.com","teams":[{"team_id":"`+teamID+`","role":"member"}]}`, 201)

	created, _ := call(t, w, "POST", "/admin/v1/keys", master,
		`{"user_id":"alice","team_id":"`+teamID+`","alias":"laptop","metadata":{"owner":"alice"},"limits":{"rpm_limit":10}}`, 201)
	secret, id := created.str("secret"), created.str("id")
	if !strings.HasPrefix(secret, "sk-") || id == "" || created.str("alias") != "laptop" ||
		!slices.Equal(created.list("models"), []string{"llama3.1-8b", "qwen2.5-coder-14b"}) || created.sub("limits")["rpm_limit"] != 10.0 {
		t.Fatalf("created key: %v", created)
	}
	if s := chat(t, w, secret, "llama3.1-8b"); s != 200 {
		t.Fatalf("the new key does not work: %d", s)
	}
	got, raw := call(t, w, "GET", "/admin/v1/keys/"+id, master, nil, 200)
	if got.str("user_id") != "alice" || got.str("team_id") != teamID || strings.Contains(raw, secret) || got["secret"] != nil {
		t.Fatalf("read key: %s", raw)
	}
	if _, err := timeOf(got.str("created_at")); err != nil {
		t.Fatalf("created_at is not RFC 3339: %v", got)
	}

	patched, _ := call(t, w, "PATCH", "/admin/v1/keys/"+id, master, `{"alias":"desk","models":["llama3.1-8b"],"limits":{"rpm_limit":null,"tpm_limit":50000}}`, 200)
	if patched.str("alias") != "desk" || patched.sub("limits")["rpm_limit"] != nil || patched.sub("limits")["tpm_limit"] != 50000.0 ||
		!slices.Equal(patched.list("models"), []string{"llama3.1-8b"}) {
		t.Fatalf("patched key: %v", patched)
	}
	if s := chat(t, w, secret, "qwen2.5-coder-14b"); s != 403 {
		t.Fatalf("the patched allowlist is not enforced: %d", s)
	}

	rot, _ := call(t, w, "POST", "/admin/v1/keys/"+id+"/regenerate", master, `{"grace_period":"1h"}`, 200)
	newSecret := rot.str("secret")
	if newSecret == secret || !strings.HasPrefix(newSecret, "sk-") || rot.str("id") != id {
		t.Fatalf("regenerated: %v", rot)
	}
	for _, s := range []string{secret, newSecret} {
		if st := chat(t, w, s, "llama3.1-8b"); st != 200 {
			t.Fatalf("within the grace period both secrets work: %d", st)
		}
	}

	if _, raw := call(t, w, "DELETE", "/admin/v1/keys/"+id, master, nil, 204); raw != "" {
		t.Fatalf("204 with a body: %q", raw)
	}
	call(t, w, "GET", "/admin/v1/keys/"+id, master, nil, 404)
	if s := chat(t, w, newSecret, "llama3.1-8b"); s != 401 {
		t.Fatalf("a deleted key still works: %d", s)
	}
	ev, raw := call(t, w, "GET", "/admin/v1/events?target="+id+"&limit=10", master, nil, 200)
	var actions []string
	for _, e := range items(t, ev) {
		actions = append(actions, e.str("action"))
	}
	for _, a := range []string{"key.generate", "key.update", "key.regenerate", "key.delete"} {
		if !slices.Contains(actions, a) {
			t.Errorf("no %s event for the key: %v", a, actions)
		}
	}
	if strings.Contains(raw, newSecret) || strings.Contains(raw, secret) {
		t.Fatalf("an event holds a secret")
	}
}

func TestNativeTeamMemberAndUserRoundTrip(t *testing.T) {
	w := start(t)
	team, _ := call(t, w, "POST", "/admin/v1/teams", master, `{"alias":"ops","models":["llama3.2-3b"],"members":[{"user_id":"carol","role":"admin"}]}`, 201)
	id := team.str("id")
	if ms := team["members"].([]any); len(ms) != 1 || obj(ms[0].(map[string]any)).str("role") != "admin" {
		t.Fatalf("team created with its admin: %v", team)
	}
	got, _ := call(t, w, "PATCH", "/admin/v1/teams/"+id, master, `{"alias":"operations","limits":{"rpm_limit":60}}`, 200)
	if got.str("alias") != "operations" || got.sub("limits")["rpm_limit"] != 60.0 || !slices.Equal(got.list("models"), []string{"llama3.2-3b"}) {
		t.Fatalf("patched team: %v", got)
	}
	if g, _ := call(t, w, "GET", "/admin/v1/teams/"+id, master, nil, 200); g.str("alias") != "operations" {
		t.Fatalf("read team: %v", g)
	}

	m, _ := call(t, w, "POST", "/admin/v1/teams/"+id+"/members", master, `{"user_id":"dave"}`, 201)
	if m.str("user_id") != "dave" || m.str("role") != "member" || m.str("team_id") != id {
		t.Fatalf("added member: %v", m)
	}
	members, _ := call(t, w, "GET", "/admin/v1/teams/"+id+"/members", master, nil, 200)
	if got := ids(t, members, "user_id"); !slices.Contains(got, "dave") || !slices.Contains(got, "carol") || members["total"] != 2.0 {
		t.Fatalf("members: %v", members)
	}
	call(t, w, "DELETE", "/admin/v1/teams/"+id+"/members/dave", master, nil, 204)
	call(t, w, "DELETE", "/admin/v1/teams/"+id+"/members/dave", master, nil, 404)

	// dave was created as a user when added; manage him through /admin/v1/users.
	u, _ := call(t, w, "GET", "/admin/v1/users/dave", master, nil, 200)
	if u.str("role") != "user" || len(u["teams"].([]any)) != 0 {
		t.Fatalf("read user: %v", u)
	}
	u, _ = call(t, w, "PATCH", "/admin/v1/users/dave", master, `{"role":"auditor","name":"Dave","email":"dave@example.com"}`, 200)
	if u.str("role") != "auditor" || u.str("name") != "Dave" || u.str("email") != "dave@example.com" {
		t.Fatalf("patched user: %v", u)
	}
	created, _ := call(t, w, "POST", "/admin/v1/users", master, `{"id":"erin","role":"pending","teams":[{"team_id":"`+id+`","role":"member"}]}`, 201)
	if created.str("role") != "pending" || created["key"] != nil || created["secret"] != nil {
		t.Fatalf("created user: %v", created)
	}
	call(t, w, "DELETE", "/admin/v1/users/erin", master, nil, 204)
	call(t, w, "GET", "/admin/v1/users/erin", master, nil, 404)

	call(t, w, "DELETE", "/admin/v1/teams/"+id, master, nil, 204)
	call(t, w, "GET", "/admin/v1/teams/"+id, master, nil, 404)
}

func TestNativePaginationAndFilters(t *testing.T) {
	w := start(t)
	eng, _ := call(t, w, "POST", "/admin/v1/teams", master, `{"alias":"eng","models":["llama3.1-8b"]}`, 201)
	for range 5 {
		call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"alice"}`, 201)
	}
	for range 2 {
		call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"bob","team_id":"`+eng.str("id")+`"}`, 201)
	}
	first, _ := call(t, w, "GET", "/admin/v1/keys?user_id=alice&limit=2", master, nil, 200)
	if len(items(t, first)) != 2 || first["total"] != 5.0 || first["next_offset"] != 2.0 {
		t.Fatalf("first page: %v", first)
	}
	seen := map[string]bool{}
	for off := 0; off < 5; off += 2 {
		p, _ := call(t, w, "GET", "/admin/v1/keys?user_id=alice&limit=2&offset="+itoa(off), master, nil, 200)
		for _, it := range items(t, p) {
			if it.str("user_id") != "alice" || seen[it.str("id")] {
				t.Fatalf("page at %d: %v", off, p)
			}
			seen[it.str("id")] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("pages hold %d distinct keys, want 5", len(seen))
	}
	last, _ := call(t, w, "GET", "/admin/v1/keys?user_id=alice&limit=2&offset=4", master, nil, 200)
	if len(items(t, last)) != 1 || last["next_offset"] != nil {
		t.Fatalf("last page: %v", last)
	}
	byTeam, _ := call(t, w, "GET", "/admin/v1/keys?team_id="+eng.str("id"), master, nil, 200)
	if byTeam["total"] != 2.0 || slices.ContainsFunc(items(t, byTeam), func(o obj) bool { return o.str("user_id") != "bob" }) {
		t.Fatalf("keys of team eng: %v", byTeam)
	}
	users, _ := call(t, w, "GET", "/admin/v1/users?team_id="+eng.str("id"), master, nil, 200)
	if got := ids(t, users, "id"); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("users of team eng: %v", users)
	}
	teams, _ := call(t, w, "GET", "/admin/v1/teams?user_id=bob&limit=1", master, nil, 200)
	if got := ids(t, teams, "id"); !slices.Equal(got, []string{eng.str("id")}) || teams["next_offset"] != nil {
		t.Fatalf("teams of bob: %v", teams)
	}
	ev, _ := call(t, w, "GET", "/admin/v1/events?action=key.generate&limit=3&offset=3", master, nil, 200)
	if len(items(t, ev)) != 3 || ev["total"] != 7.0 || ev["next_offset"] != 6.0 {
		t.Fatalf("events page: %v", ev)
	}
}

func TestNativeAuthorization(t *testing.T) {
	w := start(t)
	eng, _ := call(t, w, "POST", "/admin/v1/teams", master, `{"alias":"eng","models":["llama3.1-8b"]}`, 201)
	bob := newUser(t, w, "bob", "user", map[string]string{eng.str("id"): "member"})
	auditor := newUser(t, w, "audrey", "auditor", nil)
	newUser(t, w, "carol", "user", map[string]string{eng.str("id"): "member"})
	carolKey, _ := call(t, w, "POST", "/admin/v1/keys", master, `{"user_id":"carol"}`, 201)

	// A user sees and manages only their own keys.
	own, _ := call(t, w, "POST", "/admin/v1/keys", bob, `{"alias":"mine"}`, 201)
	if own.str("user_id") != "bob" || own.str("team_id") != eng.str("id") {
		t.Fatalf("a user's key is theirs, in their team: %v", own)
	}
	list, _ := call(t, w, "GET", "/admin/v1/keys", bob, nil, 200)
	for _, it := range items(t, list) {
		if it.str("user_id") != "bob" {
			t.Fatalf("a user sees another's key: %v", list)
		}
	}
	call(t, w, "GET", "/admin/v1/keys/"+carolKey.str("id"), bob, nil, 404)
	call(t, w, "DELETE", "/admin/v1/keys/"+carolKey.str("id"), bob, nil, 404)
	if s, _, raw := do(t, w, "GET", "/admin/v1/keys?user_id=carol", bob, nil); s != 403 && s != 404 {
		t.Fatalf("a user lists another's keys: %d %s", s, raw)
	}
	call(t, w, "PATCH", "/admin/v1/keys/"+own.str("id"), bob, `{"alias":"renamed"}`, 200)
	call(t, w, "POST", "/admin/v1/teams", bob, `{"alias":"mine"}`, 403)
	call(t, w, "GET", "/admin/v1/users", bob, nil, 403)

	// An auditor reads everything and changes nothing.
	all, _ := call(t, w, "GET", "/admin/v1/keys", auditor, nil, 200)
	if all["total"] != 5.0 { // one each from newUser for bob, audrey and carol, carol's and bob's own
		t.Fatalf("the auditor sees every key: %v", all)
	}
	call(t, w, "GET", "/admin/v1/users/bob", auditor, nil, 200)
	call(t, w, "GET", "/admin/v1/teams/"+eng.str("id"), auditor, nil, 200)
	call(t, w, "GET", "/admin/v1/events", auditor, nil, 200)
	writes := []struct{ method, path, body string }{
		{"POST", "/admin/v1/keys", `{"alias":"x"}`},
		{"PATCH", "/admin/v1/keys/" + own.str("id"), `{"alias":"x"}`},
		{"DELETE", "/admin/v1/keys/" + own.str("id"), ``},
		{"POST", "/admin/v1/keys/" + own.str("id") + "/regenerate", ``},
		{"POST", "/admin/v1/teams", `{"alias":"x"}`},
		{"PATCH", "/admin/v1/teams/" + eng.str("id"), `{"alias":"x"}`},
		{"POST", "/admin/v1/teams/" + eng.str("id") + "/members", `{"user_id":"x"}`},
		{"DELETE", "/admin/v1/teams/" + eng.str("id") + "/members/bob", ``},
		{"POST", "/admin/v1/users", `{"id":"x"}`},
		{"PATCH", "/admin/v1/users/bob", `{"name":"x"}`},
		{"DELETE", "/admin/v1/users/bob", ``},
	}
	for _, wr := range writes {
		var body any
		if wr.body != "" {
			body = wr.body
		}
		s, _, raw := do(t, w, wr.method, wr.path, auditor, body)
		if s != 403 || errorOf(t, raw).Error.Type != "permission_error" {
			t.Errorf("auditor %s %s: %d %s", wr.method, wr.path, s, raw)
		}
	}
	if s, _, raw := do(t, w, "GET", "/admin/v1/keys", "", nil); s != 401 {
		t.Fatalf("no key: %d %s", s, raw)
	}
}
