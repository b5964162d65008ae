package h1server

import (
	"bufio"
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// checkAgainstNetHTTP fails when parseHead accepts a head that net/http reads differently (or
// refuses): the fast path must never see a request other than the one net/http would see.
func checkAgainstNetHTTP(t *testing.T, raw []byte) verdict {
	t.Helper()
	h, v := parseHead(raw)
	if v != complete {
		return v
	}
	r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("fast path accepted what net/http refuses (%v):\n%q", err, raw)
	}
	got := []any{h.method, h.url.String(), h.url.Path, h.url.RawPath, h.url.RawQuery, h.host, h.contentLength, h.close, h.target}
	want := []any{r.Method, r.URL.String(), r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Host, r.ContentLength, r.Close, r.RequestURI}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("request differs from net/http's on %q:\n got  %v\n want %v", raw, got, want)
	}
	if !reflect.DeepEqual(h.header, r.Header) {
		t.Fatalf("header differs from net/http's on %q:\n got  %v\n want %v", raw, h.header, r.Header)
	}
	if h.n != len(raw)-len(raw[bytes.Index(raw, crlfcrlf)+4:]) {
		t.Fatalf("head length %d is wrong for %q", h.n, raw)
	}
	return v
}

func TestParseHeadAgreesWithNetHTTP(t *testing.T) {
	ok := []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nAuthorization: Bearer sk-x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"model\":1}",
		"GET /key/info?key=sk-1&x=%20y HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a%2Fb/c HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /x HTTP/1.1\r\nhost: h\r\ncontent-type:  text/plain \r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n",
		"DELETE /api/delete HTTP/1.1\r\nHost: [::1]:4000\r\nConnection: close\r\n\r\n",
		"PATCH /p HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive\r\nContent-Length: 007\r\n\r\n",
		"OPTIONS /v1/models HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n",
		"GET //double HTTP/1.1\r\nHost: h\r\n\r\n",
	}
	for _, raw := range ok {
		if v := checkAgainstNetHTTP(t, []byte(raw)); v != complete {
			t.Errorf("verdict %d, want the fast path for %q", v, raw)
		}
	}
}

func TestParseHeadLeavesTheUnusualToNetHTTP(t *testing.T) {
	cases := map[string]string{
		"HEAD":                    "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
		"HTTP/1.0":                "GET / HTTP/1.0\r\nHost: h\r\n\r\n",
		"chunked body":            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
		"100-continue":            "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
		"upgrade":                 "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		"two lengths":             "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"signed length":           "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n",
		"no host":                 "GET / HTTP/1.1\r\n\r\n",
		"two hosts":               "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"absolute-form":           "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
		"asterisk":                "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
		"obs-fold":                "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n",
		"bare LF in value":        "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\n2\r\n\r\n",
		"space before colon":      "GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n",
		"control in value":        "GET / HTTP/1.1\r\nHost: h\r\nX-A: \x01\r\n\r\n",
		"fragment":                "GET /#x HTTP/1.1\r\nHost: h\r\n\r\n",
		"lower-case method":       "get / HTTP/1.1\r\nHost: h\r\n\r\n",
		"extra space":             "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
		"trailer":                 "GET / HTTP/1.1\r\nHost: h\r\nTrailer: X\r\n\r\n",
		"connection token":        "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo\r\n\r\n",
		"non-ASCII target":        "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
		"host with user":          "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n",
		"host with a space":       "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"bare LF line ends":       "GET / HTTP/1.1\nHost: h\n\n\r\n\r\n",
		"invalid percent-escape":  "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n",
		"TE header":               "GET / HTTP/1.1\r\nHost: h\r\nTE: trailers\r\n\r\n",
		"length with white space": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n",
	}
	for name, raw := range cases {
		if _, v := parseHead([]byte(raw)); v != fallback {
			t.Errorf("%s: verdict %d, want fallback to net/http", name, v)
		}
	}
	if _, v := parseHead([]byte("GET / HTTP/1.1\r\nHost: h\r\n")); v != incomplete {
		t.Errorf("a head without its blank line: verdict %d, want incomplete", v)
	}
	many := "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X-A: 1\r\n", maxFields) + "\r\n"
	if _, v := parseHead([]byte(many)); v != fallback {
		t.Errorf("more than %d fields: verdict %d, want fallback", maxFields, v)
	}
}

func BenchmarkParseHead(b *testing.B) {
	raw := []byte("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nUser-Agent: OpenAI/Go 3.9.0\r\n" +
		"Authorization: Bearer sk-wd-L8yHgAiI8EhkY5yjo7SlpGFxMmqjrIpu\r\nContent-Type: application/json\r\n" +
		"Accept: application/json\r\nContent-Length: 97\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, v := parseHead(raw); v != complete {
			b.Fatal(v)
		}
	}
}

func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /v1/x?y=1 HTTP/1.1\r\nhost: a:1\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi",
		"GET /a%2Fb HTTP/1.1\r\nHost: h\r\nX: 1\r\nx: 2\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkAgainstNetHTTP(t, raw)
	})
}
