package h1server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// start serves h on a loopback port and returns the server and its address.
func start(t *testing.T, h http.Handler, opt ...func(*Server)) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}
	for _, o := range opt {
		o(s)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s, ln.Addr().String()
}

// engine answers which server ran the handler: net/http puts itself in the context.
func engine(r *http.Request) string {
	if r.Context().Value(http.ServerContextKey) != nil {
		return "net/http"
	}
	return "fast"
}

// dial opens a raw connection and returns it with a reader for answers.
func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func readAnswer(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	for err == nil && resp.StatusCode < 200 { // 100 Continue
		resp, err = http.ReadResponse(br, &http.Request{Method: method})
	}
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return resp, string(b)
}

func TestHandlerSeesTheRequestAsNetHTTPWould(t *testing.T) {
	var got *http.Request
	var body string
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: gw:4000\r\nauthorization: Bearer k\r\nContent-Length: 5\r\n\r\nhello")
	resp, answer := readAnswer(t, br, "POST")
	if resp.StatusCode != 200 || answer != `{"ok":true}` || resp.ContentLength != int64(len(answer)) {
		t.Fatalf("answer %d %q (length %d)", resp.StatusCode, answer, resp.ContentLength)
	}
	if resp.Header.Get("Date") == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answer header %v lacks Date or Content-Type", resp.Header)
	}
	if engine(got) != "fast" || got.Method != "POST" || got.URL.Path != "/v1/chat/completions" || got.URL.RawQuery != "x=1" ||
		got.Host != "gw:4000" || got.Header.Get("Authorization") != "Bearer k" || got.ContentLength != 5 || body != "hello" ||
		got.RemoteAddr != c.LocalAddr().String() || got.RequestURI != "/v1/chat/completions?x=1" {
		t.Fatalf("handler saw %s %s %+v (engine %s, body %q)", got.Method, got.URL, got, engine(got), body)
	}
}

func TestKeepAliveAndPipelinedRequests(t *testing.T) {
	var n atomic.Int32
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte(r.URL.Path + ":" + string(b) + ":" + engine(r)))
		n.Add(1)
	}))
	c, br := dial(t, addr)
	// Three requests in one write, the second with a body the handler reads.
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: h\r\n\r\n")
	for _, want := range []string{"/a::fast", "/b:xyz:fast", "/c::fast"} {
		if _, got := readAnswer(t, br, "GET"); got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
	io.WriteString(c, "GET /d HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, got := readAnswer(t, br, "GET"); got != "/d::fast" {
		t.Fatalf("fourth answer on the same connection: %q", got)
	}
}

func TestUnreadBodyIsDrainedOrTheConnectionClosed(t *testing.T) {
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ignored the body"))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, br, "POST")
	if _, got := readAnswer(t, br, "GET"); got != "ignored the body" {
		t.Fatalf("the request after an unread body got %q", got)
	}
	// A body too large to drain ends the connection after the answer, which says so.
	c2, br2 := dial(t, addr)
	io.WriteString(c2, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\n\r\nabc")
	resp, _ := readAnswer(t, br2, "POST")
	if _, err := br2.ReadByte(); err != io.EOF {
		t.Fatalf("connection still open after an undrained 100 MB body (err %v, close %v)", err, resp.Close)
	}
}

func TestFlushedOrLargeAnswersAreChunked(t *testing.T) {
	big := strings.Repeat("x", 3*bufferBeforeChunking)
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			for i := 0; i < 3; i++ {
				w.Write([]byte("data: x\n\n"))
				w.(http.Flusher).Flush()
			}
		case "/big":
			w.Write([]byte(big[:10]))
			w.Write([]byte(big[10:]))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n")
	resp, got := readAnswer(t, br, "GET")
	if len(resp.TransferEncoding) != 1 || got != strings.Repeat("data: x\n\n", 3) {
		t.Fatalf("stream: encoding %v, body %q", resp.TransferEncoding, got)
	}
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, got = readAnswer(t, br, "GET"); len(resp.TransferEncoding) != 1 || got != big {
		t.Fatalf("big answer: encoding %v, %d bytes", resp.TransferEncoding, len(got))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("an answer without Content-Type is sniffed as net/http does, got %q", ct)
	}
	io.WriteString(c, "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n")
	if resp, got = readAnswer(t, br, "GET"); resp.StatusCode != 204 || got != "" || resp.Header.Get("Content-Length") != "" {
		t.Fatalf("204: %d %q %v", resp.StatusCode, got, resp.Header)
	}
}

func TestHeaderCannotBeInjected(t *testing.T) {
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Echo"] = []string{"a\r\nX-Injected: 1\r\n\r\nbody"}
		w.Header()["Bad Name"] = []string{"1"}
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Late", "not sent: after WriteHeader")
		w.Write([]byte("ok"))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp, got := readAnswer(t, br, "GET")
	if resp.StatusCode != 202 || got != "ok" || resp.Header.Get("X-Injected") != "" || resp.Header.Get("X-Late") != "" ||
		resp.Header.Get("Bad Name") != "" || resp.Header.Get("X-Echo") != "a  X-Injected: 1    body" {
		t.Fatalf("answer %d %q with header %v", resp.StatusCode, got, resp.Header)
	}
}

func TestUnusualRequestsAreServedByNetHTTP(t *testing.T) {
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Engine", engine(r))
		w.Write(b)
	}))
	cases := []struct{ name, req, method, engine, body string }{
		{"chunked body", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "POST", "net/http", "abc"},
		{"100-continue", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", "POST", "net/http", "hi"},
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD", "net/http", ""},
		{"HTTP/1.0", "GET / HTTP/1.0\r\nHost: h\r\n\r\n", "GET", "net/http", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, addr)
			io.WriteString(c, tc.req)
			resp, got := readAnswer(t, br, tc.method)
			if resp.StatusCode != 200 || resp.Header.Get("X-Engine") != tc.engine || got != tc.body {
				t.Fatalf("answer %d from %q: %q", resp.StatusCode, resp.Header.Get("X-Engine"), got)
			}
		})
	}
	// Refusals are net/http's own.
	for name, req := range map[string]string{
		"two lengths": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"no host":     "GET / HTTP/1.1\r\n\r\n",
		"bad field":   "GET / HTTP/1.1\r\nHost: h\r\nX A: 1\r\n\r\n",
	} {
		c, br := dial(t, addr)
		io.WriteString(c, req)
		if resp, _ := readAnswer(t, br, "GET"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
	// A connection handed to net/http stays there, on keep-alive too.
	c, br := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, br, "POST")
	if resp, _ := readAnswer(t, br, "GET"); resp.Header.Get("X-Engine") != "net/http" {
		t.Fatalf("second request on a handed-over connection served by %q", resp.Header.Get("X-Engine"))
	}
}

func TestClientHangUpCancelsTheCall(t *testing.T) {
	cancelled := make(chan bool, 1)
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
			cancelled <- true
		case <-time.After(5 * time.Second):
			cancelled <- false
		}
	}))
	c, _ := dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
	time.Sleep(2 * watchAfter) // the call is running
	c.Close()
	if !<-cancelled {
		t.Fatal("the handler's context was not cancelled when the client hung up")
	}
}

func TestSlowHeadIsCutAtTheHeaderTimeout(t *testing.T) {
	_, addr := start(t, http.NotFoundHandler(), func(s *Server) { s.ReadHeaderTimeout = 100 * time.Millisecond })
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n") // and never the blank line
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection with an unfinished head: %v, want it closed", err)
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	_, addr := start(t, http.NotFoundHandler(), func(s *Server) { s.IdleTimeout = 100 * time.Millisecond })
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, br, "GET")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want it closed", err)
	}
}

func TestPanicClosesOnlyItsConnection(t *testing.T) {
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		w.Write([]byte("fine"))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after a panic: %v, want the connection closed", err)
	}
	c2, br2 := dial(t, addr)
	io.WriteString(c2, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	if _, got := readAnswer(t, br2, "GET"); got != "fine" {
		t.Fatalf("next connection got %q", got)
	}
}

func TestShortAnswerClosesTheConnection(t *testing.T) {
	late := make(chan error, 1)
	var saved http.ResponseWriter
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			_, err := saved.Write([]byte("x"))
			late <- err
			return
		}
		saved = w
		w.Header().Set("Content-Length", "10")
		w.Write([]byte("12345"))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != io.ErrUnexpectedEOF || string(b) != "12345" {
		t.Fatalf("short answer: %q, %v; want the 5 bytes then the connection closed", b, err)
	}
	c2, br2 := dial(t, addr)
	io.WriteString(c2, "GET /late HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, br2, "GET")
	if err := <-late; err == nil {
		t.Fatal("a write through the writer of a finished request succeeded")
	}
}

func TestShutdownFinishesRunningCalls(t *testing.T) {
	running, release := make(chan struct{}), make(chan struct{})
	s, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(running)
			<-release
		}
		w.Write([]byte("done"))
	}))
	idle, ibr := dial(t, addr)
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	readAnswer(t, ibr, "GET")
	busy, bbr := dial(t, addr)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
	<-running
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection during shutdown: %v, want it closed", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a call was running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	resp, got := readAnswer(t, bbr, "GET")
	if got != "done" || !resp.Close {
		t.Fatalf("running call's answer %q (Connection: close %v)", got, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

func TestWritesOfEverySizeArriveWhole(t *testing.T) {
	// Sizes around the output buffer's edge, with and without flushes, and with a
	// declared Content-Length: what the client reads is exactly what was written.
	sizes := []int{1, 4000, 95, 5000, 3, 4096, 4097, 20000, 0, 1, 4093}
	want := make([]byte, 0, 45000)
	for i, n := range sizes {
		for j := 0; j < n; j++ {
			want = append(want, byte('a'+(i+j)%26))
		}
	}
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/declared" {
			w.Header().Set("Content-Length", strconv.Itoa(len(want)))
		}
		off := 0
		for i, n := range sizes {
			w.Write(want[off : off+n])
			off += n
			if i%3 == 1 {
				w.(http.Flusher).Flush()
			}
		}
	}))
	c, br := dial(t, addr)
	for _, path := range []string{"/chunked", "/declared", "/chunked"} {
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: h\r\n\r\n")
		resp, got := readAnswer(t, br, "GET")
		if got != string(want) {
			t.Fatalf("%s: got %d bytes, want %d (first difference at %d)", path, len(got), len(want), firstDiff(got, string(want)))
		}
		if chunked := len(resp.TransferEncoding) == 1; chunked != (path == "/chunked") {
			t.Errorf("%s: chunked %v", path, chunked)
		}
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Shutdown closes idle connections, but not one whose last answer still waits to go out with
// its next read.
func TestShutdownKeepsAnIdleConnectionWithAnAnswerToSend(t *testing.T) {
	nc, peer := tcpPair(t)
	s := &Server{conns: map[*conn]struct{}{}}
	c := newConn(s, nc)
	s.conns[c] = struct{}{}
	lw, ok := c.nc.(laterWriter)
	if !ok {
		t.Skip("this platform's connections cannot send with their next read")
	}
	lw.WriteOnRead([]byte("the end"), nil)
	c.idle.Store(true)
	s.closeIdle()
	if err := lw.WritePending(); err != nil {
		t.Fatalf("the connection was closed with its answer unsent: %v", err)
	}
	c.nc.Close()
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := io.ReadAll(peer); err != nil || string(got) != "the end" {
		t.Fatalf("the client got %q, %v", got, err)
	}
	// Without anything to send, an idle connection is closed.
	nc2, _ := tcpPair(t)
	c2 := newConn(s, nc2)
	s.conns[c2] = struct{}{}
	c2.idle.Store(true)
	s.closeIdle()
	if _, err := c2.nc.Write([]byte("x")); err == nil {
		t.Fatal("an idle connection with nothing to send stayed open")
	}
}

// tcpPair returns both ends of a new loopback connection: the accepted one and the dialled one.
func tcpPair(t *testing.T) (accepted, dialled net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return nc, peer
}

// A call long enough to be watched for a hang-up, still running when Shutdown starts, ends its
// connection when it is done: Shutdown returns then, not when its own deadline runs out.
func TestShutdownDoesNotWaitOnAWatchedCall(t *testing.T) {
	running, release := make(chan struct{}), make(chan struct{})
	s, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first\n"))
		w.(http.Flusher).Flush()
		close(running)
		<-release
		w.Write([]byte("last\n"))
	}))
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	<-running
	time.Sleep(5 * watchAfter) // the watcher reads ahead by now
	// Shorter than the server's read timeouts (5 s), which would end a stuck read-ahead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()
	time.Sleep(2 * watchAfter)
	close(release)
	if _, body := readAnswer(t, br, "GET"); body != "first\nlast\n" {
		t.Fatalf("answer %q", body)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v (it waited for the connection until its deadline)", err)
	}
}
