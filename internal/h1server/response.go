package h1server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// response is the http.ResponseWriter of the fast path. Like net/http it answers with a
// Content-Length when the handler writes its whole body (up to bufferBeforeChunking bytes)
// before returning or flushing, and with chunked encoding otherwise.
type response struct {
	c       *conn
	req     *http.Request
	header  http.Header
	body    *requestBody
	reqBody requestBody // what body points to

	status     int
	snap       []byte // the header fields as they were at WriteHeader, serialized
	pending    []byte // body bytes written before the framing was decided
	sent       bool   // status line and header are on the wire
	chunked    bool
	declared   int64 // Content-Length the handler set, or -1
	written    int64
	noBody     bool // 204 and 304 answers
	hasType    bool // the handler set Content-Type (perhaps to nil: no sniffing)
	hasDate    bool
	closeAfter bool
	done       atomic.Bool // the handler returned: the buffers belong to the next request
	failed     error       // a write to the client failed
}

const bufferBeforeChunking = 4 << 10

var errAfterReturn = errors.New("h1server: write after the handler returned")

// newResponse makes the writer of the next request on c, with room for its request body reader
// (one allocation for both); the caller sets req.
func newResponse(c *conn) *response {
	w := &response{c: c, header: make(http.Header, 8), declared: -1, snap: c.snap[:0], pending: c.pending[:0]}
	w.body = &w.reqBody
	return w
}

func (w *response) Header() http.Header { return w.header }

// WriteHeader records the status and takes a snapshot of the header, as net/http does: later
// changes to the map are not sent.
func (w *response) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic("h1server: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 { // informational answers are not part of what the fast path serves
		return
	}
	w.status = code
	w.noBody = code == http.StatusNoContent || code == http.StatusNotModified
	w.snapshot()
}

// snapshot serializes the header fields except the framing ones, which finish decides.
func (w *response) snapshot() {
	b := w.snap
	for name, vv := range w.header {
		switch name {
		case "Content-Length":
			if len(vv) > 0 {
				if n, err := strconv.ParseInt(strings.TrimSpace(vv[0]), 10, 64); err == nil && n >= 0 {
					w.declared = n
				}
			}
			continue
		case "Transfer-Encoding":
			continue
		case "Content-Type":
			w.hasType = true
		case "Date":
			w.hasDate = true
		case "Connection":
			if len(vv) > 0 && strings.EqualFold(vv[0], "close") {
				w.closeAfter = true
			}
			continue
		}
		if !token(name) {
			continue // net/http drops invalid field names too
		}
		for _, v := range vv {
			b = append(b, name...)
			b = append(b, ": "...)
			b = appendValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	w.snap = b
}

// appendValue appends a field value with CR and LF turned into spaces, as net/http does, so
// that no value can start a field or an answer of its own.
func appendValue(b []byte, v string) []byte {
	b = append(b, v...)
	for i := len(b) - len(v); i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return b
}

func (w *response) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.done.Load() {
		return 0, errAfterReturn
	}
	if w.failed != nil {
		return 0, w.failed
	}
	if len(p) == 0 {
		return 0, nil
	}
	if w.noBody || w.req.Method == http.MethodHead {
		return 0, http.ErrBodyNotAllowed
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if !w.sent {
		if len(w.pending)+len(p) <= bufferBeforeChunking {
			w.pending = append(w.pending, p...)
			return len(p), nil
		}
		w.sendHeader(false)
	}
	return len(p), w.writeBody(p)
}

func (w *response) writeBody(p []byte) error {
	out := w.c.out
	if w.chunked {
		out.writeInt(int64(len(p)), 16)
		out.WriteString("\r\n")
		return w.fail(out.writeParts(p, crlf))
	}
	return w.fail(out.Write(p))
}

func (w *response) fail(err error) error {
	if err != nil && w.failed == nil {
		w.failed = err
		w.body.cancel() // the client is gone: stop the call
	}
	return err
}

// Flush sends the header and all written bytes now.
func (w *response) Flush() { w.FlushError() }

// FlushError is Flush with the write error, for http.ResponseController.
func (w *response) FlushError() error {
	if w.done.Load() {
		return errAfterReturn
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed != nil {
		return w.failed
	}
	if !w.sent {
		w.sendHeader(false)
	}
	return w.fail(w.c.out.Flush())
}

// sendHeader writes the status line and header; final says the handler has returned, so the
// whole body is in pending.
func (w *response) sendHeader(final bool) {
	w.sent = true
	bw := w.c.out
	bw.WriteString("HTTP/1.1 ")
	bw.writeInt(int64(w.status), 10)
	bw.WriteString(" ")
	bw.WriteString(http.StatusText(w.status))
	bw.WriteString("\r\n")
	bw.Write(w.snap)
	if !w.hasType && !w.noBody && len(w.pending) > 0 {
		bw.WriteString("Content-Type: ")
		bw.WriteString(http.DetectContentType(w.pending))
		bw.WriteString("\r\n")
	}
	if !w.hasDate {
		bw.WriteString("Date: ")
		bw.WriteString(httpDate())
		bw.WriteString("\r\n")
	}
	switch {
	case w.noBody:
	case w.declared >= 0:
		bw.WriteString("Content-Length: ")
		bw.writeInt(w.declared, 10)
		bw.WriteString("\r\n")
	case final:
		bw.WriteString("Content-Length: ")
		bw.writeInt(int64(len(w.pending)), 10)
		bw.WriteString("\r\n")
	default:
		w.chunked = true
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	if w.closeAfter || w.req.Close || w.c.srv.shutting.Load() {
		w.closeAfter = true
		bw.WriteString("Connection: close\r\n")
	}
	bw.WriteString("\r\n")
	if len(w.pending) > 0 {
		p := w.pending
		w.pending = w.pending[:0]
		w.fail(w.writeBody(p))
	}
}

// finish completes the answer after the handler returned and reports whether the connection
// can carry another request.
//
// With last set, the end of the answer may go out with the connection's next read, the one that
// waits for the next request (see outBuffer.FlushOnRead).
func (w *response) finish(last bool) bool {
	defer func() {
		w.done.Store(true)
		w.c.snap, w.c.pending = w.snap[:0], w.pending[:0] // keep the grown buffers
	}()
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHeader(true)
	}
	if w.chunked && w.failed == nil {
		w.c.out.WriteString("0\r\n\r\n")
	}
	// An answer shorter than announced can only be ended by closing the connection.
	short := w.declared >= 0 && w.written < w.declared && !w.noBody
	keep := !short && !w.closeAfter
	if w.failed == nil && !(last && keep && w.c.out.FlushOnRead()) {
		w.fail(w.c.out.Flush())
	}
	return keep && w.failed == nil
}

// requestBody reads a Content-Length body from the connection.
type requestBody struct {
	c         *conn
	remaining int64
	closed    atomic.Bool
	cancel    func() // ends the call's context
}

var errBodyClosed = errors.New("h1server: read on a closed request body")

func (b *requestBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errBodyClosed
	}
	if b.remaining == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.c.br.Read(p)
	b.remaining -= int64(n)
	if b.remaining == 0 {
		b.c.mu.Lock()
		b.c.bodyRead = true
		b.c.mu.Unlock()
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Close leaves the rest of the body for the server to drain or give up on.
func (b *requestBody) Close() error { return nil }

// The Date header is formatted once a second.
var dateCache atomic.Pointer[dateEntry]

type dateEntry struct {
	unix int64
	text string
}

func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.unix == now.Unix() {
		return d.text
	}
	d := &dateEntry{unix: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}
