package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

func TestUsageCommand(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 4})
	w := testkit.Start(t, testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}},
		"models:\n  - {name: m, backends: [b1], upstream: \"llama3.1:8b\", price: {output_per_million: 500000}}\n"), nil)
	key, id := w.NewKey(t, map[string]any{"user_id": "carol"})
	for range 3 {
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`); s != 200 {
			t.Fatalf("%d %s", s, body)
		}
	}
	env := func(k string) string {
		switch k {
		case "WARDEN_URL":
			return w.URL
		case "WARDEN_ADMIN_KEY":
			return testkit.MasterKey
		}
		return ""
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var out, errb bytes.Buffer
		if code := run([]string{"usage", "--by", "key", "--user", "carol"}, &out, &errb, env); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		// 3 calls of 4 completion tokens at 0.5 per token: 6.
		if strings.Contains(out.String(), id) && strings.Contains(out.String(), " 3 ") && strings.Contains(out.String(), " 6 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage never showed the key's 3 calls costing 6:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"usage", "--by", "colour"}, &out, &errb, env); code != 1 || !strings.Contains(errb.String(), "group_by") {
		t.Fatalf("a bad --by: exit %d: %s", code, errb.String())
	}
}
