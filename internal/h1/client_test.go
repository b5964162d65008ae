package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server starts a test server and counts the connections it accepted.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func client(srv *httptest.Server, opt Options) *Client {
	addr := strings.TrimPrefix(srv.URL, "http://")
	opt.Addr, opt.Host = addr, addr
	return New(opt)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return string(b)
}

func TestRequestIsWrittenAsGiven(t *testing.T) {
	var got *http.Request
	var gotBody string
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	c := client(srv, Options{})
	resp, err := c.Do(context.Background(), "POST", "/v1/chat/completions",
		[]Header{{"X-Request-Id", "rid-1"}, {"Authorization", "Bearer k"}}, []byte(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); body != `{"ok":true}` || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if got.Method != "POST" || got.URL.Path != "/v1/chat/completions" || got.Host != c.opt.Host ||
		got.Header.Get("X-Request-Id") != "rid-1" || got.Header.Get("Authorization") != "Bearer k" ||
		got.ContentLength != int64(len(`{"model":"m"}`)) || gotBody != `{"model":"m"}` {
		t.Fatalf("server saw %s %s host %q headers %v body %q", got.Method, got.URL, got.Host, got.Header, gotBody)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" { // chunked, flushed in pieces
			for i := range 3 {
				fmt.Fprintf(w, "data: %d\n\n", i)
				w.(http.Flusher).Flush()
			}
			return
		}
		io.WriteString(w, "ok")
	})
	c := client(srv, Options{})
	for i := range 10 {
		path := "/plain"
		if i%2 == 1 {
			path = "/stream"
		}
		resp, err := c.Do(context.Background(), "GET", path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("10 sequential calls opened %d connections, want 1", n)
	}
}

func TestUnfinishedOrClosingAnswersAreNotReused(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, strings.Repeat("x", 100000))
	})
	c := client(srv, Options{})
	resp, err := c.Do(context.Background(), "GET", "/big", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close() // not read to the end: the connection must not go back to the pool
	resp, err = c.Do(context.Background(), "GET", "/close", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	resp, err = c.Do(context.Background(), "GET", "/big", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if n := conns.Load(); n != 3 {
		t.Fatalf("opened %d connections, want 3 (none reusable)", n)
	}
}

func TestStaleIdleConnectionIsRetriedOnce(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := client(srv, Options{})
	resp, err := c.Do(context.Background(), "POST", "/a", nil, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	srv.CloseClientConnections() // the backend closes the idle keep-alive connection
	time.Sleep(50 * time.Millisecond)
	resp, err = c.Do(context.Background(), "POST", "/a", nil, []byte("{}"))
	if err != nil {
		t.Fatalf("a closed idle connection was not retried: %v", err)
	}
	if body := readBody(t, resp); body != "ok" || conns.Load() != 2 {
		t.Fatalf("body %q after %d connections", body, conns.Load())
	}
}

func TestResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
	})
	defer close(release)
	c := client(srv, Options{ResponseHeaderTimeout: 50 * time.Millisecond})
	_, err := c.Do(context.Background(), "POST", "/slow", nil, []byte("{}"))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout error, got %v", err)
	}
}

func TestCancelInterruptsABlockedRead(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := client(srv, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := c.Do(ctx, "GET", "/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(buf)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("read after cancel succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not interrupt the read")
	}
	resp.Body.Close()
	if len(c.idle) != 0 {
		t.Fatal("a cancelled connection went back to the pool")
	}
}

func TestHeaderInjectionIsRefused(t *testing.T) {
	c := New(Options{Addr: "127.0.0.1:9", Host: "x"})
	for _, h := range []Header{{"X-Id", "a\r\nEvil: 1"}, {"X\nId", "a"}, {"X-Id", "a\x00"}} {
		if _, err := c.Do(context.Background(), "GET", "/", []Header{h}, nil); !errors.Is(err, ErrHeader) {
			t.Errorf("%q: %v", h, err)
		}
	}
}

func TestIdleConnectionsExpire(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := client(srv, Options{IdleTimeout: time.Millisecond})
	for range 2 {
		resp, err := c.Do(context.Background(), "GET", "/", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		time.Sleep(5 * time.Millisecond)
	}
	if conns.Load() != 2 {
		t.Fatalf("an expired idle connection was reused (%d connections)", conns.Load())
	}
	c.CloseIdle()
}

func TestRefusedConnectionIsADialError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := New(Options{Addr: addr, Host: addr}).Do(context.Background(), "GET", "/", nil, nil)
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("want a dial error, got %v", err)
	}
}

func TestAbortInterruptsAReadAndNeverPoisonsThePool(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "ok")
	})
	c := client(srv, Options{})
	resp, err := c.Do(context.Background(), "GET", "/hang", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 1))
	go resp.Body.(interface{ Abort() }).Abort()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("read after Abort succeeded")
	}
	// Abort after a complete answer must not touch the pooled connection.
	resp, err = c.Do(context.Background(), "GET", "/ok", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	resp.Body.(interface{ Abort() }).Abort()
	for range 3 {
		resp, err = c.Do(context.Background(), "GET", "/ok", nil, nil)
		if err != nil {
			t.Fatalf("pooled connection poisoned: %v", err)
		}
		readBody(t, resp)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the aborted one is not reused, the next one is)", n)
	}
}

func TestKeepAliveReuseThroughNetHTTPServer(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"n":`+r.URL.Query().Get("i")+`}`)
		case "/chunked": // flushed before the end, so net/http frames it chunked
			io.WriteString(w, "data: "+r.URL.Query().Get("i")+"\n\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, "data: [DONE]\n\n")
		case "/trailer": // chunked with a trailer field after the body
			w.Header().Set(http.TrailerPrefix+"X-Usage", r.URL.Query().Get("i"))
			w.(http.Flusher).Flush()
			io.WriteString(w, "done")
		}
	})
	c := client(srv, Options{})
	for i := range 300 {
		path := []string{"/length", "/chunked", "/trailer"}[i%3]
		resp, err := c.Do(context.Background(), "GET", fmt.Sprintf("%s?i=%d", path, i), nil, nil)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		switch rc := resp.Body.(*respBody).rc.(type) {
		case *clBody, *chunkedBody:
		default:
			t.Fatalf("call %d (%s) was parsed by net/http (body %T)", i, path, rc)
		}
		body := readBody(t, resp)
		var want string
		switch path {
		case "/length":
			want = fmt.Sprintf(`{"n":%d}`, i)
		case "/chunked":
			want = fmt.Sprintf("data: %d\n\ndata: [DONE]\n\n", i)
		case "/trailer":
			want = "done"
			if got := resp.Trailer.Get("X-Usage"); got != fmt.Sprint(i) {
				t.Fatalf("call %d: trailer X-Usage %q", i, got)
			}
		}
		if body != want {
			t.Fatalf("call %d: body %q, want %q", i, body, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("300 sequential calls opened %d connections, want 1", n)
	}
}

// rawServer answers every request with the canned response answer(path) and closes the
// connection after it when closeAfter says so; it counts accepted connections.
func rawServer(t *testing.T, answer func(path string) (resp string, closeAfter bool)) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int64)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					resp, closeAfter := answer(req.URL.Path)
					if _, err := io.WriteString(nc, resp); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), conns
}

func TestFramingDecidesReuse(t *testing.T) {
	answers := map[string]struct {
		resp       string
		closeAfter bool
		body       string
		reused     bool // the next call goes over the same connection
	}{
		"/length":      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, "ok", true},
		"/chunked":     {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nok\r\n0\r\nX-T: 1\r\n\r\n", false, "ok", true},
		"/204":         {"HTTP/1.1 204 No Content\r\n\r\n", false, "", true},
		"/close":       {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true, "ok", false},
		"/until-close": {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", true, "all of it", false},
		"/http10":      {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, "ok", false},
	}
	for path, a := range answers {
		addr, conns := rawServer(t, func(p string) (string, bool) {
			if p == "/next" {
				return "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext", false
			}
			return a.resp, a.closeAfter
		})
		c := New(Options{Addr: addr, Host: addr})
		resp, err := c.Do(context.Background(), "GET", path, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if body := readBody(t, resp); body != a.body {
			t.Fatalf("%s: body %q, want %q", path, body, a.body)
		}
		c.mu.Lock()
		pooled := len(c.idle) == 1
		c.mu.Unlock()
		if pooled != a.reused {
			t.Errorf("%s: connection pooled %v, want %v", path, pooled, a.reused)
		}
		resp, err = c.Do(context.Background(), "GET", "/next", nil, nil)
		if err != nil {
			t.Fatalf("%s, then /next: %v", path, err)
		}
		if body := readBody(t, resp); body != "next" {
			t.Fatalf("%s, then /next: body %q", path, body)
		}
		want := int64(2)
		if a.reused {
			want = 1
		}
		if n := conns.Load(); n != want {
			t.Errorf("%s: %d connections, want %d", path, n, want)
		}
	}
}

func TestBadTrailerIsAnErrorAndNotReused(t *testing.T) {
	addr, conns := rawServer(t, func(p string) (string, bool) {
		if p == "/bad" {
			return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nno colon here\r\n\r\n", false
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false
	})
	c := New(Options{Addr: addr, Host: addr})
	resp, err := c.Do(context.Background(), "GET", "/bad", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a malformed trailer read as a clean end of body")
	}
	resp.Body.Close()
	resp, err = c.Do(context.Background(), "GET", "/ok", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the one with the bad trailer is not reused)", n)
	}
}

func TestCancelEndsTheWaitForASlowAnswer(t *testing.T) {
	release := make(chan struct{})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		<-release // a model that thinks for a long time
	})
	defer close(release)
	c := client(srv, Options{ResponseHeaderTimeout: time.Minute})
	for _, after := range []time.Duration{time.Millisecond, 3 * watchAfter} { // before and after the hook is set
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(after, cancel)
		done := make(chan error, 1)
		go func() {
			_, err := c.Do(ctx, "POST", "/slow", nil, []byte("{}"))
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled after %v: err %v, want context.Canceled", after, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("cancelled after %v: the call still waits for its answer", after)
		}
	}
}

func TestShortResponseHeaderTimeoutStillApplies(t *testing.T) {
	release := make(chan struct{})
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	c := client(srv, Options{ResponseHeaderTimeout: watchAfter / 4})
	start := time.Now()
	_, err := c.Do(context.Background(), "POST", "/slow", nil, []byte("{}"))
	var te TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("want TimeoutError, got %v after %v", err, time.Since(start))
	}
}

func TestBufferedTellsWhetherTheBodyIsAllRead(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
	c := client(srv, Options{})
	for path, want := range map[string]bool{"/plain": true, "/stream": false} {
		resp, err := c.Do(context.Background(), "GET", path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // let a small answer arrive whole
		if got := resp.Body.(interface{ Buffered() bool }).Buffered(); got != want {
			t.Errorf("%s: Buffered() = %v, want %v", path, got, want)
		}
		readBody(t, resp)
	}
}
