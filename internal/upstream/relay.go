package upstream

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// IdleReader ends a stream that sends nothing for the idle timeout by calling abort.
// Streams are never cut by a total write timeout, only by silence.
// A read only notes when it got bytes; the timer, when it fires, checks that note and waits
// again if bytes came meanwhile, so a stream's chunks do not each move the timer.
type IdleReader struct {
	r     io.Reader
	idle  time.Duration
	start time.Time    // monotonic base of last
	last  atomic.Int64 // when bytes last arrived, as time since start
	timer *time.Timer
	fired atomic.Bool
	done  atomic.Bool // Stop was called: the timer must not re-arm itself
}

// NewIdleReader wraps r; abort runs when no byte arrives for idle. An r that reports its
// whole content as already buffered (a Buffered() bool method, as h1's bodies have) cannot go
// silent, and gets no timer.
func NewIdleReader(r io.Reader, idle time.Duration, abort func()) *IdleReader {
	if b, ok := r.(interface{ Buffered() bool }); ok && b.Buffered() {
		return &IdleReader{r: r, idle: idle}
	}
	ir := &IdleReader{r: r, idle: idle, start: time.Now()}
	ir.timer = time.AfterFunc(idle, func() {
		if ir.done.Load() {
			return
		}
		if quiet := time.Since(ir.start) - time.Duration(ir.last.Load()); quiet < ir.idle {
			ir.timer.Reset(ir.idle - quiet)
			return
		}
		ir.fired.Store(true)
		abort()
	})
	return ir
}

// Fired reports whether the idle timeout ended the stream.
func (ir *IdleReader) Fired() bool { return ir.fired.Load() }

// Aborter returns how to interrupt a read of resp's body from another goroutine: the body's own
// Abort when it has one (the h1 client), else cancel, the request context's cancel function.
func Aborter(resp *http.Response, cancel context.CancelFunc) func() {
	if a, ok := resp.Body.(interface{ Abort() }); ok {
		return a.Abort
	}
	if cancel == nil {
		return func() {}
	}
	return cancel
}

func (ir *IdleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 && ir.timer != nil {
		ir.last.Store(int64(time.Since(ir.start)))
	}
	return n, err
}

// Stop stops the idle timer.
func (ir *IdleReader) Stop() {
	ir.done.Store(true)
	if ir.timer != nil {
		ir.timer.Stop()
	}
}

// Relay copies an upstream body to the caller; when flush is set it flushes after every read,
// so each chunk reaches the caller as soon as it leaves the backend. It returns the bytes written
// and the first read or write error (io.EOF is not an error).
func Relay(w http.ResponseWriter, body io.Reader, flush bool) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var flusher http.Flusher
	if flush {
		flusher, _ = w.(http.Flusher)
	}
	var total int64
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			wn, werr := w.Write(buf[:n])
			total += int64(wn)
			if werr != nil {
				return total, werr
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
