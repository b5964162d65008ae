// Package h1server serves plain-TCP HTTP/1.1 on a lean fast path, and anything unusual with net/http.
package h1server

// net/http's server costs about a third of a proxied call's CPU on a small machine: a map clone
// and a sort of the response header, several deadline changes and a background read per request.
// The fast path parses only a strict subset of HTTP/1.1 (see parseHead) into an *http.Request
// and serves it with the same http.Handler; a connection whose request falls outside it (HEAD,
// chunked or 100-continue bodies, upgrades, HTTP/1.0, odd syntax, huge heads) is handed to the
// fallback net/http Server with the bytes already read, and stays there.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/warden-gw/warden/internal/sockio"
)

// Server serves HTTP/1.1 connections with Handler.
type Server struct {
	Handler           http.Handler
	ReadHeaderTimeout time.Duration // from the first byte of a request to the end of its head
	ReadTimeout       time.Duration // from the first byte of a request to the end of its body
	IdleTimeout       time.Duration // between requests on a keep-alive connection
	// Fallback serves connections outside the fast path; its Handler should be Handler. Serve
	// runs it on an internal listener, Shutdown and Close stop it.
	Fallback *http.Server
	Log      *slog.Logger

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	handoff  *chanListener
	shutting atomic.Bool
	done     chan struct{} // closed when the last connection ends during Shutdown
}

// headBuffer is the read buffer of a connection: a request head must fit in it to stay on the
// fast path (net/http takes larger ones, up to its MaxHeaderBytes).
const headBuffer = 16 << 10

// Serve accepts connections on ln until Shutdown or Close. It returns http.ErrServerClosed
// after those, or the listener's error.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.conns = map[*conn]struct{}{}
	s.handoff = newChanListener(ln.Addr())
	fb := s.Fallback
	if fb == nil {
		fb = &http.Server{Handler: s.Handler, ReadHeaderTimeout: s.ReadHeaderTimeout, ReadTimeout: s.ReadTimeout, IdleTimeout: s.IdleTimeout}
		s.Fallback = fb
	}
	s.mu.Unlock()
	go fb.Serve(s.handoff)
	stop := make(chan struct{})
	defer close(stop)
	go s.watchSlow(stop)
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.logf("accept error; retrying in %v: %v", delay, err)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := newConn(s, nc)
		if !s.track(c, true) {
			nc.Close()
			return http.ErrServerClosed
		}
		go c.serve()
	}
}

// track adds or removes a connection; adding fails once the server is shutting down.
func (s *Server) track(c *conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.shutting.Load() {
			return false
		}
		s.conns[c] = struct{}{}
		return true
	}
	delete(s.conns, c)
	if s.done != nil && len(s.conns) == 0 {
		close(s.done)
		s.done = nil
	}
	return true
}

// Shutdown stops accepting, closes idle connections, lets requests in progress finish (their
// connections close after the answer) and returns when all are done or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true)
	if s.ln != nil {
		s.ln.Close()
	}
	var done chan struct{}
	if len(s.conns) > 0 {
		done = make(chan struct{})
		s.done = done
	}
	s.mu.Unlock()
	fberr := make(chan error, 1)
	go func() { fberr <- s.fallback().Shutdown(ctx) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for done != nil {
		s.closeIdle()
		select {
		case <-done:
			done = nil
		case <-tick.C:
		case <-ctx.Done():
			<-fberr
			return ctx.Err()
		}
	}
	return <-fberr
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shutting.Store(true)
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	return s.fallback().Close()
}

func (s *Server) fallback() *http.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fallback == nil {
		s.Fallback = &http.Server{}
	}
	return s.Fallback
}

func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() && (c.out.lw == nil || !c.out.lw.HasPending()) {
			c.nc.Close()
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Warn(fmt.Sprintf(format, args...))
	}
}

// conn is one client connection on the fast path.
type conn struct {
	srv    *Server
	nc     net.Conn
	br     *bufio.Reader
	out    *outBuffer
	remote string

	idle      atomic.Bool // waiting for a request: Shutdown may close it
	handedOff bool

	// The watcher reads ahead for the next request while a slow handler runs, so that a client
	// who hangs up cancels its call; next carries what it found. Server.watchSlow starts it for
	// calls that have run for a while, sparing quick ones a goroutine switch.
	mu       sync.Mutex // guards the fields below and the watcher's deadline changes
	handling bool       // a handler runs
	bodyRead bool       // and the request body has been read: the watcher may read ahead
	started  int64      // when the handler started, in Unix nanoseconds
	cancel   context.CancelFunc
	watching bool
	cleared  bool // the watcher removed the read deadline
	next     chan error

	idleSet time.Time // when the idle deadline in force was set; zero if another is

	snap, pending []byte // the responses' buffers, lent to one at a time
}

func newConn(s *Server, nc net.Conn) *conn {
	nc = sockio.Wrap(nc)
	return &conn{
		srv:    s,
		nc:     nc,
		br:     bufio.NewReaderSize(nc, headBuffer),
		out:    newOutBuffer(nc, 4<<10),
		remote: nc.RemoteAddr().String(),
		next:   make(chan error, 1),
	}
}

func (c *conn) serve() {
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.srv.logf("h1server: panic serving %s: %v\n%s", c.remote, p, buf)
		}
		if !c.handedOff {
			if c.out.lw != nil {
				c.out.lw.WritePending() // an answer's end left for a read that will not come
			}
			c.nc.Close()
		}
		c.srv.track(c, false)
	}()
	c.setReadDeadline(c.srv.ReadHeaderTimeout)
	for {
		if !c.awaitRequest() {
			return
		}
		h, ok := c.readHead()
		if !ok {
			return
		}
		if !c.serveRequest(h) {
			return
		}
		if c.srv.shutting.Load() {
			return
		}
		c.setIdleDeadline()
	}
}

// awaitRequest waits for the first byte of the next request, marked idle meanwhile.
func (c *conn) awaitRequest() bool {
	c.idle.Store(true)
	defer c.idle.Store(false)
	if c.srv.shutting.Load() && !c.watching {
		return false
	}
	var err error
	if c.watching { // no lock needed: only a handler in progress gets a watcher
		err = <-c.next
		c.watching = false
	} else {
		_, err = c.br.Peek(1)
	}
	return err == nil
}

// readHead reads and parses the next request head. It hands the connection to net/http when
// the request is outside the fast path.
func (c *conn) readHead() (head, bool) {
	deadline := false
	for {
		h, v := parseHead(c.peekBuffered())
		switch v {
		case complete:
			c.br.Discard(h.n)
			return h, true
		case fallback:
			c.handOff()
			return head{}, false
		}
		if c.br.Buffered() >= c.br.Size() {
			c.handOff() // a head this large is net/http's to take or refuse
			return head{}, false
		}
		if !deadline {
			c.setReadDeadline(c.srv.ReadHeaderTimeout)
			deadline = true
		}
		if _, err := c.br.Peek(c.br.Buffered() + 1); err != nil {
			return head{}, false
		}
	}
}

func (c *conn) peekBuffered() []byte {
	b, _ := c.br.Peek(c.br.Buffered())
	return b
}

// handOff gives the connection, with the bytes read but not consumed, to the fallback server.
func (c *conn) handOff() {
	c.handedOff = true
	c.setReadDeadline(0)
	c.srv.handoff.push(&replayConn{Conn: c.nc, r: c.br})
}

// setIdleDeadline gives the connection IdleTimeout to send its next request. An idle deadline
// set less than a 64th of IdleTimeout ago is kept: on a busy connection the deadline is not moved
// on every request, at the price of an idle timeout up to 1.6% shorter.
func (c *conn) setIdleDeadline() {
	now := time.Now()
	if !c.idleSet.IsZero() && now.Sub(c.idleSet) < c.srv.IdleTimeout/64 {
		return
	}
	c.setReadDeadline(c.srv.IdleTimeout)
	c.idleSet = now
}

// setReadDeadline sets the read deadline d from now (none for d <= 0).
func (c *conn) setReadDeadline(d time.Duration) {
	c.idleSet = time.Time{}
	if d > 0 {
		c.nc.SetReadDeadline(time.Now().Add(d))
	} else {
		c.nc.SetReadDeadline(time.Time{})
	}
}

// watchAfter is how long a handler runs before its connection is watched for a hang-up.
const watchAfter = 20 * time.Millisecond

// watchSlow starts the watcher of every connection whose handler has run for watchAfter with
// its request body read, until the server stops.
func (s *Server) watchSlow(stop <-chan struct{}) {
	tick := time.NewTicker(watchAfter)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		before := time.Now().Add(-watchAfter).UnixNano()
		s.mu.Lock()
		for c := range s.conns {
			c.mu.Lock()
			if c.handling && c.bodyRead && !c.watching && c.started <= before {
				c.startWatch()
			}
			c.mu.Unlock()
		}
		s.mu.Unlock()
	}
}

// startWatch starts reading ahead: a client that closes its connection while its call runs
// cancels the call's context. c.mu is held.
func (c *conn) startWatch() {
	c.watching = true
	cancel := c.cancel
	go func() {
		for {
			_, err := c.br.Peek(1)
			if err == nil {
				c.next <- nil
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.mu.Lock()
				still := c.handling
				if still { // the idle deadline of the last request ran out during this one
					c.nc.SetReadDeadline(time.Time{})
					c.cleared = true
				}
				c.mu.Unlock()
				if still {
					continue
				}
			}
			cancel()
			c.next <- err
			return
		}
	}()
}

// serveRequest runs the handler for one request and reports whether the connection may serve
// another.
func (c *conn) serveRequest(h head) bool {
	// Not derived from the connection's context: registering a child there costs a map insert
	// and delete per request, and this one is cancelled below or by the watcher anyway.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newResponse(c)
	body := &w.reqBody
	*body = requestBody{c: c, remaining: h.contentLength, cancel: cancel}
	if h.contentLength > int64(c.br.Buffered()) {
		c.setReadDeadline(c.srv.ReadTimeout) // the body still has to arrive
	}
	base := http.Request{
		Method:        h.method,
		URL:           h.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h.header,
		ContentLength: h.contentLength,
		Host:          h.host,
		RemoteAddr:    c.remote,
		RequestURI:    h.target,
		Close:         h.close,
		Body:          http.NoBody,
	}
	if h.contentLength > 0 {
		base.Body = body
	}
	r := base.WithContext(ctx) // the one copy that holds ctx; base stays on the stack
	w.req = r
	c.mu.Lock()
	c.handling, c.bodyRead, c.cancel = true, h.contentLength == 0, cancel
	c.started = time.Now().UnixNano()
	c.mu.Unlock()
	c.srv.Handler.ServeHTTP(w, r)
	// The answer's end may go out with the read for the next request, which then waits at once
	// (sockio.Conn.WriteOnRead): not while the watcher reads ahead, and not when a pipelined
	// request is already buffered, since no read would come before its answer.
	c.mu.Lock()
	watching := c.watching
	c.bodyRead = false // and no watcher may start now: it would hold the read
	c.mu.Unlock()
	ok := w.finish(!watching && !h.close && c.br.Buffered() == 0 && !c.srv.shutting.Load())
	c.mu.Lock()
	c.handling, c.cancel = false, nil
	if c.cleared { // by the watcher: the idle deadline is gone
		c.cleared, c.idleSet = false, time.Time{}
	}
	c.mu.Unlock()
	body.closed.Store(true)
	if !ok || h.close {
		return false
	}
	return c.drainBody(body)
}

// drainBody reads what the handler left of the request body, up to a limit, so that the
// connection can carry the next request.
func (c *conn) drainBody(b *requestBody) bool {
	const maxDrain = 256 << 10
	if b.remaining == 0 {
		return true
	}
	if b.remaining > maxDrain {
		return false
	}
	c.setReadDeadline(c.srv.ReadTimeout)
	n, err := c.br.Discard(int(b.remaining))
	b.remaining -= int64(n)
	return err == nil
}
