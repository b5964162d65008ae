package ollama

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warden-gw/warden/internal/api/jsonscan"
	"github.com/warden-gw/warden/internal/api/openai"
)

// ErrStreamCut is returned (wrapped) by TranslateStream when the upstream
// stream ends before its last chunk.
var ErrStreamCut = errors.New("upstream stream ended before completion")

// ErrLimitReached is returned by TranslateStreamLimit when it ended the
// stream itself, well-formed, at its limit.
var ErrLimitReached = errors.New("stream ended at its token limit")

// TranslateStream reads an OpenAI chat completion stream (SSE) from r and
// writes it to w as Ollama NDJSON for /api/chat or /api/generate, calling
// flush (if not nil) after every line. Each content or reasoning delta
// becomes one {"done":false} line; tool calls are sent whole in one line
// once complete; the last line is {"done":true,"done_reason":"stop"|
// "length",...} with prompt_eval_count, eval_count and durations measured
// here (Ollama's nanoseconds).
//
// When the stream fails — the upstream sends an error object, a malformed
// chunk, or ends (or breaks) before a finish_reason or [DONE] — it writes
// one {"error":"..."} line, which Ollama clients (the Go client, the CLI,
// Open WebUI) report as an error, and returns an error (ErrStreamCut for a
// cut stream). The caller sets the headers (Content-Type:
// application/x-ndjson) and must not call it for a non-2xx upstream status:
// use ErrorFromOpenAI then. The returned Usage counts what was seen either way.
func TranslateStream(kind StreamKind, clientModel string, r io.Reader, w io.Writer, flush func()) (Usage, error) {
	return TranslateStreamLimit(kind, clientModel, r, w, flush, 0)
}

// TranslateStreamLimit is TranslateStream that ends the stream itself once
// more than maxDeltas content deltas (about one token each) have passed, with a done
// frame of done_reason "length", and then returns ErrLimitReached. maxDeltas
// 0 means no limit.
func TranslateStreamLimit(kind StreamKind, clientModel string, r io.Reader, w io.Writer, flush func(), maxDeltas int) (Usage, error) {
	t := translator{
		kind:      kind,
		model:     jsonscan.AppendString(nil, clientModel),
		w:         w,
		flush:     flush,
		start:     time.Now(),
		maxDeltas: maxDeltas,
	}
	sse := openai.NewSSEReader(r)
	for {
		data, err := sse.Next()
		switch {
		case err == io.EOF:
			if !t.finished {
				return t.fail("upstream stream ended unexpectedly", ErrStreamCut)
			}
			return t.done()
		case err != nil:
			return t.fail("upstream stream failed", fmt.Errorf("reading upstream stream: %w", err))
		case string(bytes.TrimSpace(data)) == "[DONE]":
			if !t.finished && !t.sawChunk {
				return t.fail("upstream stream ended unexpectedly", ErrStreamCut)
			}
			return t.done()
		}
		if err := t.chunk(data); err != nil {
			if err == ErrLimitReached {
				u, werr := t.done()
				if werr != nil {
					return u, werr
				}
				return u, ErrLimitReached
			}
			return t.usage(), err
		}
	}
}

type translator struct {
	kind     StreamKind
	model    []byte // clientModel as a JSON string
	w        io.Writer
	flush    func()
	buf      []byte
	start    time.Time
	first    time.Time // first content delta
	deltas   int
	sawChunk bool
	finished bool // a finish_reason was seen
	reason   string
	up       Usage
	hasUsage bool
	calls    toolCalls
	sentCall bool
	// maxDeltas ends the stream after that many content deltas; 0 = never.
	maxDeltas int
}

func (t *translator) chunk(data []byte) error {
	c, err := readChunk(data)
	if err != nil {
		_, ferr := t.fail("upstream sent an invalid stream chunk", fmt.Errorf("invalid upstream chunk: %w", err))
		return ferr
	}
	if c.errMsg != "" {
		_, ferr := t.fail(c.errMsg, fmt.Errorf("upstream error: %s", c.errMsg))
		return ferr
	}
	t.sawChunk = true
	if c.hasUsage {
		t.up, t.hasUsage = c.usage, true
	}
	if c.toolCalls != nil {
		if err := t.calls.add(c.toolCalls); err != nil {
			_, ferr := t.fail("upstream sent invalid tool calls", fmt.Errorf("invalid upstream tool call: %w", err))
			return ferr
		}
	}
	if c.content != nil || c.thinking != nil {
		if t.deltas == 0 {
			t.first = time.Now()
		}
		t.deltas++
		if err := t.write(&frame{content: c.content, thinking: c.thinking}); err != nil {
			return err
		}
		if t.maxDeltas > 0 && t.deltas > t.maxDeltas && !c.hasFinish {
			t.finished, t.reason = true, "length"
			return ErrLimitReached
		}
	}
	if c.hasFinish && !t.finished {
		t.finished, t.reason = true, doneReason(c.finish)
		return t.sendCalls()
	}
	return nil
}

// sendCalls writes the collected tool calls, once.
func (t *translator) sendCalls() error {
	if t.sentCall || len(t.calls.calls) == 0 {
		return nil
	}
	t.sentCall = true
	calls, err := t.calls.appendJSON(nil)
	if err != nil {
		_, ferr := t.fail("upstream sent invalid tool calls", err)
		return ferr
	}
	return t.write(&frame{toolCalls: calls})
}

func (t *translator) done() (Usage, error) {
	if err := t.sendCalls(); err != nil {
		return t.usage(), err
	}
	end := time.Now()
	first := t.first
	if first.IsZero() {
		first = end
	}
	reason := t.reason
	if reason == "" {
		reason = "stop"
	}
	u := t.usage()
	err := t.write(&frame{done: true, reason: reason, usage: u, t: timings{
		total:      end.Sub(t.start),
		promptEval: first.Sub(t.start),
		eval:       end.Sub(first),
	}})
	return u, err
}

// fail writes an Ollama error line and returns err.
func (t *translator) fail(msg string, err error) (Usage, error) {
	t.buf = AppendError(t.buf[:0], msg)
	if _, werr := t.w.Write(t.buf); werr == nil && t.flush != nil {
		t.flush()
	}
	return t.usage(), err
}

func (t *translator) write(f *frame) error {
	t.buf = appendFrame(t.buf[:0], t.kind, t.model, time.Now(), f)
	if _, err := t.w.Write(t.buf); err != nil {
		return err
	}
	if t.flush != nil {
		t.flush()
	}
	return nil
}

func (t *translator) usage() Usage {
	if t.hasUsage {
		return t.up
	}
	return Usage{CompletionTokens: t.deltas, Estimated: true}
}
