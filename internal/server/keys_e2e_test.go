package server_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

const chatBody = `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`

func TestKeyAcceptedInEveryForm(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	key, _ := w.NewKey(t, nil)
	forms := map[string]func(*http.Request){
		"bearer":    func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) },
		"x-api-key": func(r *http.Request) { r.Header.Set("x-api-key", key) },
		"basic":     func(r *http.Request) { r.SetBasicAuth("anyone", key) },
	}
	for name, set := range forms {
		req, _ := http.NewRequest(http.MethodPost, w.URL+"/v1/chat/completions", strings.NewReader(chatBody))
		set(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
	}
	bad := base64.StdEncoding.EncodeToString([]byte("anyone:" + key + "x"))
	req, _ := http.NewRequest(http.MethodPost, w.URL+"/v1/chat/completions", strings.NewReader(chatBody))
	req.Header.Set("Authorization", "Basic "+bad)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong Basic password: %d", resp.StatusCode)
	}
}

func TestCallerCredentialsNeverReachTheBackend(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{APIKey: "upstream-secret"})
	cfg := testkit.Config(t, nil, "backends:\n  - {name: b1, kind: openai, url: \""+fake.URL+"\", api_key_env: UPSTREAM_KEY}\n")
	t.Setenv("UPSTREAM_KEY", "upstream-secret")
	cfg.Backends[0].APIKey = "upstream-secret" // Parse does not read the environment; Load would.
	w := testkit.Start(t, cfg, nil)
	key, _ := w.NewKey(t, nil)
	req, _ := http.NewRequest(http.MethodPost, w.URL+"/v1/chat/completions", strings.NewReader(chatBody))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("x-api-key", key)
	req.Header.Set("Cookie", "session=abc")
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := fake.LastCall().Header
	if got.Get("Authorization") != "Bearer upstream-secret" {
		t.Fatalf("backend got Authorization %q", got.Get("Authorization"))
	}
	if got.Get("X-Api-Key") != "" || got.Get("Cookie") != "" {
		t.Fatalf("caller credentials reached the backend: %v", got)
	}
	if got.Get("X-Request-Id") != "trace-42" || resp.Header.Get("X-Request-Id") != "trace-42" {
		t.Fatalf("request id: upstream %q, response %q", got.Get("X-Request-Id"), resp.Header.Get("X-Request-Id"))
	}
	// A malformed request id is replaced, not forwarded.
	req, _ = http.NewRequest(http.MethodPost, w.URL+"/v1/chat/completions", strings.NewReader(chatBody))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Request-Id", "bad id\twith spaces")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") || fake.LastCall().Header.Get("X-Request-Id") != id {
		t.Fatalf("malformed request id not replaced: %q", id)
	}
}

func TestDeletedAndExpiredKeysAreRefused(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	key, id := w.NewKey(t, nil)
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 200 {
		t.Fatalf("fresh key: %d", s)
	}
	status, body, _ := w.Do(t, http.MethodPost, "/key/delete", testkit.MasterKey, map[string]any{"keys": []string{id}})
	if status != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("delete: %d %s", status, body)
	}
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 401 {
		t.Fatalf("deleted key still works: %d", s)
	}
	short, _ := w.NewKey(t, map[string]any{"duration": "1s"})
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", short, chatBody); s != 200 {
		t.Fatalf("key before expiry: %d", s)
	}
	time.Sleep(1100 * time.Millisecond)
	status, body, _ = w.Do(t, http.MethodPost, "/v1/chat/completions", short, chatBody)
	if status != 401 || !strings.Contains(string(body), "expired") {
		t.Fatalf("expired key: %d %s", status, body)
	}
}

func TestKeyDeletedOnAnotherReplicaIsRefusedWithinASecond(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "")
	w1 := testkit.Start(t, cfg, nil)
	cfg2 := *cfg
	w2 := testkit.Start(t, &cfg2, nil) // same data dir and secret: a second replica
	key, id := w1.NewKey(t, nil)
	if s, _, _ := w2.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 200 {
		t.Fatalf("replica 2 before delete: %d", s)
	}
	if s, b, _ := w1.Do(t, http.MethodPost, "/key/delete", testkit.MasterKey, map[string]any{"keys": []string{key}}); s != 200 {
		t.Fatalf("delete: %d %s", s, b)
	}
	time.Sleep(1100 * time.Millisecond)
	if s, _, _ := w2.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 401 {
		t.Fatalf("replica 2 still accepts key %s a second after deletion: %d", id, s)
	}
}

func TestKeyManagement(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	status, body, _ := w.Do(t, http.MethodPost, "/key/generate", testkit.MasterKey,
		`{"models":["llama3.1:8b"],"duration":"30d","key_alias":"ci","user_id":"alice@example.com","metadata":{"owner":"alice"}}`)
	if status != 200 {
		t.Fatalf("generate: %d %s", status, body)
	}
	var gen map[string]any
	json.Unmarshal(body, &gen)
	secret, _ := gen["key"].(string)
	id, _ := gen["key_id"].(string)
	if !strings.HasPrefix(secret, "sk-wd-") || id == "" || gen["expires"] == nil {
		t.Fatalf("generate answer %s", body)
	}
	for _, ref := range []string{secret, id} {
		status, body, _ = w.Do(t, http.MethodGet, "/key/info?key="+ref, testkit.MasterKey, nil)
		if status != 200 || strings.Contains(string(body), secret) || !strings.Contains(string(body), `"owner":"alice"`) {
			t.Fatalf("info by %q: %d %s", ref[:6], status, body)
		}
	}
	status, body, _ = w.Do(t, http.MethodGet, "/key/list", testkit.MasterKey, nil)
	if status != 200 || !strings.Contains(string(body), id) || strings.Contains(string(body), secret) {
		t.Fatalf("list: %d %s", status, body)
	}
	bad := []struct {
		body   string
		status int
		field  string
	}{
		{`{"duration":"30x"}`, 400, "duration"},
		{`{"models":"llama"}`, 400, "models"},
		{`{"metadata":[1]}`, 400, "metadata"},
		{`{"max_tokens_per_hour":5}`, 400, "max_tokens_per_hour"},
		{`{"keys":`, 400, "JSON"},
	}
	for _, b := range bad {
		status, body, _ = w.Do(t, http.MethodPost, "/key/generate", testkit.MasterKey, b.body)
		if status != b.status || !strings.Contains(string(body), b.field) {
			t.Errorf("generate %s: %d %s", b.body, status, body)
		}
	}
	status, body, _ = w.Do(t, http.MethodPost, "/key/delete", testkit.MasterKey, map[string]any{"keys": []string{id, "key_000000000000"}})
	if status != 404 {
		t.Fatalf("delete with an unknown key: %d %s", status, body)
	}
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", secret, chatBody); s != 200 {
		t.Fatalf("a failed delete removed a key: %d", s)
	}
	user, _ := w.NewKey(t, nil)
	for _, p := range []string{"/key/list", "/key/info?key=" + id} {
		if s, _, _ := w.Do(t, http.MethodGet, p, user, nil); s != 403 {
			t.Errorf("non-admin %s: %d", p, s)
		}
	}
	if s, _, _ := w.Do(t, http.MethodPost, "/key/generate", user, `{}`); s != 403 {
		t.Errorf("non-admin generate: %d", s)
	}
}

func TestFirstStartPrintsAnAdminKeyOnce(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "")
	noMaster := map[string]string{"WARDEN_MASTER_KEY": ""}
	w := testkit.Start(t, cfg, noMaster)
	out := w.Out.String()
	i := strings.Index(out, "sk-wd-")
	if i < 0 {
		t.Fatalf("no admin key printed: %q", out)
	}
	key := strings.Fields(out[i:])[0]
	if strings.Contains(w.Logs.String(), key) {
		t.Fatal("the admin key was written to the log")
	}
	if s, _, _ := w.Do(t, http.MethodGet, "/key/list", key, nil); s != 200 {
		t.Fatalf("printed admin key does not work: %d", s)
	}
	w.Stop(t)
	cfg2 := *cfg
	w2 := testkit.Start(t, &cfg2, noMaster)
	if strings.Contains(w2.Out.String(), "sk-wd-") {
		t.Fatal("a second start printed a key again")
	}
	if s, _, _ := w2.Do(t, http.MethodGet, "/key/list", key, nil); s != 200 {
		t.Fatalf("admin key after restart: %d", s)
	}
}

// curl -d sends JSON bodies as application/x-www-form-urlencoded; LiteLLM's docs rely on it.
func TestKeyGenerateAcceptsJSONWhateverTheContentType(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	req, _ := http.NewRequest(http.MethodPost, w.URL+"/key/generate", strings.NewReader(`{"key_alias":"curl","models":["llama3.1:8b"]}`))
	req.Header.Set("Authorization", "Bearer "+testkit.MasterKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || out["key_alias"] != "curl" {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
}
