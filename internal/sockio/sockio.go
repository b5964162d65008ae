//go:build linux

package sockio

import (
	"io"
	"net"
	"os"
	"sync"
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

// readOnce reads once into c.rbuf, returning false to wait when nothing has arrived.
func (c *Conn) readOnce(fd uintptr) bool {
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
	for {
		for len(c.wbufs) > 0 && len(c.wbufs[0]) == 0 {
			c.wbufs = c.wbufs[1:]
		}
		if len(c.wbufs) == 0 {
			return true
		}
		n, e := rawWritev(fd, c.wbufs)
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			c.werr = os.NewSyscallError("writev", e)
			return true
		}
		c.wn += n
		for m := n; m > 0; {
			if m >= len(c.wbufs[0]) {
				m -= len(c.wbufs[0])
				c.wbufs = c.wbufs[1:]
				continue
			}
			c.wbufs[0] = c.wbufs[0][m:]
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
