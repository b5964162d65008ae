package upstream

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// IdleReader ends a stream that sends nothing for the idle timeout by calling cancel.
// Streams are never cut by a total write timeout, only by silence.
type IdleReader struct {
	r     io.Reader
	idle  time.Duration
	timer *time.Timer
}

// NewIdleReader wraps r; cancel runs when no byte arrives for idle.
func NewIdleReader(r io.Reader, idle time.Duration, cancel context.CancelFunc) *IdleReader {
	return &IdleReader{r: r, idle: idle, timer: time.AfterFunc(idle, cancel)}
}

func (ir *IdleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.timer.Reset(ir.idle)
	}
	return n, err
}

// Stop stops the idle timer.
func (ir *IdleReader) Stop() { ir.timer.Stop() }

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
