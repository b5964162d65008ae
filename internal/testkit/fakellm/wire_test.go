package fakellm

// These tests check wire details byte by byte through the Handler, without
// a network: error shapes, stream framing, defaults.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func newHandler(t testing.TB, opts Options) *Handler {
	t.Helper()
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body = %s\nwant   %s", got, want)
	}
}

func TestErrorAnswers(t *testing.T) {
	h := newHandler(t, Options{})
	keyed := newHandler(t, Options{APIKey: "k1"})
	tests := []struct {
		name         string
		h            *Handler
		method, path string
		body         string
		status       int
		want         string
	}{
		{"openai unknown model", h, "POST", "/v1/chat/completions", `{"model":"x","messages":[]}`, 404,
			`{"error":{"message":"The model ` + "`x`" + ` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}`},
		{"ollama unknown model", h, "POST", "/api/chat", `{"model":"x"}`, 404,
			`{"error":"model \"x\" not found, try pulling it first"}`},
		{"ollama generate unknown model", h, "POST", "/api/generate", `{"model":"x","prompt":"p"}`, 404,
			`{"error":"model \"x\" not found, try pulling it first"}`},
		{"openai embeddings unknown model", h, "POST", "/v1/embeddings", `{"model":"x","input":"a"}`, 404,
			`{"error":{"message":"The model ` + "`x`" + ` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}`},
		{"openai malformed", h, "POST", "/v1/chat/completions", `{"model":`, 400,
			`{"error":{"message":"We could not parse the JSON body of your request: unexpected end of JSON input","type":"invalid_request_error","param":null,"code":null}}`},
		{"ollama malformed", h, "POST", "/api/chat", `{"model":`, 400, `{"error":"unexpected end of JSON input"}`},
		{"ollama wrong type", h, "POST", "/api/generate", `{"model":5}`, 400,
			`{"error":"json: cannot unmarshal number into Go struct field ollamaGenerateRequest.model of type string"}`},
		{"ollama empty body", h, "POST", "/api/embed", ``, 400, `{"error":"missing request body"}`},
		{"openai missing model", h, "POST", "/v1/completions", `{"prompt":"a"}`, 400,
			`{"error":{"message":"you must provide a model parameter","type":"invalid_request_error","param":"model","code":null}}`},
		{"ollama missing model", h, "POST", "/api/chat", `{"messages":[]}`, 400, `{"error":"model is required"}`},
		{"openai bad content", h, "POST", "/v1/chat/completions", `{"model":"llama3.1:8b","messages":[{"content":5}]}`, 400,
			`{"error":{"message":"Invalid value for 'messages[0].content': content must be a string or an array of content parts","type":"invalid_request_error","param":"messages[0].content","code":null}}`},
		{"openai bad encoding", h, "POST", "/v1/embeddings", `{"model":"llama3.1:8b","input":"a","encoding_format":"hex"}`, 400,
			`{"error":{"message":"Invalid value for 'encoding_format': expected 'float' or 'base64'","type":"invalid_request_error","param":"encoding_format","code":null}}`},
		{"openai empty input", h, "POST", "/v1/embeddings", `{"model":"llama3.1:8b","input":[]}`, 400,
			`{"error":{"message":"'input' must be a non-empty string, array of strings, or array of token arrays","type":"invalid_request_error","param":"input","code":null}}`},
		{"ollama bad embed input", h, "POST", "/api/embed", `{"model":"llama3.1:8b","input":[1]}`, 400, `{"error":"invalid input type"}`},
		{"openai unknown path", h, "GET", "/v1/nothing", ``, 404,
			`{"error":{"message":"Invalid URL (GET /v1/nothing)","type":"invalid_request_error","param":null,"code":null}}`},
		{"ollama wrong method", h, "GET", "/api/chat", ``, 404, `{"error":"404 page not found"}`},
		{"openai unknown model by id", h, "GET", "/v1/models/x", ``, 404,
			`{"error":{"message":"The model ` + "`x`" + ` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}`},
		{"ollama show unknown", h, "POST", "/api/show", `{"model":"x"}`, 404, `{"error":"model 'x' not found"}`},
		{"ollama copy unknown", h, "POST", "/api/copy", `{"source":"x","destination":"y"}`, 404, `{"error":"model \"x\" not found"}`},
		{"ollama pull no name", h, "POST", "/api/pull", `{}`, 400, `{"error":"invalid model name"}`},
		{"openai no key", keyed, "POST", "/v1/chat/completions", `{}`, 401,
			`{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`},
		{"ollama no key", keyed, "GET", "/api/tags", ``, 401, `{"error":"unauthorized"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(tt.h, tt.method, tt.path, tt.body)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type = %q", w.Header().Get("Content-Type"))
			}
			jsonEqual(t, w.Body.String(), tt.want)
		})
	}
}

func TestAPIKeySparesHealthProbe(t *testing.T) {
	h := newHandler(t, Options{APIKey: "k1"})
	if w := do(h, "GET", "/", ""); w.Code != 200 || w.Body.String() != "Ollama is running" {
		t.Errorf("probe = %d %q", w.Code, w.Body.String())
	}
	if w := do(h, "HEAD", "/", ""); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD probe = %d %q", w.Code, w.Body.String())
	}
	if w := do(h, "GET", "/api/tags", "", "Authorization", "Bearer k1"); w.Code != 200 {
		t.Errorf("tags with key = %d", w.Code)
	}
	if w := do(h, "GET", "/api/tags", "", "Authorization", "Bearer k2"); w.Code != 401 {
		t.Errorf("tags with wrong key = %d", w.Code)
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newHandler(t, Options{})
	r := httptest.NewRequest("POST", "/api/chat", strings.NewReader("{}"))
	r.ContentLength = maxBodyBytes + 1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", w.Code)
	}
}

// sseEvents splits an SSE body into its data payloads, checking framing.
func sseEvents(t *testing.T, body string) []string {
	t.Helper()
	if !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("stream does not end with [DONE]: %q", body)
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("bad SSE event %q", ev)
		}
		out = append(out, data)
	}
	return out
}

func TestOpenAIStreamFraming(t *testing.T) {
	h := newHandler(t, Options{Chunks: 2})
	tests := []struct {
		name      string
		path      string
		body      string
		wantUsage bool
		events    int // including [DONE]
	}{
		{"chat without usage", "/v1/chat/completions", `{"model":"llama3.1:8b","stream":true,"messages":[]}`, false, 5},
		{"chat with usage", "/v1/chat/completions", `{"model":"llama3.1:8b","stream":true,"stream_options":{"include_usage":true},"messages":[]}`, true, 6},
		{"text with usage", "/v1/completions", `{"model":"llama3.1:8b","stream":true,"stream_options":{"include_usage":true},"prompt":"a"}`, true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "POST", tt.path, tt.body)
			if w.Code != 200 || w.Header().Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d type %q", w.Code, w.Header().Get("Content-Type"))
			}
			events := sseEvents(t, w.Body.String())
			if len(events) != tt.events {
				t.Fatalf("%d events, want %d: %q", len(events), tt.events, events)
			}
			for i, ev := range events[:len(events)-1] {
				var obj map[string]any
				if err := json.Unmarshal([]byte(ev), &obj); err != nil {
					t.Fatalf("event %d not JSON: %v", i, err)
				}
				usage, has := obj["usage"]
				if has != tt.wantUsage {
					t.Errorf("event %d has usage key = %v, want %v", i, has, tt.wantUsage)
				}
				last := i == len(events)-2
				if tt.wantUsage && last {
					if choices := obj["choices"].([]any); len(choices) != 0 || usage == nil {
						t.Errorf("usage event: choices %v usage %v", choices, usage)
					}
				} else if tt.wantUsage && usage != nil {
					t.Errorf("event %d: usage %v, want null", i, usage)
				}
			}
		})
	}
}

func TestOllamaStreamDefaultsAndFraming(t *testing.T) {
	h := newHandler(t, Options{Chunks: 3})
	tests := []struct {
		name   string
		body   string
		lines  int
		ctype  string
		reason string
	}{
		{"stream absent means on", `{"model":"qwen2.5:7b","messages":[{"role":"user","content":"hi"}]}`, 4, "application/x-ndjson", "stop"},
		{"stream null means on", `{"model":"qwen2.5:7b","stream":null,"messages":[{"role":"user","content":"hi"}]}`, 4, "application/x-ndjson", "stop"},
		{"stream false", `{"model":"qwen2.5:7b","stream":false,"messages":[{"role":"user","content":"hi"}]}`, 1, "application/json; charset=utf-8", "stop"},
		{"num_predict", `{"model":"qwen2.5:7b","options":{"num_predict":1},"messages":[{"role":"user","content":"hi"}]}`, 2, "application/x-ndjson", "length"},
		{"num_predict -1 is endless", `{"model":"qwen2.5:7b","options":{"num_predict":-1},"messages":[{"role":"user","content":"hi"}]}`, 4, "application/x-ndjson", "stop"},
		{"no messages loads", `{"model":"qwen2.5:7b"}`, 1, "application/json; charset=utf-8", "load"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "POST", "/api/chat", tt.body)
			if w.Code != 200 || w.Header().Get("Content-Type") != tt.ctype {
				t.Fatalf("status %d type %q, want 200 %q", w.Code, w.Header().Get("Content-Type"), tt.ctype)
			}
			var frames []map[string]any
			sc := bufio.NewScanner(bytes.NewReader(w.Body.Bytes()))
			for sc.Scan() {
				var f map[string]any
				if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
					t.Fatalf("frame not JSON: %v: %s", err, sc.Bytes())
				}
				frames = append(frames, f)
			}
			if len(frames) != tt.lines {
				t.Fatalf("%d frames, want %d: %s", len(frames), tt.lines, w.Body.String())
			}
			for i, f := range frames {
				done := i == len(frames)-1
				if f["done"] != done {
					t.Errorf("frame %d done = %v", i, f["done"])
				}
				if _, ok := f["created_at"].(string); !ok || f["model"] != "qwen2.5:7b" {
					t.Errorf("frame %d lacks model/created_at: %v", i, f)
				}
			}
			final := frames[len(frames)-1]
			if final["done_reason"] != tt.reason {
				t.Errorf("done_reason = %v, want %s", final["done_reason"], tt.reason)
			}
			if tt.reason != "load" {
				for _, k := range []string{"total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"} {
					if v, ok := final[k].(float64); !ok || v <= 0 {
						t.Errorf("final frame %s = %v", k, final[k])
					}
				}
			}
		})
	}
}

func TestManagementEndpoints(t *testing.T) {
	h := newHandler(t, Options{})
	tests := []struct {
		method, path, body string
		status             int
		lastLine           string
	}{
		{"POST", "/api/pull", `{"model":"a"}`, 200, `{"status":"success"}`},
		{"POST", "/api/pull", `{"model":"a","stream":false}`, 200, `{"status":"success"}`},
		{"POST", "/api/push", `{"model":"llama3.1:8b"}`, 200, `{"status":"success"}`},
		{"POST", "/api/create", `{"model":"new","from":"llama3.1:8b"}`, 200, `{"status":"success"}`},
		{"POST", "/api/copy", `{"source":"llama3.1:8b","destination":"b"}`, 200, ``},
		{"DELETE", "/api/delete", `{"model":"llama3.1:8b"}`, 200, ``},
		{"GET", "/api/version", ``, 200, `{"version":"0.17.4"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			w := do(h, tt.method, tt.path, tt.body)
			lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
			if w.Code != tt.status || lines[len(lines)-1] != tt.lastLine {
				t.Errorf("got %d %q, want %d last line %q", w.Code, w.Body.String(), tt.status, tt.lastLine)
			}
		})
	}
	if w := do(h, "POST", "/api/pull", `{"model":"a","stream":false}`); strings.Count(w.Body.String(), "\n") != 1 {
		t.Errorf("non-streamed pull sent several frames: %q", w.Body.String())
	}
}

func TestNameHeaderAndModelAlias(t *testing.T) {
	h := newHandler(t, Options{Name: "b2", Models: []string{"tiny:latest"}})
	w := do(h, "POST", "/api/generate", `{"model":"tiny","prompt":"p","stream":false}`)
	if w.Code != 200 || w.Header().Get("X-Fakellm-Name") != "b2" {
		t.Fatalf("status %d name header %q", w.Code, w.Header().Get("X-Fakellm-Name"))
	}
	var res struct {
		Model, Response string
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Model != "tiny:latest" || res.Response != "b2: w0 w1 w2 w3" {
		t.Errorf("answer = %+v", res)
	}
}

func TestBuildChunks(t *testing.T) {
	tests := []struct {
		n           int
		reply, name string
		want        []string
	}{
		{3, "", "", []string{"w0", " w1", " w2"}},
		{2, "", "x", []string{"x: w0", " w1"}},
		{4, "ab", "x", []string{"a", "b"}},
		{2, "héllo", "", []string{"hé", "llo"}},
		{3, "abcdefg", "", []string{"ab", "cd", "efg"}},
	}
	for _, tt := range tests {
		if got := buildChunks(tt.n, tt.reply, tt.name); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("buildChunks(%d, %q, %q) = %q, want %q", tt.n, tt.reply, tt.name, got, tt.want)
		}
	}
}

func TestCountWords(t *testing.T) {
	tests := map[string]int{"": 0, "  ": 0, "a": 1, " a  b\nc\t": 3, "héllo wörld": 2}
	for in, want := range tests {
		if got := countWords(in); got != want {
			t.Errorf("countWords(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAppendJSONEscapedMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s", "\x00\x1f\n\r\t", "ü✓\u2028\u2029", "bad\xffutf8\xc3", "<&>"} {
		checkEscaped(t, s)
	}
}

// checkEscaped asserts the fast escaper yields JSON that decodes like
// encoding/json's own encoding of s.
func checkEscaped(t *testing.T, s string) {
	t.Helper()
	var got, want string
	if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
		t.Fatalf("escaped %q is not JSON: %v", s, err)
	}
	ref, _ := json.Marshal(s)
	if err := json.Unmarshal(ref, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("escape(%q) decodes to %q, want %q", s, got, want)
	}
}
