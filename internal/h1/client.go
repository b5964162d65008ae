// Package h1 is a small HTTP/1.1 client for plain-HTTP backends, one goroutine per call.
package h1

// net/http's Transport hands every request to two goroutines per connection; on a 2-core machine
// that costs more than the rest of a proxied call. Here each call writes its request in one write,
// keep-alive connections are reused last-in first-out, and response heads in a strict common
// subset are parsed in response.go; anything else goes to net/http's http.ReadResponse.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/warden-gw/warden/internal/sockio"
)

// Options configure a Client.
type Options struct {
	Addr                  string        // host:port to dial
	Host                  string        // Host header
	ConnectTimeout        time.Duration // default 5s
	ResponseHeaderTimeout time.Duration // 0: none
	IdleTimeout           time.Duration // idle connections older than this are closed, default 30s
	MaxIdle               int           // default 256
	// Dial, when set, opens connections instead of a net.Dialer with ConnectTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// PlainSockets reads and writes connections through net.Conn itself rather than sockio's
	// raw system calls.
	PlainSockets bool
}

// Client sends requests to one backend address.
type Client struct {
	opt Options

	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	head   []byte // the request head being sent, kept for the next
	used   time.Time
	reused bool
}

// New returns a Client.
func New(opt Options) *Client {
	if opt.ConnectTimeout <= 0 {
		opt.ConnectTimeout = 5 * time.Second
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 30 * time.Second
	}
	if opt.MaxIdle <= 0 {
		opt.MaxIdle = 256
	}
	if opt.Dial == nil {
		d := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}
		opt.Dial = d.DialContext
	}
	return &Client{opt: opt}
}

// Header is one request header; names and values must not contain CR or LF.
type Header struct{ Name, Value string }

// ErrHeader is returned for a header that would break the request framing.
var ErrHeader = errors.New("h1: header name or value contains a control character")

// TimeoutError reports that the backend did not start its answer in time.
type TimeoutError struct{}

func (TimeoutError) Error() string   { return "h1: timeout awaiting response headers" }
func (TimeoutError) Timeout() bool   { return true }
func (TimeoutError) Temporary() bool { return true }

// Do sends one request and returns the response; its Body must be read to the end or closed.
// A request that fails on a reused connection before any answer byte arrived is sent once more
// on a new connection (the backend had closed the idle connection).
func (c *Client) Do(ctx context.Context, method, path string, hdr []Header, body []byte) (*http.Response, error) {
	for _, h := range hdr {
		if !clean(h.Name) || !clean(h.Value) {
			return nil, ErrHeader
		}
	}
	for attempt := 0; ; attempt++ {
		cn, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, answered, err := c.roundTrip(ctx, cn, method, path, hdr, body)
		if err == nil {
			return resp, nil
		}
		cn.nc.Close()
		if cn.reused && !answered && attempt == 0 && ctx.Err() == nil && !isTimeout(err) {
			continue
		}
		return nil, err
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// get returns the most recently used idle connection, or dials a new one.
func (c *Client) get(ctx context.Context) (*conn, error) {
	now := time.Now()
	c.mu.Lock()
	for n := len(c.idle); n > 0; n = len(c.idle) {
		cn := c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
		if now.Sub(cn.used) < c.opt.IdleTimeout {
			c.mu.Unlock()
			cn.reused = true
			return cn, nil
		}
		cn.nc.Close()
	}
	c.mu.Unlock()
	nc, err := c.opt.Dial(ctx, "tcp", c.opt.Addr)
	if err != nil {
		return nil, err
	}
	if !c.opt.PlainSockets {
		nc = sockio.Wrap(nc)
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}, nil
}

// put keeps a connection for reuse, or closes it when the pool is full.
func (c *Client) put(cn *conn) {
	cn.used = time.Now()
	c.mu.Lock()
	if len(c.idle) < c.opt.MaxIdle {
		c.idle = append(c.idle, cn)
		cn = nil
	}
	c.mu.Unlock()
	if cn != nil {
		cn.nc.Close()
	}
}

// CloseIdle closes every idle connection.
func (c *Client) CloseIdle() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		cn.nc.Close()
	}
}

var past = time.Unix(1, 0)

const (
	// watchAfter is how long a call waits for its answer before a cancellation of its context
	// is hooked to the connection. Most answers come sooner and never pay for the hook.
	watchAfter = 20 * time.Millisecond
	// watchAbove is the request size from which the hook is set before writing: a larger
	// request may not fit the socket buffers and block the write.
	watchAbove = 64 << 10
)

func noStop() bool { return true }

func (c *Client) roundTrip(ctx context.Context, cn *conn, method, path string, hdr []Header, body []byte) (resp *http.Response, answered bool, err error) {
	// Cancelling ctx interrupts whatever read or write is blocked on the connection, through a
	// hook set once the call is slow, large or streamed.
	stop, watching := noStop, false
	watch := func() {
		if !watching {
			watching = true
			stop = context.AfterFunc(ctx, func() { cn.nc.SetDeadline(past) })
		}
	}
	if len(body) > watchAbove {
		watch()
	}
	fail := func(err error) (*http.Response, bool, error) {
		stop()
		if ctx.Err() != nil {
			return nil, answered, ctx.Err()
		}
		return nil, answered, err
	}
	h := append(cn.head[:0], method...)
	h = append(h, ' ')
	h = append(h, path...)
	h = append(h, " HTTP/1.1\r\nHost: "...)
	h = append(h, c.opt.Host...)
	for _, hd := range hdr {
		h = append(h, "\r\n"...)
		h = append(h, hd.Name...)
		h = append(h, ": "...)
		h = append(h, hd.Value...)
	}
	if body != nil || method == http.MethodPost || method == http.MethodPut {
		h = append(h, "\r\nContent-Length: "...)
		h = strconv.AppendInt(h, int64(len(body)), 10)
	}
	h = append(h, "\r\n\r\n"...)
	cn.head = h
	if sc, ok := cn.nc.(*sockio.Conn); ok {
		// Written by the read that waits for the answer: see WriteOnRead.
		sc.WriteOnRead(h, body)
	} else {
		w := cn.bw
		w.Write(h)
		w.Write(body)
		if err := w.Flush(); err != nil {
			return fail(err)
		}
	}
	if err := c.awaitAnswer(ctx, cn, watch); err != nil {
		return fail(err)
	}
	answered = true
	resp, rb, err := readResponse(cn.br, method)
	if err != nil {
		if isTimeout(err) && ctx.Err() == nil {
			err = TimeoutError{}
		}
		return fail(err)
	}
	if resp.StatusCode < 200 {
		resp.Body.Close()
		return fail(fmt.Errorf("h1: unexpected informational answer %d", resp.StatusCode))
	}
	cn.nc.SetReadDeadline(time.Time{})
	if resp.ContentLength < 0 || int64(cn.br.Buffered()) < resp.ContentLength {
		watch() // the body is still to come, perhaps for minutes
	}
	if rb == nil {
		rb = new(respBody)
	}
	rb.c, rb.cn, rb.rc, rb.stop, rb.keep = c, cn, resp.Body, stop, !resp.Close
	resp.Body = rb
	return resp, true, nil
}

// awaitAnswer waits for the first byte of the answer, up to ResponseHeaderTimeout. After
// watchAfter it calls watch, so that from then on a cancelled ctx ends the wait.
func (c *Client) awaitAnswer(ctx context.Context, cn *conn, watch func()) error {
	now := time.Now()
	var deadline time.Time
	if c.opt.ResponseHeaderTimeout > 0 {
		deadline = now.Add(c.opt.ResponseHeaderTimeout)
	}
	first := now.Add(watchAfter)
	if !deadline.IsZero() && deadline.Before(first) {
		first = deadline
	}
	cn.nc.SetReadDeadline(first)
	_, err := cn.br.Peek(1)
	if err != nil && isTimeout(err) && (deadline.IsZero() || time.Now().Before(deadline)) {
		watch() // a slow answer: a model loading or thinking
		if err := ctx.Err(); err != nil {
			return err
		}
		cn.nc.SetReadDeadline(deadline)
		_, err = cn.br.Peek(1)
	}
	if err != nil && isTimeout(err) && ctx.Err() == nil {
		return TimeoutError{}
	}
	return err
}

// respBody returns its connection to the pool when read to the end, and closes it otherwise.
type respBody struct {
	c    *Client
	cn   *conn
	rc   io.ReadCloser
	stop func() bool
	keep bool

	mu      sync.Mutex // guards done and aborted against Abort from another goroutine
	done    bool
	aborted bool
}

func (b *respBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err == io.EOF)
	}
	return n, err
}

// Buffered reports whether the whole rest of a Content-Length body has already been read into
// the connection's buffer, so that reading it cannot block. Call it from the reading goroutine.
func (b *respBody) Buffered() bool {
	cl, ok := b.rc.(*clBody)
	return ok && cl.n <= int64(b.cn.br.Buffered())
}

func (b *respBody) Close() error {
	b.finish(false)
	return nil
}

// Abort interrupts a Read blocked on the connection, from any goroutine; the connection is then
// closed, never reused.
func (b *respBody) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.aborted = true
		b.cn.nc.SetDeadline(past)
	}
}

// finish releases the connection exactly once: back to the pool only after a complete answer, and
// only if neither the cancellation hook nor Abort touched it (they poison its deadline).
func (b *respBody) finish(complete bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	stopped := b.stop()
	if complete && b.keep && stopped && !b.aborted && b.cn.br.Buffered() == 0 {
		b.c.put(b.cn)
		return
	}
	b.cn.nc.Close()
}
