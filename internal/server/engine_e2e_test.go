package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// rawCall sends one request as raw bytes on a new connection and reads the answer.
func rawCall(t *testing.T, base, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	req := &http.Request{Method: raw[:strings.IndexByte(raw, ' ')]}
	resp, err := http.ReadResponse(br, req)
	for err == nil && resp.StatusCode < 200 { // 100 Continue
		resp, err = http.ReadResponse(br, req)
	}
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer body: %v", err)
	}
	return resp, string(b)
}

// Both engines serve the same calls, and the fast engine hands the request shapes it does not
// take (chunked and 100-continue bodies, HEAD) to net/http rather than refusing them.
func TestBothEnginesServeEveryRequestShape(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	chat := `{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}]}`
	for _, engine := range []string{"fast", "net/http"} {
		t.Run(strings.ReplaceAll(engine, "/", "-"), func(t *testing.T) {
			cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}}, "server: {engine: "+engine+"}\n")
			w := testkit.Start(t, cfg, nil)
			key, _ := w.NewKey(t, nil)
			auth := "Authorization: Bearer " + key + "\r\n"
			head := "POST /v1/chat/completions HTTP/1.1\r\nHost: warden\r\nContent-Type: application/json\r\n" + auth
			chunked := strconv.FormatInt(int64(len(chat)), 16) + "\r\n" + chat + "\r\n0\r\n\r\n"
			cases := map[string]string{
				"content-length": head + "Content-Length: " + strconv.Itoa(len(chat)) + "\r\n\r\n" + chat,
				"chunked":        head + "Transfer-Encoding: chunked\r\n\r\n" + chunked,
				"100-continue":   head + "Expect: 100-continue\r\nContent-Length: " + strconv.Itoa(len(chat)) + "\r\n\r\n" + chat,
				"lower-case names and Connection: close": "POST /v1/chat/completions HTTP/1.1\r\nhost: warden\r\nconnection: close\r\n" +
					"authorization: Bearer " + key + "\r\ncontent-length: " + strconv.Itoa(len(chat)) + "\r\n\r\n" + chat,
			}
			for name, raw := range cases {
				resp, body := rawCall(t, w.URL, raw)
				if resp.StatusCode != 200 || !strings.Contains(body, `"choices"`) {
					t.Errorf("%s: %d %s", name, resp.StatusCode, body)
				}
				if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Request-Id") == "" {
					t.Errorf("%s: answer lacks the security headers or the request id: %v", name, resp.Header)
				}
			}
			// A smuggling-shaped request is refused, not guessed at.
			resp, _ := rawCall(t, w.URL, head+"Content-Length: 5\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n"+chunked)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("two Content-Lengths and Transfer-Encoding: status %d, want 400", resp.StatusCode)
			}
			resp, _ = rawCall(t, w.URL, "HEAD /healthz HTTP/1.1\r\nHost: warden\r\n\r\n")
			if resp.StatusCode != 200 {
				t.Errorf("HEAD /healthz: %d", resp.StatusCode)
			}
		})
	}
}
