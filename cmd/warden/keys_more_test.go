package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestKeysUpdateAndRegenerate(t *testing.T) {
	c := startCLI(t)
	secret, id := c.w.NewKey(t, map[string]any{"key_alias": "laptop", "user_id": "alice"})
	models := func(key string) int {
		status, _, _ := c.w.Do(t, http.MethodGet, "/v1/models", key, nil)
		return status
	}
	if models(secret) != http.StatusOK {
		t.Fatal("a fresh key cannot list models")
	}

	var upd struct {
		Key      string   `json:"key"`
		KeyAlias string   `json:"key_alias"`
		Models   []string `json:"models"`
		Blocked  bool     `json:"blocked"`
		RPMLimit *int64   `json:"rpm_limit"`
		Metadata struct {
			Owner string `json:"owner"`
		} `json:"metadata"`
	}
	c.json(&upd, "keys", "update", id, "--alias", "desktop", "--models", "llama3.1:8b", "--blocked=true",
		"--rpm", "10", "--metadata", `{"owner":"alice"}`)
	if upd.KeyAlias != "desktop" || len(upd.Models) != 1 || upd.Models[0] != "llama3.1:8b" || !upd.Blocked ||
		upd.RPMLimit == nil || *upd.RPMLimit != 10 || upd.Metadata.Owner != "alice" {
		t.Fatalf("updated key %+v", upd)
	}
	if strings.HasPrefix(upd.Key, "sk-") {
		t.Error("keys update --json shows a secret")
	}
	if models(secret) == http.StatusOK {
		t.Error("a blocked key still works")
	}
	out := c.ok("keys", "update", "--blocked=false", "--models", "", id)
	contains(t, "keys update", out, "Updated key "+id, "desktop", "alice", "all")
	if models(secret) != http.StatusOK {
		t.Error("an unblocked key does not work")
	}

	out = c.ok("keys", "regenerate", id, "--grace", "1h")
	contains(t, "keys regenerate", out, "Regenerated key "+id, "shown only this once", "old secret keeps working for 1h")
	fresh := secretIn(t, out)
	if fresh == secret {
		t.Fatal("regenerate printed the old secret")
	}
	if models(fresh) != http.StatusOK || models(secret) != http.StatusOK {
		t.Error("during the grace period both the new and the old secret must work")
	}
	var regen struct {
		Key   string `json:"key"`
		KeyID string `json:"key_id"`
	}
	c.json(&regen, "keys", "regenerate", id)
	if regen.KeyID != id || !strings.HasPrefix(regen.Key, "sk-") || regen.Key == fresh {
		t.Fatalf("regenerate --json: %+v", regen)
	}
	if models(fresh) == http.StatusOK {
		t.Error("without --grace the previous secret keeps working")
	}
	if models(regen.Key) != http.StatusOK {
		t.Error("the regenerated secret does not work")
	}

	c.fails([]failCase{
		{"update unknown key", []string{"keys", "update", "key_0000000000ab", "--alias", "x"}, 1, []string{"no such key", "(HTTP 404)"}},
		{"update unknown model", []string{"keys", "update", id, "--models", "gpt-99"}, 1, []string{"models", "(HTTP 400)"}},
		{"update bad duration", []string{"keys", "update", id, "--duration", "30x"}, 1, []string{"duration", "(HTTP 400)"}},
		{"regenerate unknown key", []string{"keys", "regenerate", "key_0000000000ab"}, 1, []string{"no such key", "(HTTP 404)"}},
		{"regenerate bad grace", []string{"keys", "regenerate", id, "--grace", "30x"}, 1, []string{"grace_period", "(HTTP 400)"}},
		{"update without change", []string{"keys", "update", id}, 2, []string{"nothing to change"}},
		{"update without key", []string{"keys", "update", "--alias", "x"}, 2, []string{"usage: warden keys update"}},
		{"update bad number", []string{"keys", "update", id, "--tpm", "1.5"}, 2, []string{"whole number"}},
		{"update bad metadata", []string{"keys", "update", id, "--metadata", "owner=alice"}, 2, []string{"JSON object"}},
		{"regenerate without key", []string{"keys", "regenerate"}, 2, []string{"usage: warden keys regenerate"}},
		{"regenerate two keys", []string{"keys", "regenerate", id, id}, 2, []string{"usage: warden keys regenerate"}},
	})
	noKey := func(k string) string {
		if k == "WARDEN_URL" {
			return c.w.URL
		}
		return ""
	}
	c.env = noKey
	c.fails([]failCase{{"no admin key", []string{"keys", "regenerate", id}, 1, []string{"WARDEN_ADMIN_KEY"}}})
	c.env = func(k string) string {
		switch k {
		case "WARDEN_URL":
			return c.w.URL
		case "WARDEN_ADMIN_KEY":
			return regen.Key // a user's own key is not an admin key
		}
		return ""
	}
	c.fails([]failCase{{"not an admin", []string{"teams", "create", "--alias", "mine"}, 1, []string{"(HTTP 403)"}}})
}

// secretIn finds the indented secret line in a regenerate answer.
func secretIn(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "sk-") {
			return s
		}
	}
	t.Fatalf("no secret in:\n%s", out)
	return ""
}
