package usage

import (
	"bytes"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// cutTime is the clock of the endings compared in these tests.
var cutTime = time.Unix(1795419325, 5)

// diffSSE feeds events to an observer that uses learned shapes and to one
// that always parses in full, and fails unless they agree on every drop,
// Usage, Done, Final, the text they counted, and the ending.
func diffSSE(t *testing.T, events [][]byte, clientUsage bool) (fast *SSEObserver) {
	t.Helper()
	fast, ref := NewSSEObserver(clientUsage, 3), NewSSEObserver(clientUsage, 3)
	ref.noShape = true
	for i, ev := range events {
		df, dr := fast.Observe(ev), ref.Observe(ev)
		if df != dr {
			t.Fatalf("event %d %q: drop %v, full parse %v", i, ev, df, dr)
		}
		if uf, ur := fast.Usage(), ref.Usage(); uf != ur {
			t.Fatalf("event %d %q: Usage %+v, full parse %+v", i, ev, uf, ur)
		}
		if fast.Done() != ref.Done() {
			t.Fatalf("event %d %q: Done %v, full parse %v", i, ev, fast.Done(), ref.Done())
		}
	}
	sameText(t, &fast.text, &ref.text)
	sameEnding(t, fast, ref)
	return fast
}

// diffNDJSON does the same for Ollama lines.
func diffNDJSON(t *testing.T, lines [][]byte, endpoint string) (fast *NDJSONObserver) {
	t.Helper()
	fast, ref := NewNDJSONObserver(endpoint, 3), NewNDJSONObserver(endpoint, 3)
	ref.noShape = true
	for i, l := range lines {
		fast.Observe(l)
		ref.Observe(l)
		if uf, ur := fast.Usage(), ref.Usage(); uf != ur {
			t.Fatalf("line %d %q: Usage %+v, full parse %+v", i, l, uf, ur)
		}
		if fast.Done() != ref.Done() {
			t.Fatalf("line %d %q: Done %v, full parse %v", i, l, fast.Done(), ref.Done())
		}
	}
	sameText(t, &fast.text, &ref.text)
	sameEnding(t, fast, ref)
	return fast
}

// ending is what both observers offer once a stream is over.
type ending interface {
	Final() Usage
	appendCut(dst []byte, now time.Time) []byte
}

// sameEnding fails unless the fast and the full-parse observer end a stream alike.
func sameEnding(t *testing.T, fast, ref ending) {
	t.Helper()
	if uf, ur := fast.Final(), ref.Final(); uf != ur {
		t.Fatalf("Final %+v, full parse %+v", uf, ur)
	}
	if cf, cr := fast.appendCut(nil, cutTime), ref.appendCut(nil, cutTime); !bytes.Equal(cf, cr) {
		t.Fatalf("ending\n%s\nfull parse\n%s", cf, cr)
	}
}

func sameText(t *testing.T, a, b *textCounter) {
	t.Helper()
	if a.pieces != b.pieces || a.bytes != b.bytes || !bytes.Equal(a.sample, b.sample) {
		t.Fatalf("counted %d pieces, %d bytes, sample %q; full parse %d, %d, %q", a.pieces, a.bytes, a.sample, b.pieces, b.bytes, b.sample)
	}
}

// vary returns ev with the content of the first string after marker (which
// ends with its opening quote) replaced by piece, or nil when ev has no
// marker. The string's end is the next quote, escaped or not: any bytes
// will do, well-formed or not.
func vary(ev []byte, marker string, piece []byte) []byte {
	k := bytes.Index(ev, []byte(marker))
	if k < 0 {
		return nil
	}
	start := k + len(marker)
	end := bytes.IndexByte(ev[start:], '"')
	if end < 0 {
		return nil
	}
	out := append(append([]byte{}, ev[:start]...), piece...)
	return append(out, ev[start+end:]...)
}

// variants makes an event sequence from stream (events split on sep) and
// pieces (split on NUL): the events, then each piece put in a string of
// one of them, with the events again now and then in between.
func variants(stream, pieces []byte, sep string, markers []string) [][]byte {
	events := bytes.Split(stream, []byte(sep))
	seq := append([][]byte{}, events...)
	if len(pieces) == 0 {
		return seq
	}
	for i, p := range bytes.Split(pieces, []byte{0}) {
		ev := events[i%len(events)]
		for m := range markers {
			if v := vary(ev, markers[(i+m)%len(markers)], p); v != nil {
				seq = append(seq, v)
				break
			}
		}
		if i%3 == 2 {
			seq = append(seq, events[(i/3)%len(events)])
		}
	}
	return seq
}

var (
	sseMarkers    = []string{`"content":"`, `"text":"`, `"reasoning_content":"`, `"arguments":"`, `"id":"`}
	ndjsonMarkers = []string{`"content":"`, `"response":"`, `"thinking":"`, `"created_at":"`, `"model":"`}
)

// FuzzSSEShape checks that reading chunks by their learned shape gives
// exactly what the full parse gives, on any events.
func FuzzSSEShape(f *testing.F) {
	f.Add([]byte(roleChunk+"\n\n"+chunk(delta(`"Hi"`), "")+"\n\n"+usageChunk+"\n\n[DONE]"), []byte("a\x00b\\\"c\x00\\u00e9\x00\"\x00\\"), false)
	f.Add([]byte(chunk(delta(`"x"`), "null")+"\n\n"+chunk(`[]`, `{"prompt_tokens":1,"completion_tokens":2}`)), []byte("\x01\x00\\ud800\x00\\q\x00ok"), true)
	f.Fuzz(func(t *testing.T, stream, pieces []byte, clientUsage bool) {
		diffSSE(t, variants(stream, pieces, "\n\n", sseMarkers), clientUsage)
	})
}

// FuzzNDJSONShape does the same for Ollama lines.
func FuzzNDJSONShape(f *testing.F) {
	f.Add([]byte(ollamaChat1+"\n"+ollamaChat2+"\n"+ollamaChatEnd), []byte("a\x00b\\\"c\x00\\u003c\x00\"\x00\\"), false)
	f.Add([]byte(ollamaGen1+"\n"+ollamaChat1+"\n"+ollamaGenEnd), []byte("x\x00y\x00z\x00w"), true)
	f.Fuzz(func(t *testing.T, stream, pieces []byte, generate bool) {
		endpoint := "/api/chat"
		if generate {
			endpoint = "/api/generate"
		}
		diffNDJSON(t, variants(stream, pieces, "\n", ndjsonMarkers), endpoint)
	})
}

// The chunks vLLM, Ollama and llama.cpp send for text are read by shape
// after the first one, and count as the full parse counts them.
func TestShapeReadsCommonChunks(t *testing.T) {
	const (
		vllm     = `{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1795419325,"model":"qwen","choices":[{"index":0,"delta":{"content":"%"},"logprobs":null,"finish_reason":null}],"usage":null}`
		ollamaV1 = `{"id":"chatcmpl-506","object":"chat.completion.chunk","created":1795419325,"model":"llama3.1:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"%"},"finish_reason":null}]}`
		llamacpp = `{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"%"}}],"created":1795419325,"id":"chatcmpl-x","model":"gpt-3.5-turbo","system_fingerprint":"b4567","object":"chat.completion.chunk"}`
		text     = `{"id":"cmpl-4","object":"text_completion","created":1,"model":"m","choices":[{"text":"%","index":0,"logprobs":null,"finish_reason":null}],"usage":null}`
		tool     = `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"%"}}]}}]}`
	)
	pieces := []string{"Hello", " world", `\n\n`, `\"quoted\"`, `caf\u00e9 `, "日本", `\u003c/b\u003e`}
	for name, tmpl := range map[string]string{"vllm": vllm, "ollama /v1": ollamaV1, "llama.cpp": llamacpp, "text completion": text, "tool call": tool} {
		t.Run(name, func(t *testing.T) {
			var events [][]byte
			for _, p := range pieces {
				events = append(events, bytes.Replace([]byte(tmpl), []byte("%"), []byte(p), 1))
			}
			events = append(events, []byte("data: "+string(events[0])+"\n"))
			fast := diffSSE(t, events, false)
			var counted [maxSlots][]byte
			for _, ev := range events[1:] {
				if !fast.shape.match(fast.eventData(ev), &counted) {
					t.Errorf("not read by shape: %s", ev)
				}
			}
		})
	}
	for name, tmpl := range map[string]string{
		"ollama chat":     `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.6442%Z","message":{"role":"assistant","content":"%"},"done":false}`,
		"ollama generate": `{"model":"llama3.1:8b","created_at":"2026-11-23T07:35:25.6446%Z","response":"%","done":false}`,
		"ollama thinking": `{"model":"qwen3","created_at":"2026-11-23T07:35:25.6446%Z","message":{"role":"assistant","content":"","thinking":"%"},"done":false}`,
	} {
		t.Run(name, func(t *testing.T) {
			var lines [][]byte
			for i, p := range pieces {
				l := bytes.Replace([]byte(tmpl), []byte("%"), []byte{byte('0' + i)}, 1)
				lines = append(lines, bytes.Replace(l, []byte("%"), []byte(p), 1))
			}
			fast := diffNDJSON(t, lines, "/api/chat")
			var counted [maxSlots][]byte
			for _, l := range lines[1:] {
				if !fast.shape.match(l, &counted) {
					t.Errorf("not read by shape: %s", l)
				}
			}
		})
	}
}

// Chunks that look like the learned one but are not exactly its shape are
// read in full: a usage report, a second choice, a closed string.
func TestShapeFallsBack(t *testing.T) {
	c := func(content, usage string) []byte { return []byte(chunk(delta(content), usage)) }
	events := [][]byte{
		c(`"a"`, "null"),
		c(`"b"`, `{"prompt_tokens":4,"completion_tokens":2}`),
		c(`"c"`, "null"),
		c(`"d","x":"y"`, "null"),
		c(`"e\"`, "null"),
		c(`"f\u12"`, "null"),
		c("\"g\x01\"", "null"),
		[]byte(chunk(`[{"index":0,"delta":{"content":"h"},"logprobs":null,"finish_reason":null},{"index":1,"delta":{"content":"i"}}]`, "null")),
		c(`"j"`, "null"),
		[]byte(chunk(`[]`, `{"prompt_tokens":4,"completion_tokens":9}`)),
	}
	o := diffSSE(t, events, false)
	if got := o.Usage(); got != (Usage{PromptTokens: 4, CompletionTokens: 9}) {
		t.Errorf("Usage = %+v, want the last report", got)
	}
	if got := string(o.AppendCut(nil)); !bytes.Contains([]byte(got), []byte(`"index":1`)) {
		t.Errorf("ending does not close choice 1:\n%s", got)
	}
	// The kind an Ollama line sets follows the line, shape or not.
	diffNDJSON(t, [][]byte{[]byte(ollamaChat1), []byte(ollamaGen1), []byte(ollamaChat2)}, "/api/generate")
}

// stringEnd accepts exactly the strings jsonscan accepts.
func TestStringEndAgreesWithJSONScan(t *testing.T) {
	for _, s := range []string{
		``, `a`, `\"`, `\\`, `\/`, `\b\f\n\r\t`, `\u00e9`, `\u00E9x`, `\ud800`, "\x7f\xff\xfe", "é",
		`\`, `\x`, `\u12`, `\u12g4`, "\x00", "\x1f", "\t", `a\`, `\u`,
	} {
		b := []byte(`{"k":"` + s + `"}`)
		want := jsonscan.ValidObject(b) == nil
		end := stringEnd(b, 6)
		got := end == len(b)-2
		if got != want {
			t.Errorf("%q: stringEnd says well formed %v, jsonscan %v", s, got, want)
		}
	}
}
