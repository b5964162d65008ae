package server_test

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// redisURL returns the test Redis, skipping without it unless CI=true.
func redisURL(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("WARDEN_TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required under CI=true: %v", err)
		}
		t.Skipf("Redis not reachable at %s (%v); start it or set WARDEN_TEST_REDIS_ADDR", addr, err)
	}
	c.Close()
	return "redis://" + addr + "/0"
}

// replicas starts three Wardens sharing one store (SQLite data dir) and one Redis prefix.
func replicas(t *testing.T, fake *fakellm.Server, limitsYAML string) []*testkit.Warden {
	t.Helper()
	return replicasWith(t, fake, "", limitsYAML)
}

// replicasWith is replicas with more configuration (models, say) before the limits section.
func replicasWith(t *testing.T, fake *fakellm.Server, extraYAML, limitsYAML string) []*testkit.Warden {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	extra := "limits: {redis_url: \"" + redisURL(t) + "\", redis_prefix: \"wt" + hex.EncodeToString(b[:]) + "\"" + limitsYAML + "}\n"
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}}, extraYAML+extra)
	var out []*testkit.Warden
	for range 3 {
		c := *cfg
		out = append(out, testkit.Start(t, &c, nil))
	}
	return out
}

func TestRPMIsOneLimitAcrossReplicas(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	ws := replicas(t, fake, "")
	key, _ := ws[0].NewKey(t, map[string]any{"rpm_limit": 30})
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch s, _, _ := ws[i%3].Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody); s {
			case 200:
				ok.Add(1)
			case 429:
				limited.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 30 || limited.Load() != 30 {
		t.Fatalf("rpm 30 across three replicas: %d accepted, %d refused; want 30 and 30", ok.Load(), limited.Load())
	}
}

func TestParallelIsOneLimitAcrossReplicas(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 4, ChunkDelay: 25 * time.Millisecond})
	ws := replicas(t, fake, "")
	key, _ := ws[0].NewKey(t, map[string]any{"max_parallel_requests": 2})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i%3].Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody)
		}()
	}
	wg.Wait()
	if fake.MaxInFlight() > 2 {
		t.Fatalf("%d calls in flight at the backend across three replicas; the key allows 2", fake.MaxInFlight())
	}
}

func TestUnreachableRedisFailsClosedOrOpen(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	fake := fakellm.StartTB(t, fakellm.Options{})
	for _, tc := range []struct {
		mode   string
		status int
	}{{"fail_closed", 503}, {"fail_open", 200}} {
		t.Run(tc.mode, func(t *testing.T) {
			cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}},
				"limits: {redis_url: \""+dead+"\", fail_mode: "+tc.mode+"}\nauth_failures: {max_failures: 0}\n")
			w := testkit.Start(t, cfg, nil)
			key, _ := w.NewKey(t, map[string]any{"rpm_limit": 5})
			s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, chatBody)
			if s != tc.status {
				t.Fatalf("%s with Redis down: %d %s", tc.mode, s, body)
			}
			unlimited, _ := w.NewKey(t, nil)
			if s, _, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", unlimited, chatBody); s != 200 {
				t.Fatalf("a key without limits needs no Redis: %d", s)
			}
			ready, _, _ := w.Do(t, http.MethodGet, "/readyz", "", nil)
			if want := map[string]int{"fail_closed": 503, "fail_open": 200}[tc.mode]; ready != want {
				t.Fatalf("readyz with Redis down and %s: %d, want %d", tc.mode, ready, want)
			}
		})
	}
}
