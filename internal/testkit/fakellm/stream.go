package fakellm

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// encoder writes one endpoint's answer: the streamed frames and the
// non-streamed whole body. Each method appends to b and returns it.
type encoder interface {
	head(b []byte) []byte         // sent before the first content chunk; may add nothing
	chunk(b []byte, i int) []byte // content chunk i
	tail(b []byte) []byte         // everything after the last content chunk
	whole(b []byte) []byte        // the non-streamed answer
}

// answer is what every encoder needs to know about one call.
type answer struct {
	h            *Handler
	model        *model
	n            int    // content chunks to send
	finish       string // "stop" or "length"
	prompt       int64  // prompt token count
	id           uint64
	created      time.Time
	includeUsage bool
}

// newAnswer prepares a call's answer, cut to limit chunks when limit > 0.
func (h *Handler) newAnswer(m *model, prompt int64, limit int64) *answer {
	a := &answer{
		h:       h,
		model:   m,
		n:       len(h.chunks),
		finish:  "stop",
		prompt:  prompt,
		id:      h.idSeq.Add(1),
		created: time.Now(),
	}
	if limit > 0 && limit < int64(a.n) {
		a.n = int(limit)
		a.finish = "length"
	}
	return a
}

// appendText appends the JSON-escaped text of the first n chunks.
func (a *answer) appendText(b []byte) []byte {
	for _, c := range a.h.escChunks[:a.n] {
		b = append(b, c...)
	}
	return b
}

// respond sends the answer, streamed or whole. A whole answer waits the
// time a stream would take first.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, a *answer, enc encoder, stream bool, streamType, wholeType []string) {
	bp := h.getBuf()
	defer h.putBuf(bp)
	b := (*bp)[:0]
	defer func() { *bp = b }()

	// A server that closes mid-answer drops the connection, so the client
	// sees an error rather than a clean but short answer.
	finished := false
	defer func() {
		if !finished && h.closing() {
			panic(http.ErrAbortHandler)
		}
	}()
	if !stream {
		if !h.sleep(r.Context(), time.Duration(a.n)*h.opts.ChunkDelay) {
			return
		}
		b = enc.whole(b)
		hdr := w.Header()
		hdr["Content-Type"] = wholeType
		hdr["Content-Length"] = []string{strconv.Itoa(len(b))}
		_, _ = w.Write(b)
		finished = true
		return
	}

	s := h.startStream(w, r, streamType)
	s.modelCall = true
	defer s.stop()
	if b = enc.head(b[:0]); len(b) > 0 && !s.send(b) {
		return
	}
	for i := range a.n {
		if !s.wait() {
			return
		}
		if b = enc.chunk(b[:0], i); !s.send(b) {
			return
		}
	}
	b = enc.tail(b[:0])
	finished = s.send(b)
}

// stream writes frames and flushes each one, noticing a client that left.
type stream struct {
	h       *Handler
	w       http.ResponseWriter
	flusher http.Flusher
	ctx     context.Context
	timer   *time.Timer
	ended   bool
	// modelCall makes a client that leaves count toward Canceled.
	modelCall bool
}

// startStream sends the status and headers at once, so the client sees the
// call as started before the first chunk.
func (h *Handler) startStream(w http.ResponseWriter, r *http.Request, contentType []string) *stream {
	hdr := w.Header()
	hdr["Content-Type"] = contentType
	hdr["Cache-Control"] = noCacheValue
	w.WriteHeader(http.StatusOK)
	s := &stream{h: h, w: w, ctx: r.Context()}
	s.flusher, _ = w.(http.Flusher)
	if s.flusher != nil {
		s.flusher.Flush()
	}
	return s
}

// send writes and flushes one frame. It reports false when the stream must
// stop: the client went away or the server is closing.
func (s *stream) send(b []byte) bool {
	if s.ended {
		return false
	}
	if s.ctx.Err() != nil {
		return s.end()
	}
	if _, err := s.w.Write(b); err != nil {
		return s.end()
	}
	if s.flusher != nil {
		s.flusher.Flush()
	}
	return true
}

// wait sleeps ChunkDelay, cut short when the client leaves or the server closes.
func (s *stream) wait() bool {
	d := s.h.opts.ChunkDelay
	if d <= 0 {
		if s.ctx.Err() != nil {
			return s.end()
		}
		return true
	}
	if s.timer == nil {
		s.timer = time.NewTimer(d)
	} else {
		s.timer.Reset(d)
	}
	select {
	case <-s.timer.C:
		return true
	case <-s.ctx.Done():
	case <-s.h.done:
	}
	return s.end()
}

// end stops the stream, counting it as canceled unless the server is closing.
func (s *stream) end() bool {
	if !s.ended {
		s.ended = true
		if s.modelCall && !s.h.closing() {
			s.h.canceled.Add(1)
		}
	}
	return false
}

func (s *stream) stop() {
	if s.timer != nil {
		s.timer.Stop()
	}
}

// sleep waits d for a non-streamed answer. It reports false, counting a
// cancel, if the client leaves first; false without counting if the server
// closes.
func (h *Handler) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		if !h.closing() {
			h.canceled.Add(1)
		}
	case <-h.done:
	}
	return false
}

// closing reports whether the owning Server is shutting down.
func (h *Handler) closing() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// shutdown ends streams in progress; Server.Close calls it.
func (h *Handler) shutdown() { h.closeOnce.Do(func() { close(h.done) }) }
