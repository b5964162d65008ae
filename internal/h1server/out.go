package h1server

import (
	"net"
	"strconv"
)

// outBuffer collects a connection's output. Unlike bufio.Writer it never splits a large write
// at its buffer's edge: bytes that do not fit go out together with what is buffered in one
// vectored write, so a burst of stream events costs one system call, not two or three.
type outBuffer struct {
	nc  net.Conn
	bw  buffersWriter // nc, when it writes vectored itself
	lw  laterWriter   // nc, when it can send output with its next read
	buf []byte        // never grows past its initial capacity, except for one oversized header
	err error         // the first write error; every later write returns it
}

func newOutBuffer(nc net.Conn, size int) *outBuffer {
	bw, _ := nc.(buffersWriter)
	lw, _ := nc.(laterWriter)
	return &outBuffer{nc: nc, bw: bw, lw: lw, buf: make([]byte, 0, size)}
}

// fit makes room for n more bytes, flushing what is buffered if they do not fit.
func (o *outBuffer) fit(n int) {
	if len(o.buf)+n > cap(o.buf) && len(o.buf) > 0 {
		o.Flush()
	}
}

// WriteString buffers a short string (header text); a string longer than the whole buffer
// grows it rather than failing.
func (o *outBuffer) WriteString(s string) {
	o.fit(len(s))
	o.buf = append(o.buf, s...)
}

// writeInt buffers n in base without a heap buffer.
func (o *outBuffer) writeInt(n int64, base int) {
	o.fit(20)
	o.buf = strconv.AppendInt(o.buf, n, base)
}

// Write buffers p if it fits; otherwise it sends the buffered bytes and p in one write.
func (o *outBuffer) Write(p []byte) error {
	return o.writeParts(p, nil)
}

// buffersWriter is a connection that writes several slices in one vectored write itself
// (sockio.Conn); net.Buffers does that only for the standard library's own connections.
type buffersWriter interface {
	WriteBuffers(bufs [][]byte) (int, error)
}

// crlf ends a chunk of a chunked body.
var crlf = []byte("\r\n")

// writeParts is Write of p followed by tail (a few bytes, such as a chunk's CRLF).
func (o *outBuffer) writeParts(p, tail []byte) error {
	if o.err != nil {
		return o.err
	}
	if len(o.buf)+len(p)+len(tail) <= cap(o.buf) {
		o.buf = append(append(o.buf, p...), tail...)
		return nil
	}
	bufs := make(net.Buffers, 0, 3)
	if len(o.buf) > 0 {
		bufs = append(bufs, o.buf)
	}
	bufs = append(bufs, p)
	if len(tail) > 0 {
		bufs = append(bufs, tail)
	}
	var err error
	if o.bw != nil {
		_, err = o.bw.WriteBuffers(bufs)
	} else {
		_, err = bufs.WriteTo(o.nc)
	}
	o.buf = o.buf[:0]
	if err != nil {
		o.err = err
	}
	return o.err
}

// laterWriter is a connection that can send output with its next read (sockio.Conn).
type laterWriter interface {
	WriteOnRead(first, second []byte)
	HasPending() bool
	WritePending() error
}

// FlushOnRead hands what is buffered to the connection's next read, which sends it before it
// waits for the next request; false (nothing done) when the connection cannot. The buffer is
// not written to again before that read: the next answer follows the next request.
func (o *outBuffer) FlushOnRead() bool {
	if o.lw == nil || o.err != nil {
		return false
	}
	if len(o.buf) > 0 {
		o.lw.WriteOnRead(o.buf, nil)
	}
	o.buf = o.buf[:0]
	return true
}

// Flush sends what is buffered.
func (o *outBuffer) Flush() error {
	if o.err != nil {
		return o.err
	}
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.nc.Write(o.buf)
	o.buf = o.buf[:0]
	if err != nil {
		o.err = err
	}
	return o.err
}
