//go:build linux

package sockio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// pair returns a wrapped server-side connection and the plain client side of one loopback TCP
// connection.
func pair(t *testing.T) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	w, ok := Wrap(server).(*Conn)
	if !ok {
		t.Fatalf("Wrap(%T) did not wrap a TCP connection", server)
	}
	t.Cleanup(func() { w.Close(); client.Close() })
	return w, client
}

func TestReadWrite(t *testing.T) {
	c, peer := pair(t)
	if _, err := peer.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("Read = %q, %v; want ping", buf[:n], err)
	}
	if n, err := c.Write([]byte("pong")); n != 4 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if _, err := io.ReadFull(peer, buf[:4]); err != nil || string(buf[:4]) != "pong" {
		t.Fatalf("peer read %q, %v; want pong", buf[:4], err)
	}
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
}

// A write larger than the socket's buffers waits for the reader and sends every byte in order,
// across the slices of a vectored write.
func TestWriteBuffersLargeSlowReader(t *testing.T) {
	c, peer := pair(t)
	parts := [][]byte{bytes.Repeat([]byte("a"), 3<<20), {}, []byte("-middle-"), bytes.Repeat([]byte("z"), 5<<20+17)}
	want := bytes.Join(parts, nil)
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // let the socket fill up first
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	n, err := c.WriteBuffers(parts)
	if err != nil || n != len(want) {
		t.Fatalf("WriteBuffers = %d, %v; want %d, nil", n, err, len(want))
	}
	c.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("peer got %d bytes, want %d (equal prefix %d)", len(b), len(want), commonPrefix(b, want))
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func TestReadDeadline(t *testing.T) {
	c, _ := pair(t)
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v; want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v is not a net.Error with Timeout()", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		t.Fatalf("error %#v is not a *net.OpError for op read", err)
	}
	c.SetReadDeadline(time.Time{})
}

// interruptedRead starts a Read on c that has nothing to read, calls interrupt while it waits,
// and returns the Read's error.
func interruptedRead(t *testing.T, c *Conn, interrupt func()) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	interrupt()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("a waiting Read did not return when interrupted")
		return nil
	}
}

// A deadline set while a Read waits wakes it, as a cancelled call does to its connection.
func TestDeadlineInterruptsRead(t *testing.T) {
	c, _ := pair(t)
	err := interruptedRead(t, c, func() { c.SetDeadline(time.Unix(1, 0)) })
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("interrupted Read = %v; want os.ErrDeadlineExceeded", err)
	}
}

func TestCloseWhileReading(t *testing.T) {
	c, _ := pair(t)
	if err := interruptedRead(t, c, func() { c.Close() }); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read on a closed connection = %v; want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close = %v; want net.ErrClosed", err)
	}
}

func TestEOFAndReset(t *testing.T) {
	c, peer := pair(t)
	peer.Write([]byte("last"))
	peer.Close()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "last" {
		t.Fatalf("ReadAll = %q, %v; want last, nil", b, err)
	}
	if n, err := c.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("Read after EOF = %d, %v; want 0, io.EOF", n, err)
	}
	// Writing to a peer that has gone fails, sooner or later, with an error and no panic.
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		_, werr = c.Write(bytes.Repeat([]byte("x"), 64<<10))
		time.Sleep(time.Millisecond)
	}
	var oe *net.OpError
	if !errors.As(werr, &oe) || oe.Op != "write" {
		t.Fatalf("Write to a closed peer = %v; want a *net.OpError for op write", werr)
	}
}

func TestWrapLeavesOtherConns(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Wrap(a) != a {
		t.Fatal("Wrap changed a connection that is not TCP")
	}
}

func TestConcurrentReadAndWrite(t *testing.T) {
	c, peer := pair(t)
	const n = 1 << 20
	go func() { // echo
		io.Copy(peer, peer)
	}()
	want := bytes.Repeat([]byte("0123456789abcdef"), n/16)
	errc := make(chan error, 1)
	go func() {
		for off := 0; off < len(want); off += 4096 {
			if _, err := c.Write(want[off : off+4096]); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echo differs after %d bytes", commonPrefix(got, want))
	}
}

func BenchmarkWriteRead(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	peer, _ := net.Dial("tcp", ln.Addr().String())
	defer peer.Close()
	s, _ := ln.Accept()
	for _, tc := range []struct {
		name string
		conn net.Conn
	}{{"net", s}, {"sockio", Wrap(s)}} {
		b.Run(tc.name, func(b *testing.B) {
			msg := make([]byte, 512)
			buf := make([]byte, 512)
			for b.Loop() {
				peer.Write(msg)
				io.ReadFull(tc.conn, buf)
				tc.conn.Write(msg)
				io.ReadFull(peer, buf)
			}
		})
	}
}

// WriteOnRead's output goes out with the next Read, which then returns the peer's answer: for a
// small request at once, for one larger than the socket buffers in the ordinary way once the
// peer reads, and after a Read cut short by its deadline with the next Read.
func TestWriteOnRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
	}{{"small", 100}, {"larger than the socket buffers", 8 << 20}} {
		t.Run(tc.name, func(t *testing.T) {
			c, peer := pair(t)
			req := bytes.Repeat([]byte("r"), tc.size)
			go func() { // the peer reads the whole request, late, then answers
				time.Sleep(20 * time.Millisecond)
				if _, err := io.ReadFull(peer, make([]byte, tc.size)); err == nil {
					peer.Write([]byte("answer"))
				}
			}()
			c.WriteOnRead(req[:tc.size/2], req[tc.size/2:])
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			got := make([]byte, 16)
			n, err := c.Read(got)
			if err != nil || string(got[:n]) != "answer" {
				t.Fatalf("Read = %q, %v; want the answer", got[:n], err)
			}
		})
	}
	t.Run("deadline first", func(t *testing.T) {
		c, peer := pair(t)
		c.WriteOnRead([]byte("ping"), nil)
		c.SetReadDeadline(time.Unix(1, 0))
		if _, err := c.Read(make([]byte, 4)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Read past its deadline: %v", err)
		}
		go func() {
			b := make([]byte, 4)
			io.ReadFull(peer, b)
			peer.Write(b)
		}()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, 4)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
			t.Fatalf("the request went out with the next Read: %q, %v", got, err)
		}
	})
}

// Output left for a read that does not come is sent by WritePending, and HasPending tells
// whether some is waiting.
func TestWritePending(t *testing.T) {
	c, peer := pair(t)
	if c.HasPending() {
		t.Fatal("a new connection has pending output")
	}
	c.WriteOnRead([]byte("last "), []byte("words"))
	if !c.HasPending() {
		t.Fatal("WriteOnRead left nothing pending")
	}
	if err := c.WritePending(); err != nil {
		t.Fatal(err)
	}
	if c.HasPending() {
		t.Fatal("output still pending after WritePending")
	}
	c.Close()
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(peer)
	if err != nil || string(got) != "last words" {
		t.Fatalf("peer read %q, %v", got, err)
	}
}
