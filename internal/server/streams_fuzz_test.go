package server

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/usage"
)

// FuzzRelaySSE feeds arbitrary upstream streams through the metered SSE relay: it must not
// panic, must not multiply what it writes, must keep the usage-only chunk from a client that did
// not ask for it, and must end a cut stream with [DONE].
func FuzzRelaySSE(f *testing.F) {
	f.Add([]byte("data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi there\"}}]}\n\ndata: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"), int64(0))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"a b c d e f g h\"}}]}\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"i j k\"}}]}\r\r"), int64(2))
	f.Add([]byte(": comment\nevent: error\ndata: {\"error\":{\"message\":\"boom\"}}\n\n"), int64(1))
	f.Add([]byte("data: {\"choices\":[{\"text\":\"x\"}]}"), int64(0))
	f.Fuzz(func(t *testing.T, in []byte, cutAt int64) {
		if cutAt < 0 {
			cutAt = -cutAt
		}
		cutAt %= 64
		w := httptest.NewRecorder()
		obs := usage.NewSSEObserver(false, 5)
		res := relaySSE(w, bytes.NewReader(in), obs, cutAt, "")
		out := w.Body.Bytes()
		if int64(len(out)) != res.bytes {
			t.Fatalf("wrote %d bytes, reported %d", len(out), res.bytes)
		}
		// Each input line comes out at most once, with at most one added "\n" per line and per
		// event; a cut adds its ending (a chunk per choice, up to 128, and [DONE]).
		limit := 2*len(in) + 2
		if res.cut {
			limit += 128*512 + 64
		}
		if len(out) > limit {
			t.Fatalf("%d bytes in, %d out", len(in), len(out))
		}
		if res.cut && !strings.HasSuffix(string(out), "data: [DONE]\n\n") {
			t.Fatalf("a cut stream does not end with [DONE]: %q", out)
		}
		if bytes.Contains(out, []byte(`"choices":[],"usage"`)) && !bytes.Contains(in, []byte(`"choices":[],"usage"`)) {
			t.Fatalf("the relay made up a usage chunk: %q", out)
		}
	})
}

// FuzzRelayNDJSON does the same for Ollama streams.
func FuzzRelayNDJSON(f *testing.F) {
	f.Add([]byte("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"done\":false}\n{\"model\":\"m\",\"done\":true,\"prompt_eval_count\":3,\"eval_count\":1}\n"), int64(0))
	f.Add([]byte("{\"response\":\"a b c d e f\",\"done\":false}\n{\"response\":\"g\",\"done\":false}\n"), int64(2))
	f.Add([]byte("{\"error\":\"boom\"}\n\n  \n"), int64(1))
	f.Fuzz(func(t *testing.T, in []byte, cutAt int64) {
		if cutAt < 0 {
			cutAt = -cutAt
		}
		cutAt %= 64
		w := httptest.NewRecorder()
		res := relayNDJSON(w, bytes.NewReader(in), usage.NewNDJSONObserver("/api/chat", 5), cutAt, "")
		out := w.Body.Bytes()
		if int64(len(out)) != res.bytes {
			t.Fatalf("wrote %d bytes, reported %d", len(out), res.bytes)
		}
		limit := len(in) + 1
		if res.cut {
			limit += 1024
		}
		if len(out) > limit {
			t.Fatalf("%d bytes in, %d out", len(in), len(out))
		}
		if res.cut && !bytes.Contains(out, []byte(`"done":true,"done_reason":"length"`)) {
			t.Fatalf("a cut stream has no done frame: %q", out)
		}
	})
}
