package server_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// from returns a client whose connections come from the loopback address local.
func from(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
		return d.DialContext(ctx, n, a)
	}}}
}

func call(t *testing.T, c *http.Client, url, path, key, xff string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(chatBody))
	req.Header.Set("Authorization", "Bearer "+key)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String(), resp.Header
}

func TestRepeatedBadKeysBanTheClientOnly(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, "auth_failures: {max_failures: 3, window: 1m, ban: 5m}\n")
	w := testkit.Start(t, cfg, nil)
	good, _ := w.NewKey(t, nil)
	attacker, bystander := from("127.0.0.2"), from("127.0.0.3")
	for i := range 3 {
		if s, _, _ := call(t, attacker, w.URL, "/v1/chat/completions", "sk-wd-guess"+string(rune('a'+i)), ""); s != 401 {
			t.Fatalf("bad key %d: %d", i, s)
		}
	}
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		s, body, h := call(t, attacker, w.URL, path, good, "")
		if s != 429 || h.Get("Retry-After") == "" || !strings.Contains(body, "failed authentication") {
			t.Fatalf("%s from a banned client, even with a good key: %d %s (Retry-After %q)", path, s, body, h.Get("Retry-After"))
		}
		checkDialect(t, path, []byte(body))
	}
	if s, body, _ := call(t, bystander, w.URL, "/v1/chat/completions", good, ""); s != 200 {
		t.Fatalf("another client is affected by the ban: %d %s", s, body)
	}
	// A missing key is not a guess: it does not count.
	for range 5 {
		call(t, bystander, w.URL, "/v1/chat/completions", "", "")
	}
	if s, _, _ := call(t, bystander, w.URL, "/v1/chat/completions", good, ""); s != 200 {
		t.Fatalf("requests without a key banned a client: %d", s)
	}
}

func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}},
		"auth_failures: {max_failures: 2}\ntrusted_proxies: [127.0.0.4]\n")
	w := testkit.Start(t, cfg, nil)
	good, _ := w.NewKey(t, nil)
	proxy, direct := from("127.0.0.4"), from("127.0.0.5")
	for range 2 {
		call(t, proxy, w.URL, "/v1/chat/completions", "sk-wd-wrong", "203.0.113.9")
	}
	if s, _, _ := call(t, proxy, w.URL, "/v1/chat/completions", good, "203.0.113.9"); s != 429 {
		t.Fatalf("the client behind the proxy is not banned: %d", s)
	}
	if s, _, _ := call(t, proxy, w.URL, "/v1/chat/completions", good, "198.51.100.7"); s != 200 {
		t.Fatalf("another client behind the same proxy is banned: %d", s)
	}
	// A direct client cannot borrow an innocent address, nor shed its own, with the header.
	for range 2 {
		call(t, direct, w.URL, "/v1/chat/completions", "sk-wd-wrong", "198.51.100.7")
	}
	if s, _, _ := call(t, direct, w.URL, "/v1/chat/completions", good, "192.0.2.1"); s != 429 {
		t.Fatalf("a direct client escaped its ban with X-Forwarded-For: %d", s)
	}
	if s, _, _ := call(t, proxy, w.URL, "/v1/chat/completions", good, "198.51.100.7"); s != 200 {
		t.Fatalf("a direct client's forged header banned an innocent address: %d", s)
	}
}
