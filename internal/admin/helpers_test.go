package admin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// served are the models the fake backend serves: those the curl commands name.
var served = []string{"llama3.1-8b", "qwen2.5-coder-14b", "deepseek-coder-v2-lite", "llama3.2-3b", "qwen2.5-7b"}

const master = testkit.MasterKey

// start runs a Warden in front of a fake backend serving the models above.
func start(t *testing.T) *testkit.Warden {
	t.Helper()
	fake := fakellm.StartTB(t, fakellm.Options{Models: served})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}}, "model_groups: {small: [llama3.2-3b, qwen2.5-7b]}\n")
	return testkit.Start(t, cfg, nil)
}

// obj is a decoded JSON object answer.
type obj map[string]any

func (o obj) str(k string) string { s, _ := o[k].(string); return s }

func (o obj) list(k string) []string {
	var out []string
	for _, v := range o[k].([]any) {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// do sends a request and decodes a JSON object answer (nil for other JSON).
func do(t *testing.T, w *testkit.Warden, method, path, key string, body any) (int, obj, string) {
	t.Helper()
	status, raw, _ := w.Do(t, method, path, key, body)
	var o obj
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
		}
	}
	return status, o, string(raw)
}

// must is do that fails the test unless the status is 200.
func must(t *testing.T, w *testkit.Warden, method, path, key string, body any) obj {
	t.Helper()
	status, o, raw := do(t, w, method, path, key, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, status, raw)
	}
	return o
}

// newTeam creates a team and returns its id.
func newTeam(t *testing.T, w *testkit.Warden, alias string, models ...string) string {
	t.Helper()
	o := must(t, w, "POST", "/team/new", master, map[string]any{"team_alias": alias, "models": models})
	return o.str("team_id")
}

// newUser creates a user with a role, in teams ({team id: team role}), and returns its first key.
func newUser(t *testing.T, w *testkit.Warden, id, role string, teams map[string]string) string {
	t.Helper()
	var ts []map[string]string
	for team, tr := range teams {
		ts = append(ts, map[string]string{"team_id": team, "user_role": tr})
	}
	body := map[string]any{"user_id": id, "user_role": role}
	if ts != nil {
		body["teams"] = ts
	}
	o := must(t, w, "POST", "/user/new", master, body)
	if !strings.HasPrefix(o.str("key"), "sk-") {
		t.Fatalf("user/new gave no key: %v", o)
	}
	return o.str("key")
}

// chat calls a model with key and returns the status.
func chat(t *testing.T, w *testkit.Warden, key, model string) int {
	t.Helper()
	s, _, _ := w.Do(t, "POST", "/v1/chat/completions", key,
		`{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
	return s
}

// expect checks an answer's status and that its body names want.
func expect(t *testing.T, what string, status int, raw string, wantStatus int, want string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(raw, want) {
		t.Errorf("%s: got %d %s; want %d naming %q", what, status, raw, wantStatus, want)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
