package usage

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	ollamaapi "github.com/ollama/ollama/api"
	oa "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/warden-gw/warden/internal/api/ollama"
	"github.com/warden-gw/warden/internal/api/openai"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// relay is the smallest gateway that uses this package the way Warden's
// relay will: it asks the backend for usage, passes the stream on through
// an observer, drops what the observer says to drop, and once cutAfter
// content events (0: never) have passed, ends the stream with the
// observer's ending instead of reading on.
type relay struct {
	t        *testing.T
	url      string // the relay's
	backend  string // the fake's
	cutAfter int
	usage    chan Usage // the observer's Final usage, one per call
}

func startRelay(t *testing.T, cutAfter int) *relay {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 6})
	r := &relay{t: t, backend: fake.URL, cutAfter: cutAfter, usage: make(chan Usage, 1)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	fw := w.(http.Flusher)
	if strings.HasPrefix(req.URL.Path, "/v1/") {
		parsed, err := openai.ParseRequest(body)
		if err != nil {
			openai.WriteError(w, 400, "bad_request", err.Error())
			return
		}
		obs := NewSSEObserver(parsed.IncludeUsage, EstimatePrompt(DialectOpenAI, req.URL.Path, body))
		if body, err = openai.SetIncludeUsage(body); err != nil {
			r.t.Error(err)
		}
		resp := r.forward(req.URL.Path, body)
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "text/event-stream")
		sse, content := openai.NewSSEReader(resp.Body), 0
		for {
			data, err := sse.Next()
			if err != nil {
				break
			}
			if obs.Observe(data) {
				continue
			}
			_, _ = w.Write(append(append([]byte("data: "), data...), "\n\n"...))
			if r.cutAfter > 0 && bytes.Contains(data, []byte(`"content":"`)) && !bytes.Contains(data, []byte(`"content":""`)) {
				if content++; content == r.cutAfter {
					_, _ = w.Write(obs.AppendCut(nil))
					break
				}
			}
			fw.Flush()
		}
		r.usage <- obs.Final()
		return
	}
	obs := NewNDJSONObserver(req.URL.Path, EstimatePrompt(DialectOllama, req.URL.Path, body))
	resp := r.forward(req.URL.Path, body)
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/x-ndjson")
	nd, content := ollama.NewNDJSONReader(resp.Body), 0
	for {
		line, err := nd.Next()
		if err != nil {
			break
		}
		obs.Observe(line)
		_, _ = w.Write(append(line, '\n'))
		if content++; content == r.cutAfter {
			_, _ = w.Write(obs.AppendCut(nil))
			break
		}
		fw.Flush()
	}
	r.usage <- obs.Final()
}

func (r *relay) forward(path string, body []byte) *http.Response {
	resp, err := http.Post(r.backend+path, "application/json", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

func openAIClient(r *relay) *oa.Client {
	c := oa.NewClient(option.WithBaseURL(r.url+"/v1/"), option.WithAPIKey("k"), option.WithMaxRetries(0))
	return &c
}

func ollamaClient(t *testing.T, r *relay) *ollamaapi.Client {
	u, err := url.Parse(r.url)
	if err != nil {
		t.Fatal(err)
	}
	return ollamaapi.NewClient(u, http.DefaultClient)
}

// TestRelayOpenAIStream: the backend always sends usage; only a client
// that asked sees it, and Warden knows it either way.
func TestRelayOpenAIStream(t *testing.T) {
	for _, includeUsage := range []bool{false, true} {
		t.Run(map[bool]string{false: "client did not ask for usage", true: "client asked for usage"}[includeUsage], func(t *testing.T) {
			r := startRelay(t, 0)
			p := oa.ChatCompletionNewParams{Model: "llama3.1:8b", Messages: []oa.ChatCompletionMessageParamUnion{oa.UserMessage("hello there")}}
			if includeUsage {
				p.StreamOptions = oa.ChatCompletionStreamOptionsParam{IncludeUsage: oa.Bool(true)}
			}
			stream := openAIClient(r).Chat.Completions.NewStreaming(t.Context(), p)
			usageChunks, finish := 0, ""
			for stream.Next() {
				ch := stream.Current()
				if len(ch.Choices) == 0 {
					usageChunks++
					continue
				}
				if f := ch.Choices[0].FinishReason; f != "" {
					finish = f
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 0, true: 1}[includeUsage]; usageChunks != want {
				t.Errorf("client saw %d usage chunks, want %d", usageChunks, want)
			}
			if finish != "stop" {
				t.Errorf("finish_reason %q, want stop", finish)
			}
			if got := <-r.usage; got.Estimated || got.CompletionTokens != 6 || got.PromptTokens == 0 {
				t.Errorf("observed usage %+v, want the backend's report with 6 completion tokens", got)
			}
		})
	}
}

// TestRelayOpenAICut: a stream cut by Warden ends well-formed for the
// real client, with finish_reason "length", the stream's id and model,
// and the counts so far when the client asked for usage.
func TestRelayOpenAICut(t *testing.T) {
	r := startRelay(t, 2)
	p := oa.ChatCompletionNewParams{Model: "qwen2.5:7b", Messages: []oa.ChatCompletionMessageParamUnion{oa.UserMessage("hello there")},
		StreamOptions: oa.ChatCompletionStreamOptionsParam{IncludeUsage: oa.Bool(true)}}
	stream := openAIClient(r).Chat.Completions.NewStreaming(t.Context(), p)
	var chunks []oa.ChatCompletionChunk
	for stream.Next() {
		chunks = append(chunks, stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 3 {
		t.Fatalf("got %d chunks", len(chunks))
	}
	end, last := chunks[len(chunks)-2], chunks[len(chunks)-1]
	if len(end.Choices) != 1 || end.Choices[0].FinishReason != "length" {
		t.Fatalf("ending chunk %+v, want finish_reason length", end.Choices)
	}
	if end.ID != chunks[0].ID || end.Model != "qwen2.5:7b" || end.Created != chunks[0].Created || end.Object != "chat.completion.chunk" {
		t.Errorf("ending chunk id %q model %q created %d object %q; stream had id %q created %d",
			end.ID, end.Model, end.Created, end.Object, chunks[0].ID, chunks[0].Created)
	}
	if len(last.Choices) != 0 || last.Usage.CompletionTokens != 2 {
		t.Errorf("usage chunk %+v, want choices [] and 2 completion tokens", last.Usage)
	}
	if got := <-r.usage; !got.Estimated || got.CompletionTokens < 2 {
		t.Errorf("observed usage %+v, want an estimate of at least 2 completion tokens", got)
	}
}

func TestRelayOllamaCut(t *testing.T) {
	for _, path := range []string{"/api/chat", "/api/generate"} {
		t.Run(path, func(t *testing.T) {
			r := startRelay(t, 3)
			c := ollamaClient(t, r)
			var last ollamaapi.Metrics
			var reason, text string
			var done bool
			var err error
			if path == "/api/chat" {
				err = c.Chat(t.Context(), &ollamaapi.ChatRequest{Model: "llama3.1:8b", Messages: []ollamaapi.Message{{Role: "user", Content: "hello there"}}},
					func(resp ollamaapi.ChatResponse) error {
						text += resp.Message.Content
						last, reason, done = resp.Metrics, resp.DoneReason, resp.Done
						return nil
					})
			} else {
				err = c.Generate(t.Context(), &ollamaapi.GenerateRequest{Model: "llama3.1:8b", Prompt: "hello there"},
					func(resp ollamaapi.GenerateResponse) error {
						text += resp.Response
						last, reason, done = resp.Metrics, resp.DoneReason, resp.Done
						return nil
					})
			}
			if err != nil {
				t.Fatal(err)
			}
			if !done || reason != "length" || last.EvalCount != 3 || last.PromptEvalCount == 0 {
				t.Errorf("last frame done=%v reason=%q eval_count=%d prompt_eval_count=%d; want done, length, 3, >0",
					done, reason, last.EvalCount, last.PromptEvalCount)
			}
			if text != "w0 w1 w2" {
				t.Errorf("text %q, want the first three chunks", text)
			}
			if got := <-r.usage; !got.Estimated || got.CompletionTokens < 3 {
				t.Errorf("observed usage %+v, want an estimate of at least 3", got)
			}
		})
	}
}

func TestRelayOllamaStream(t *testing.T) {
	r := startRelay(t, 0)
	var final ollamaapi.ChatResponse
	err := ollamaClient(t, r).Chat(t.Context(), &ollamaapi.ChatRequest{Model: "llama3.1:8b", Messages: []ollamaapi.Message{{Role: "user", Content: "hello there"}}},
		func(resp ollamaapi.ChatResponse) error { final = resp; return nil })
	if err != nil {
		t.Fatal(err)
	}
	got := <-r.usage
	if got.Estimated || got.CompletionTokens != int64(final.EvalCount) || got.PromptTokens != int64(final.PromptEvalCount) {
		t.Errorf("observed %+v, backend reported %d/%d", got, final.PromptEvalCount, final.EvalCount)
	}
}

// TestCutParsesWithClientTypes decodes the endings with the clients' own
// types, including before any chunk and for several choices.
func TestCutParsesWithClientTypes(t *testing.T) {
	t.Run("openai before any chunk", func(t *testing.T) {
		events := sseDataLines(t, NewSSEObserver(true, 5).AppendCut(nil))
		if len(events) != 3 || events[2] != "[DONE]" {
			t.Fatalf("events %q, want ending, usage, [DONE]", events)
		}
		var ch oa.ChatCompletionChunk
		if err := json.Unmarshal([]byte(events[0]), &ch); err != nil || ch.Choices[0].FinishReason != "length" || ch.ID == "" || ch.Created == 0 {
			t.Errorf("ending %s: %v", events[0], err)
		}
		var u oa.ChatCompletionChunk
		if err := json.Unmarshal([]byte(events[1]), &u); err != nil || u.Usage.PromptTokens != 5 || u.Usage.TotalTokens != 5 {
			t.Errorf("usage chunk %s: %v", events[1], err)
		}
	})
	t.Run("openai several choices", func(t *testing.T) {
		o := NewSSEObserver(false, 0)
		o.Observe([]byte(chunk(`[{"index":0,"delta":{"content":"a"}},{"index":2,"delta":{"content":"b"}}]`, "")))
		events := sseDataLines(t, o.AppendCut(nil))
		if len(events) != 4 {
			t.Fatalf("events %q, want 3 endings and [DONE]", events)
		}
		for i, ev := range events[:3] {
			var ch oa.ChatCompletionChunk
			if err := json.Unmarshal([]byte(ev), &ch); err != nil || ch.Choices[0].Index != int64(i) || ch.ID != "chatcmpl-7" || ch.Model != "llama3.1:8b" {
				t.Errorf("ending %d %s: %v", i, ev, err)
			}
		}
	})
	t.Run("openai text completion", func(t *testing.T) {
		o := NewSSEObserver(false, 0)
		o.Observe([]byte(`{"id":"cmpl-4","object":"text_completion","created":9,"model":"m","choices":[{"text":"w0","index":0}]}`))
		events := sseDataLines(t, o.AppendCut(nil))
		var c oa.Completion
		if err := json.Unmarshal([]byte(events[0]), &c); err != nil || c.Choices[0].FinishReason != "length" || c.ID != "cmpl-4" || c.Created != 9 {
			t.Errorf("ending %s: %v", events[0], err)
		}
	})
	t.Run("ollama before any frame", func(t *testing.T) {
		out := NewNDJSONObserver("/api/generate", 4).AppendCut(nil)
		var g ollamaapi.GenerateResponse
		if err := json.Unmarshal(out, &g); err != nil || !g.Done || g.DoneReason != "length" || g.PromptEvalCount != 4 || g.CreatedAt.IsZero() {
			t.Errorf("ending %s: %v", out, err)
		}
		if !bytes.HasSuffix(out, []byte("}\n")) || bytes.Count(out, []byte("\n")) != 1 {
			t.Errorf("ending %q is not one NDJSON line", out)
		}
	})
}

// sseDataLines returns the data of each event in b, read the way clients
// read them.
func sseDataLines(t *testing.T, b []byte) []string {
	t.Helper()
	r := openai.NewSSEReader(bytes.NewReader(b))
	var out []string
	for {
		data, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
}
