//go:build linux

package sockio

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Conn is a TCP connection whose Read and Write issue their system calls without telling the
// scheduler they may block (they cannot: the socket is non-blocking). An ordinary net.Conn
// marks the goroutine as in a system call for each read and write, which on a busy machine
// makes the runtime's monitor hand its processor to another thread and wake every 20 µs to
// check. Everything else (deadlines, Close, addresses) is the wrapped connection's.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn

	rmu   sync.Mutex // one Read at a time uses the fields below
	rbuf  []byte
	rn    int
	rerr  error
	readF func(fd uintptr) bool
	// pending is output that the next Read writes before it reads (see WriteOnRead).
	pending [][]byte
	pendBuf [2][]byte
	perr    error
	// hasPending is set from WriteOnRead until its output has gone out or been dropped.
	hasPending atomic.Bool

	wmu    sync.Mutex // one Write at a time uses the fields below
	wbufs  [][]byte
	wn     int
	werr   error
	writeF func(fd uintptr) bool
	one    [1][]byte
}

// Wrap returns c as a *Conn when it is a TCP connection, and c itself otherwise.
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	s := &Conn{TCPConn: tc, rc: rc}
	s.readF = s.readOnce
	s.writeF = s.writeSome
	return s
}

// Read reads into p like net.Conn.Read.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	c.rbuf, c.rn, c.rerr = p, 0, nil
	err := c.rc.Read(c.readF)
	if err == nil && c.perr == nil && len(c.pending) > 0 {
		// The socket took only part of the output: send the rest the ordinary way, then read.
		if c.perr = c.flushPendingLocked(); c.perr == nil {
			err = c.rc.Read(c.readF)
		}
	}
	if c.perr != nil {
		perr := c.perr
		c.perr, c.rbuf = nil, nil
		c.dropPending()
		c.rmu.Unlock()
		return 0, perr
	}
	n, rerr := c.rn, c.rerr
	c.rbuf = nil
	c.rmu.Unlock()
	if err != nil {
		return n, c.opError("read", err)
	}
	if rerr == io.EOF {
		return n, io.EOF
	}
	if rerr != nil {
		return n, c.opError("read", rerr)
	}
	return n, nil
}

// WriteOnRead has the next Read write first and then second (which may be nil) before it reads,
// for a request whose answer that Read waits for. The write is made after the poller has been armed for the read, so the Read waits
// for the answer at once rather than first trying a read that can only find nothing; an answer
// that comes before the wait begins is not missed. A failed write is the Read's error. The
// slices must stay unchanged until that Read.
func (c *Conn) WriteOnRead(first, second []byte) {
	c.rmu.Lock()
	c.pending = append(c.pendBuf[:0], first, second)
	c.hasPending.Store(true)
	c.rmu.Unlock()
}

// HasPending reports whether output left by WriteOnRead has not gone out yet; any goroutine
// may ask.
func (c *Conn) HasPending() bool { return c.hasPending.Load() }

// WritePending sends the output left by WriteOnRead that no Read has sent, before a connection
// that will not be read again is closed.
func (c *Conn) WritePending() error {
	if !c.hasPending.Load() {
		return nil // without the read lock, which a read blocked in another goroutine may hold
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.flushPendingLocked()
}

// flushPendingLocked writes the pending output the ordinary way (waiting while the socket is
// full) and drops it; c.rmu is held.
func (c *Conn) flushPendingLocked() error {
	var err error
	if len(c.pending) > 0 {
		c.wmu.Lock()
		_, err = c.writeBuffersLocked(c.pending)
		c.wmu.Unlock()
	}
	c.dropPending()
	return err
}

// dropPending forgets the pending output (sent or failed); c.rmu or the read itself holds it.
func (c *Conn) dropPending() {
	c.pending, c.pendBuf = nil, [2][]byte{}
	c.hasPending.Store(false)
}

// readOnce reads once into c.rbuf, returning false to wait when nothing has arrived. Output
// left by WriteOnRead goes out first.
func (c *Conn) readOnce(fd uintptr) bool {
	if len(c.pending) > 0 {
		return c.writePending(fd)
	}
	p := c.rbuf
	for {
		n, e := rawRead(fd, p)
		switch e {
		case 0:
			c.rn = n
			if n == 0 {
				c.rerr = io.EOF
			}
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			c.rerr = os.NewSyscallError("read", e)
			return true
		}
	}
}

// Write writes p like net.Conn.Write.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	c.one[0] = p
	n, err := c.writeBuffersLocked(c.one[:])
	c.one[0] = nil
	c.wmu.Unlock()
	return n, err
}

// WriteBuffers writes every slice of bufs in order, in as few vectored writes as the socket
// takes, and reports how many bytes went out. Like net.Buffers.WriteTo it consumes bufs: its
// elements are resliced past what was written.
func (c *Conn) WriteBuffers(bufs [][]byte) (int, error) {
	c.wmu.Lock()
	n, err := c.writeBuffersLocked(bufs)
	c.wmu.Unlock()
	return n, err
}

func (c *Conn) writeBuffersLocked(bufs [][]byte) (int, error) {
	c.wbufs, c.wn, c.werr = bufs, 0, nil
	err := c.rc.Write(c.writeF)
	n, werr := c.wn, c.werr
	c.wbufs = nil
	if err == nil {
		err = werr
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// writeSome writes what is left of c.wbufs, returning false to wait when the socket is full.
func (c *Conn) writeSome(fd uintptr) bool {
	rest, n, e := writeOut(fd, c.wbufs)
	c.wbufs = rest
	c.wn += n
	switch e {
	case 0:
		return true
	case syscall.EAGAIN:
		return false
	}
	c.werr = os.NewSyscallError("writev", e)
	return true
}

// writeOut writes bufs until all is written (errno 0), the socket is full (EAGAIN) or a write
// fails, and returns what is left and how many bytes went out.
func writeOut(fd uintptr, bufs [][]byte) (rest [][]byte, written int, e syscall.Errno) {
	for {
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
		if len(bufs) == 0 {
			return nil, written, 0
		}
		n, e := rawWritev(fd, bufs)
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		default:
			return bufs, written, e
		}
		written += n
		for m := n; m > 0; {
			if m >= len(bufs[0]) {
				m -= len(bufs[0])
				bufs = bufs[1:]
				continue
			}
			bufs[0] = bufs[0][m:]
			m = 0
		}
	}
}

// opError wraps err as net.Conn's Read and Write would.
func (c *Conn) opError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		// RawConn names its operations "raw-read" and "raw-write"; callers expect net.Conn's.
		oe.Op = op
		return oe
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// writePending writes c.pending from inside a read: false (wait for the answer) when all of it
// went out, true (leave the read) when the socket is full or the write failed.
func (c *Conn) writePending(fd uintptr) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	rest, _, e := writeOut(fd, c.pending)
	c.pending = rest
	switch e {
	case 0:
		c.dropPending()
		return false
	case syscall.EAGAIN:
		return true // Read sends the rest once the socket has room
	}
	c.perr = c.opError("write", os.NewSyscallError("writev", e))
	return true
}
