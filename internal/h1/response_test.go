package h1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// source hands out data in pieces of at most step bytes (all at once when step is 0) and
// counts what it handed out.
type source struct {
	data []byte
	step int
	read int
}

func (s *source) Read(p []byte) (int, error) {
	if s.read == len(s.data) {
		return 0, io.EOF
	}
	if s.step > 0 && len(p) > s.step {
		p = p[:s.step]
	}
	n := copy(p, s.data[s.read:])
	s.read += n
	return n, nil
}

// outcome is what the gateway sees of one response: the fields it uses, the body, and where
// the connection is left.
type outcome struct {
	StatusCode       int
	Status           string
	Header           http.Header
	ContentLength    int64
	TransferEncoding []string
	Close            bool
	Trailer          http.Header
	Body             string
	BodyErr          bool // the body ended in an error rather than io.EOF
	Next             int  // offset of the next response when the body ended cleanly, else -1
}

func (o outcome) String() string {
	return fmt.Sprintf("%d %q cl=%d te=%q close=%v hdr=%v trailer=%v body=%q err=%v next=%d",
		o.StatusCode, o.Status, o.ContentLength, o.TransferEncoding, o.Close, o.Header, o.Trailer,
		o.Body, o.BodyErr, o.Next)
}

func collect(resp *http.Response, src *source, br *bufio.Reader) outcome {
	o := outcome{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header,
		ContentLength: resp.ContentLength, TransferEncoding: resp.TransferEncoding, Close: resp.Close}
	body, err := io.ReadAll(resp.Body)
	o.Body, o.BodyErr, o.Next = string(body), err != nil, -1
	if err == nil {
		o.Next = src.read - br.Buffered()
	}
	o.Trailer = resp.Trailer
	return o
}

// ours parses raw with readResponse; fast reports whether it stayed off http.ReadResponse.
func ours(raw []byte, method string, step int) (o outcome, fast bool, err error) {
	src := &source{data: raw, step: step}
	br := bufio.NewReaderSize(src, 16<<10)
	br.Peek(1) // as roundTrip does before parsing
	resp, rb, err := readResponse(br, method)
	if err != nil {
		return o, false, err
	}
	return collect(resp, src, br), rb != nil, nil
}

func theirs(raw []byte, method string, step int) (outcome, error) {
	src := &source{data: raw, step: step}
	br := bufio.NewReaderSize(src, 16<<10)
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return outcome{}, err
	}
	return collect(resp, src, br), nil
}

// differ compares the two parsers on raw, returning a description of any disagreement and
// whether the fast path took it.
func differ(raw []byte, method string, step int) (problem string, fast bool) {
	want, werr := theirs(raw, method, step)
	got, fast, gerr := ours(raw, method, step)
	switch {
	case fast && werr != nil:
		return fmt.Sprintf("fast path accepted what net/http refuses (%v):\n%v", werr, got), fast
	case !fast && (werr == nil) != (gerr == nil):
		return fmt.Sprintf("fallback: error %v, net/http %v", gerr, werr), fast
	case werr == nil && !reflect.DeepEqual(got, want):
		return fmt.Sprintf("\n got %v\nwant %v", got, want), fast
	}
	return "", fast
}

const (
	hdrs = "Content-Type: application/json\r\nDate: Sun, 23 Nov 2025 11:00:00 GMT\r\n"
)

var fastCases = []struct {
	name, method, raw string
}{
	{"content-length", "POST", "HTTP/1.1 200 OK\r\n" + hdrs + "Content-Length: 11\r\n\r\n{\"ok\":true}"},
	{"content-length zero", "POST", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{"leading zeros", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc"},
	{"content-length short", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
	{"pipelined next answer", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n"},
	{"chunked", "POST", "HTTP/1.1 200 OK\r\n" + hdrs + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"},
	{"chunked upper case", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n2\r\nhi\r\n0\r\n\r\n"},
	{"chunked extensions", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nhi\r\n0;last\r\n\r\n"},
	{"chunked trailers", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Usage: 12\r\nx-other: a\r\n\r\n"},
	{"chunked folded trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\n 2\r\n\r\n"},
	{"chunked bad trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nno colon\r\n\r\n"},
	{"chunked unterminated trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-A: 1\r\n"},
	{"chunked truncated", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"},
	{"chunked bad size", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
	{"until close", "GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\r\n"},
	{"no headers", "GET", "HTTP/1.1 200 OK\r\n\r\nbody"},
	{"no reason", "GET", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx"},
	{"odd reason", "GET", "HTTP/1.1 404  Not\tFound \xff\r\nContent-Length: 1\r\n\r\nx"},
	{"204", "DELETE", "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"},
	{"204 with length", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"},
	{"204 chunked", "GET", "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"},
	{"304", "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 100\r\n\r\n"},
	{"HEAD with length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"},
	{"HEAD without length", "HEAD", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"},
	{"HEAD chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
	{"duplicate headers", "GET", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nVary: x\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\nContent-Length: 0\r\n\r\n"},
	{"non-canonical names", "GET", "HTTP/1.1 200 OK\r\ncontent-TYPE: a\r\nx-request-id: b\r\nWWW-authenticate: c\r\nx_y: d\r\nCONTENT-LENGTH: 1\r\n\r\nx"},
	{"token names", "GET", "HTTP/1.1 200 OK\r\nX!#$%&'*+.^_`|~9: v\r\n1a: w\r\nContent-Length: 0\r\n\r\n"},
	{"value whitespace", "GET", "HTTP/1.1 200 OK\r\nA:no-space\r\nB:  \t padded \t \r\nC:\r\nD: in  ner\r\nE: \xc3\xa9\r\nContent-Length: 0\r\n\r\n"},
	{"connection close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
	{"connection keep-alive", "GET", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"},
	{"connection list", "GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive , CLOSE\r\nconnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
	{"pragma", "GET", "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 0\r\n\r\n"},
	{"pragma and cache-control", "GET", "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nCache-Control: max-age=1\r\nContent-Length: 0\r\n\r\n"},
	{"trailer header without chunks", "GET", "HTTP/1.1 200 OK\r\nTrailer: X-A\r\nContent-Length: 0\r\n\r\n"},
	{"599", "GET", "HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n"},
	{"long header", "GET", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("v", 15000) + "\r\nContent-Length: 0\r\n\r\n"},
}

var fallbackCases = []struct {
	name, method, raw string
}{
	{"HTTP/1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"HTTP/1.0 keep-alive", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
	{"HTTP/2.0", "GET", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"obs-fold", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok"},
	{"leading space", "GET", "HTTP/1.1 200 OK\r\n X-A: 1\r\nContent-Length: 2\r\n\r\nok"},
	{"bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"},
	{"bare LF in headers", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nok"},
	{"bare CR", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 2\r\n\r\nok"},
	{"two content-lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
	{"two different content-lengths", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"},
	{"content-length list", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"},
	{"content-length sign", "GET", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"},
	{"content-length empty", "GET", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nok"},
	{"content-length huge", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok"},
	{"CL and TE", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{"TE gzip, chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{"TE identity", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nok"},
	{"two TE lines", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
	{"declared trailer", "GET", "HTTP/1.1 200 OK\r\nTrailer: X-A\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-A: 1\r\n\r\n"},
	{"100 continue", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	{"103 early hints", "GET", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"},
	{"status 600", "GET", "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n"},
	{"status 099", "GET", "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n"},
	{"status 2 digits", "GET", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"},
	{"status glued", "GET", "HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n"},
	{"two spaces before status", "GET", "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"},
	{"control in reason", "GET", "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n"},
	{"space before colon", "GET", "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n"},
	{"empty name", "GET", "HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 0\r\n\r\n"},
	{"no colon", "GET", "HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 0\r\n\r\n"},
	{"non-token name", "GET", "HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 0\r\n\r\n"},
	{"control in value", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\x00\r\nContent-Length: 0\r\n\r\n"},
	{"DEL in value", "GET", "HTTP/1.1 200 OK\r\nX-A: 1\x7f\r\nContent-Length: 0\r\n\r\n"},
	{"connection upgrade", "GET", "HTTP/1.1 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n"},
	{"connection empty element", "GET", "HTTP/1.1 200 OK\r\nConnection: close,\r\nContent-Length: 0\r\n\r\n"},
	{"connection names a header", "GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-A\r\nContent-Length: 0\r\n\r\n"},
	{"head over 16 KiB", "GET", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("v", 17000) + "\r\nContent-Length: 0\r\n\r\n"},
	{"truncated head", "GET", "HTTP/1.1 200 OK\r\nContent-Len"},
	{"garbage", "GET", "hello\r\n\r\n"},
}

func TestFastPathMatchesReadResponse(t *testing.T) {
	for _, tc := range fastCases {
		for _, step := range []int{0, 1, 3, 7, 4096} {
			problem, fast := differ([]byte(tc.raw), tc.method, step)
			if !fast {
				t.Errorf("%s (step %d): fell back to net/http", tc.name, step)
			}
			if problem != "" {
				t.Errorf("%s (step %d): %s", tc.name, step, problem)
			}
		}
	}
}

func TestUnusualAnswersFallBackToReadResponse(t *testing.T) {
	for _, tc := range fallbackCases {
		for _, step := range []int{0, 1, 5} {
			problem, fast := differ([]byte(tc.raw), tc.method, step)
			if fast {
				t.Errorf("%s (step %d): parsed on the fast path", tc.name, step)
			}
			if problem != "" {
				t.Errorf("%s (step %d): %s", tc.name, step, problem)
			}
		}
	}
}

func TestFastPathLeavesTheConnectionAtTheNextAnswer(t *testing.T) {
	// Two answers back to back, as on a reused connection: after the first body, the second
	// parses from the same reader.
	first := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n"
	second := "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc"
	br := bufio.NewReaderSize(&source{data: []byte(first + second), step: 5}, 16<<10)
	for i, want := range []string{"hi", "abc"} {
		resp, rb, err := readResponse(br, "GET")
		if err != nil || rb == nil {
			t.Fatalf("answer %d: fast=%v err=%v", i, rb != nil, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || string(body) != want {
			t.Fatalf("answer %d: body %q, %v", i, body, err)
		}
		if i == 0 && resp.Trailer.Get("X-T") != "1" {
			t.Fatalf("trailer %v", resp.Trailer)
		}
	}
}

func TestFastPathAllocatesLess(t *testing.T) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 23 Nov 2025 11:00:00 GMT\r\n" +
		"X-Request-Id: req_abcdef\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
	rd := bytes.NewReader(raw)
	br := bufio.NewReaderSize(rd, 16<<10)
	run := func(parse func() (*http.Response, error)) float64 {
		return testing.AllocsPerRun(100, func() {
			rd.Reset(raw)
			br.Reset(rd)
			resp, err := parse()
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
		})
	}
	ourAllocs := run(func() (*http.Response, error) {
		resp, _, err := readResponse(br, "POST")
		return resp, err
	})
	theirAllocs := run(func() (*http.Response, error) { return http.ReadResponse(br, &http.Request{Method: "POST"}) })
	t.Logf("allocations per response: fast path %.0f, http.ReadResponse %.0f", ourAllocs, theirAllocs)
	if ourAllocs > theirAllocs-5 {
		t.Fatalf("fast path makes %.0f allocations, http.ReadResponse %.0f", ourAllocs, theirAllocs)
	}
}

func FuzzResponseHead(f *testing.F) {
	for _, tc := range fastCases {
		if len(tc.raw) < 1000 { // the long heads make every mutation slow
			f.Add([]byte(tc.raw), uint8(0), tc.method == "HEAD")
		}
	}
	for _, tc := range fallbackCases {
		if len(tc.raw) < 1000 {
			f.Add([]byte(tc.raw), uint8(3), tc.method == "HEAD")
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, step uint8, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		if problem, _ := differ(raw, method, int(step%16)); problem != "" {
			t.Fatalf("%q: %s", raw, problem)
		}
	})
}
