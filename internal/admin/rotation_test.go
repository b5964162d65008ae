package admin_test

import (
	"testing"
	"time"
)

func TestRegenerateWithAndWithoutGrace(t *testing.T) {
	w := start(t)
	old, id := w.NewKey(t, map[string]any{"user_id": "alice", "key_alias": "ci"})

	// With a grace period, both secrets work; the key keeps its id and settings.
	rot := must(t, w, "POST", "/key/regenerate", master, `{"key":"`+id+`","grace_period":"24h"}`)
	fresh := rot.str("key")
	if fresh == "" || fresh == old || rot.str("key_id") != id || rot.str("key_alias") != "ci" || rot.str("key_name") == "" {
		t.Fatalf("regenerate answer: %v", rot)
	}
	for name, k := range map[string]string{"old (in grace)": old, "new": fresh} {
		if s := chat(t, w, k, "llama3.1-8b"); s != 200 {
			t.Errorf("%s secret: %d", name, s)
		}
	}

	// Without one, the replaced secrets stop at once. The path form names the key by its secret.
	rot = must(t, w, "POST", "/key/"+fresh+"/regenerate", master, nil)
	newest := rot.str("key")
	for name, k := range map[string]string{"first": old, "second": fresh} {
		if s := chat(t, w, k, "llama3.1-8b"); s != 401 {
			t.Errorf("%s secret after a rotation without grace: %d", name, s)
		}
	}
	if s := chat(t, w, newest, "llama3.1-8b"); s != 200 {
		t.Fatalf("newest secret: %d", s)
	}

	// A short grace ends: the old secret stops working once it has passed.
	rot = must(t, w, "POST", "/key/regenerate", master, `{"key":"`+id+`","grace_period":"1s"}`)
	deadline := time.Now().Add(10 * time.Second)
	for chat(t, w, newest, "llama3.1-8b") != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the old secret still works 10 s after a 1 s grace period")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := chat(t, w, rot.str("key"), "llama3.1-8b"); s != 200 {
		t.Fatalf("secret after the grace ended: %d", s)
	}
}
