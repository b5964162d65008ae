package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

func TestKeyRPMLimit(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	key, _ := w.NewKey(t, map[string]any{"rpm_limit": 30})
	for i := range 30 {
		s, body, h := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody)
		if s != 200 {
			t.Fatalf("call %d within the limit: %d %s", i+1, s, body)
		}
		if h.Get("X-Ratelimit-Limit-Requests") != "30" || h.Get("X-Ratelimit-Remaining-Requests") != strconv.Itoa(29-i) {
			t.Fatalf("call %d: rate headers %v", i+1, h)
		}
	}
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		s, body, h := w.Do(t, http.MethodPost, path, key, chatBody)
		retry, _ := strconv.Atoi(h.Get("Retry-After"))
		if s != 429 || retry <= 0 || retry > 61 {
			t.Fatalf("%s: the 31st call within a minute: %d %s (Retry-After %q)", path, s, body, h.Get("Retry-After"))
		}
		if msg := checkDialect(t, path, body); msg == "" {
			t.Fatal("no message")
		}
	}
	// Another key is not affected.
	other, _ := w.NewKey(t, nil)
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", other, chatBody); s != 200 {
		t.Fatalf("another key was limited: %d", s)
	}
}

func TestKeyParallelLimitHoldsAtTheBackend(t *testing.T) {
	w, fake := gateway(t, "openai", fakellm.Options{Chunks: 4, ChunkDelay: 25 * time.Millisecond})
	key, _ := w.NewKey(t, map[string]any{"max_parallel_requests": 2})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody)
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if fake.MaxInFlight() > 2 {
		t.Fatalf("%d calls were in flight at the backend; the key allows 2", fake.MaxInFlight())
	}
	if statuses[200] < 2 || statuses[200]+statuses[429] != 20 {
		t.Fatalf("statuses %v: want some 200s and the rest 429", statuses)
	}
	// Slots are given back: after the burst, calls go through again.
	if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s != 200 {
		t.Fatalf("after the burst: %d", s)
	}
}

func TestTeamRPMIsSharedByItsKeys(t *testing.T) {
	w, _ := gateway(t, "ollama", fakellm.Options{})
	status, body, _ := w.Do(t, http.MethodPost, "/team/new", testkit.MasterKey, `{"team_alias":"small","rpm_limit":3}`)
	if status != 200 {
		t.Fatalf("team: %d %s", status, body)
	}
	team := jsonField(t, body, "team_id")
	a, _ := w.NewKey(t, map[string]any{"team_id": team, "user_id": "a"})
	b, _ := w.NewKey(t, map[string]any{"team_id": team, "user_id": "b"})
	got := []int{}
	for _, k := range []string{a, b, a, b} {
		s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", k, chatBody)
		got = append(got, s)
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 200 || got[3] != 429 {
		t.Fatalf("team rpm 3 across two keys: %v", got)
	}
}

func jsonField(t *testing.T, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	v, _ := m[field].(string)
	return v
}
