package upstream_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/upstream"
)

// chunks returns its parts one Read at a time, then err (io.EOF when nil).
type chunks struct {
	parts []string
	err   error
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	c.parts = c.parts[1:]
	return n, nil
}

// flushRecorder records what was written when each Flush happened.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushed []string // body at each Flush
}

func (f *flushRecorder) Flush() {
	f.flushed = append(f.flushed, f.Body.String())
	f.ResponseRecorder.Flush()
}

func TestRelayFlushesEveryChunk(t *testing.T) {
	w := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	parts := []string{"data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"}
	n, err := upstream.Relay(w, &chunks{parts: parts}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(parts, "")
	if n != int64(len(want)) || w.Body.String() != want {
		t.Fatalf("relayed %d bytes %q, want %q", n, w.Body.String(), want)
	}
	wantFlushes := []string{parts[0], parts[0] + parts[1], want}
	if strings.Join(w.flushed, "|") != strings.Join(wantFlushes, "|") {
		t.Fatalf("flushes at %q, want one after each chunk %q", w.flushed, wantFlushes)
	}
}

func TestRelayWithoutFlush(t *testing.T) {
	w := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	n, err := upstream.Relay(w, &chunks{parts: []string{"{\"a\":", "1}"}}, false)
	if err != nil || n != 7 || w.Body.String() != `{"a":1}` {
		t.Fatalf("Relay = %d, %v, body %q", n, err, w.Body.String())
	}
	if len(w.flushed) != 0 {
		t.Fatalf("%d flushes when not asked", len(w.flushed))
	}
}

// dataWithEOF returns its data and io.EOF in the same Read.
type dataWithEOF struct{ done bool }

func (d *dataWithEOF) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	d.done = true
	return copy(p, "last"), io.EOF
}

func TestRelayKeepsDataReadWithEOF(t *testing.T) {
	w := httptest.NewRecorder()
	n, err := upstream.Relay(w, &dataWithEOF{}, true)
	if err != nil || n != 4 || w.Body.String() != "last" {
		t.Fatalf("Relay = %d, %v, body %q", n, err, w.Body.String())
	}
}

func TestRelayLargeBody(t *testing.T) {
	body := strings.Repeat("0123456789", 20_000) // several buffers
	w := httptest.NewRecorder()
	n, err := upstream.Relay(w, strings.NewReader(body), false)
	if err != nil || n != int64(len(body)) || w.Body.String() != body {
		t.Fatalf("Relay = %d, %v; body intact=%v", n, err, w.Body.String() == body)
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct {
	http.ResponseWriter
	limit, written int
	flushes        int
}

var errGone = errors.New("client went away")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.written+len(p) > f.limit {
		n := f.limit - f.written
		f.written = f.limit
		return n, errGone
	}
	f.written += len(p)
	return len(p), nil
}

func (f *failingWriter) Flush() { f.flushes++ }

func TestRelayReportsErrors(t *testing.T) {
	readErr := errors.New("backend reset the stream")
	tests := []struct {
		name    string
		w       *failingWriter
		body    io.Reader
		wantN   int64
		wantErr error
	}{
		{"write fails on the second chunk", &failingWriter{limit: 5}, &chunks{parts: []string{"12345", "6789"}}, 5, errGone},
		{"write fails part way", &failingWriter{limit: 3}, &chunks{parts: []string{"12345"}}, 3, errGone},
		{"read fails after a chunk", &failingWriter{limit: 100}, &chunks{parts: []string{"abc"}, err: readErr}, 3, readErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.w.ResponseWriter = httptest.NewRecorder()
			n, err := upstream.Relay(tt.w, tt.body, true)
			if !errors.Is(err, tt.wantErr) || n != tt.wantN {
				t.Fatalf("Relay = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
		})
	}
}

func TestIdleReaderCancelsAfterSilence(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ir := upstream.NewIdleReader(pr, 50*time.Millisecond, cancel)
	defer ir.Stop()
	go func() {
		pw.Write([]byte("first"))
		// then silence
	}()
	buf := make([]byte, 16)
	if n, err := ir.Read(buf); err != nil || string(buf[:n]) != "first" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a silent stream was not cancelled")
	}
}

// bufferedReader is a body already in memory, as h1 reports a small answer read whole.
type bufferedReader struct{ io.Reader }

func (bufferedReader) Buffered() bool { return true }

func TestIdleReaderNeedsNoTimerForABufferedBody(t *testing.T) {
	fired := make(chan struct{}, 1)
	ir := upstream.NewIdleReader(bufferedReader{strings.NewReader("whole")}, time.Millisecond, func() { fired <- struct{}{} })
	defer ir.Stop()
	time.Sleep(20 * time.Millisecond)
	if b, err := io.ReadAll(ir); err != nil || string(b) != "whole" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
	select {
	case <-fired:
		t.Fatal("a body that was all buffered was aborted as idle")
	default:
	}
}

func TestIdleReaderCancelsWhenNothingEverArrives(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ir := upstream.NewIdleReader(pr, 50*time.Millisecond, cancel)
	defer ir.Stop()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a backend that never sent a byte was not cancelled")
	}
}

func TestIdleReaderLetsABusyStreamRun(t *testing.T) {
	const idle = 150 * time.Millisecond
	pr, pw := io.Pipe()
	var cancelled atomic.Bool
	ir := upstream.NewIdleReader(pr, idle, func() { cancelled.Store(true) })
	defer ir.Stop()
	go func() {
		defer pw.Close()
		// Keep sending for three idle periods, a byte every 5 ms.
		for end := time.Now().Add(3 * idle); time.Now().Before(end); {
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	n, err := io.Copy(io.Discard, ir)
	if err != nil || n == 0 {
		t.Fatalf("copy = %d, %v", n, err)
	}
	if cancelled.Load() {
		t.Fatal("a stream that kept sending was cancelled as idle")
	}
}

func TestIdleReaderStop(t *testing.T) {
	var cancelled atomic.Bool
	ir := upstream.NewIdleReader(strings.NewReader("abc"), 20*time.Millisecond, func() { cancelled.Store(true) })
	if b, err := io.ReadAll(ir); err != nil || string(b) != "abc" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
	ir.Stop()
	time.Sleep(100 * time.Millisecond) // past the idle timeout: a stopped reader must stay quiet
	if cancelled.Load() {
		t.Fatal("cancel ran after Stop")
	}
}
