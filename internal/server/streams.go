package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/warden-gw/warden/internal/api/jsonscan"
	"github.com/warden-gw/warden/internal/api/lineio"
	"github.com/warden-gw/warden/internal/api/ollama"
	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/usage"
)

// maxEvent bounds one SSE event (all its lines) on its way through Warden.
const maxEvent = 4 << 20

var errEventTooLarge = errors.New("stream event larger than 4 MiB")

// flushReader flushes what was written to the caller before each read from the backend, so
// that every event leaves Warden before Warden waits for the next one, with one flush per read
// rather than one per event.
type flushReader struct {
	r     io.Reader
	f     http.Flusher
	dirty bool
}

// newFlushReader reads body for a relay that writes to w.
func newFlushReader(w http.ResponseWriter, body io.Reader) *flushReader {
	f, _ := w.(http.Flusher)
	return &flushReader{r: body, f: f}
}

func (fr *flushReader) Read(p []byte) (int, error) {
	fr.flush()
	return fr.r.Read(p)
}

func (fr *flushReader) flush() {
	if fr.dirty && fr.f != nil {
		fr.f.Flush()
	}
	fr.dirty = false
}

// finish is called when a relay stops. After an error what was written is flushed at once. At a
// clean end (ok) the last events stay buffered: the server sends them with the body's end once
// the handler returns, in one write instead of two, and only after the call has been settled, so
// that a client that starts its next call on seeing the end finds this one's limits released.
func (fr *flushReader) finish(ok bool) {
	if !ok {
		fr.flush()
	}
}

// streamResult is how a metered stream ended.
type streamResult struct {
	bytes int64
	cut   bool  // Warden ended it at the call's reservation
	err   error // a read or write error; nil at the stream's end or when cut
}

// relaySSE passes an OpenAI-format stream on event by event through obs, leaving out the events
// obs drops (the usage chunk a client did not ask for). Once obs counts more than cutAt completion
// tokens (cutAt > 0) it ends the stream well-formed instead of reading on. A non-empty rename replaces
// each chunk's top-level "model" (the backend's name for the model) with the client's.
func relaySSE(w http.ResponseWriter, body io.Reader, obs *usage.SSEObserver, cutAt int64, rename string) streamResult {
	fr := newFlushReader(w, body)
	var res streamResult
	defer func() { fr.finish(res.err == nil) }()
	lr := lineio.NewReader(fr, openai.DefaultMaxLine, true)
	defer lr.Release()
	write := func(b []byte) bool {
		n, err := w.Write(b)
		res.bytes += int64(n)
		fr.dirty = true
		res.err = err
		return err == nil
	}
	var ev []byte
	for {
		line, rerr := lr.ReadLine()
		if rerr == nil && len(line) > 0 {
			if len(ev)+len(line) >= maxEvent {
				res.err = errEventTooLarge
				return res
			}
			if rename != "" {
				ev = appendRenamedLine(ev, line, rename)
			} else {
				ev = append(ev, line...)
			}
			ev = append(ev, '\n')
			continue
		}
		if len(ev) > 0 {
			if !obs.Observe(ev) && !write(append(ev, '\n')) {
				return res
			}
			ev = ev[:0]
			if cutAt > 0 && !obs.Done() && obs.Usage().CompletionTokens > cutAt {
				res.cut = true
				write(obs.AppendCut(nil))
				return res
			}
		}
		if rerr != nil {
			if rerr != io.EOF {
				res.err = rerr
			}
			return res
		}
	}
}

// relayNDJSON passes an Ollama stream on line by line through obs; once obs counts more than
// cutAt completion tokens (cutAt > 0) it ends the stream with a done frame instead of reading on.
// A non-empty rename replaces each line's top-level "model" with the client's name.
func relayNDJSON(w http.ResponseWriter, body io.Reader, obs *usage.NDJSONObserver, cutAt int64, rename string) streamResult {
	fr := newFlushReader(w, body)
	var res streamResult
	defer func() { fr.finish(res.err == nil) }()
	nd := ollama.NewNDJSONReader(fr)
	defer nd.Release()
	var buf []byte
	for {
		line, rerr := nd.Next()
		if rerr != nil {
			if rerr != io.EOF {
				res.err = rerr
			}
			return res
		}
		if rename != "" && line[0] == '{' {
			if b, err := jsonscan.SetTopLevelString(line, "model", rename); err == nil {
				line = b
			}
		}
		obs.Observe(line)
		buf = append(append(buf[:0], line...), '\n')
		if cutAt > 0 && !obs.Done() && obs.Usage().CompletionTokens > cutAt {
			buf = obs.AppendCut(buf)
			res.cut = true
		}
		n, err := w.Write(buf)
		res.bytes += int64(n)
		fr.dirty = true
		if err != nil || res.cut {
			res.err = err
			return res
		}
	}
}

// appendRenamedLine appends an SSE line, with the top-level "model" of a JSON data line replaced
// by name; any other line, or one that does not parse, as it is.
func appendRenamedLine(dst, line []byte, name string) []byte {
	payload, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return append(dst, line...)
	}
	payload = bytes.TrimPrefix(payload, []byte(" "))
	if len(payload) == 0 || payload[0] != '{' {
		return append(dst, line...)
	}
	b, err := jsonscan.SetTopLevelString(payload, "model", name)
	if err != nil {
		return append(dst, line...)
	}
	return append(append(dst, "data: "...), b...)
}
