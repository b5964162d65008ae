package admin_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestEveryChangeIsRecordedWithoutSecrets(t *testing.T) {
	w := start(t)
	var secrets []string
	team := newTeam(t, w, "eng", "llama3.1-8b")
	secrets = append(secrets, newUser(t, w, "bob", "user", map[string]string{team: "member"}))
	k := must(t, w, "POST", "/key/generate", master, `{"user_id":"alice","team_id":"`+team+`"}`)
	secrets = append(secrets, k.str("key"))
	id := k.str("key_id")
	must(t, w, "POST", "/key/update", master, `{"key":"`+id+`","key_alias":"renamed","rpm_limit":10}`)
	rot := must(t, w, "POST", "/key/regenerate", master, `{"key":"`+k.str("key")+`","grace_period":"1h"}`)
	secrets = append(secrets, rot.str("key"))
	must(t, w, "POST", "/team/update", master, `{"team_id":"`+team+`","max_budget":50}`)
	must(t, w, "POST", "/user/update", master, `{"user_id":"bob","user_role":"auditor"}`)
	must(t, w, "POST", "/team/member_delete", master, `{"team_id":"`+team+`","user_id":"bob"}`)
	must(t, w, "POST", "/key/delete", master, `{"keys":["`+id+`"]}`)
	must(t, w, "POST", "/user/delete", master, `{"user_ids":["bob"]}`)
	must(t, w, "POST", "/team/delete", master, `{"team_ids":["`+team+`"]}`)

	status, raw, _ := w.Do(t, "GET", "/admin/v1/events?page_size=1000", master, nil)
	if status != 200 {
		t.Fatalf("events: %d %s", status, raw)
	}
	for _, s := range append(secrets, master) {
		if strings.Contains(string(raw), s) || strings.Contains(string(raw), s[len(s)-8:]) {
			t.Fatalf("an event holds a secret: %s", raw)
		}
	}
	var page struct {
		Events []struct {
			Actor, Action, Target string
			Change                map[string]any
		}
		Total int
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Events {
		if e.Actor != "master-key" {
			t.Errorf("event actor %q", e.Actor)
		}
		got = append(got, e.Action+" "+e.Target)
	}
	want := []string{"team.new " + team, "user.new bob", "team.member_add " + team, "key.generate " + id,
		"user.new alice", "key.update " + id, "key.regenerate " + id, "team.update " + team, "user.update bob",
		"team.member_delete " + team, "key.delete " + id, "user.delete bob", "team.delete " + team}
	for _, a := range want {
		if !slices.Contains(got, a) {
			t.Errorf("no event %q in %v", a, got)
		}
	}
	if page.Total != len(page.Events) {
		t.Errorf("total %d for %d events", page.Total, len(page.Events))
	}
	for _, e := range page.Events {
		if e.Action == "user.update" && e.Target == "bob" {
			if role, _ := e.Change["role"].(map[string]any); role["from"] != "user" || role["to"] != "auditor" {
				t.Errorf("role change recorded as %v", e.Change)
			}
		}
	}

	one := must(t, w, "GET", "/admin/v1/events?action=key.update&target="+id, master, nil)
	if one["total"] != 1.0 {
		t.Fatalf("filtered events: %v", one)
	}
	paged := must(t, w, "GET", "/admin/v1/events?page=2&page_size=5", master, nil)
	if evs, _ := paged["events"].([]any); len(evs) != 5 || paged["total"] != float64(page.Total) {
		t.Fatalf("second page: %v", paged)
	}
}
