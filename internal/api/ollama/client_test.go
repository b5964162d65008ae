package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
)

// fakeBackend plays an OpenAI-compatible server behind a translating
// handler, the way Warden sits between an Ollama client and vLLM.
type fakeBackend struct {
	t        *testing.T
	upstream map[string]any // last translated request
	sse      string         // streamed answer
	body     string         // non-streamed answer
	status   int            // non-2xx status to answer with
}

func (f *fakeBackend) handler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := ParseRequest(body, r.URL.Path == "/api/chat" || r.URL.Path == "/api/generate")
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	var out []byte
	switch r.URL.Path {
	case "/api/chat":
		out, err = ChatToOpenAI(body, "upstream-"+req.Model)
	case "/api/generate":
		out, err = GenerateToOpenAI(body, "upstream-"+req.Model)
	case "/api/embed":
		out, err = EmbedToOpenAI(body, "upstream-"+req.Model)
	case "/api/embeddings":
		out, err = EmbeddingsToOpenAI(body, "upstream-"+req.Model)
	}
	var local *LocalAnswer
	if errors.As(err, &local) {
		local.Write(w)
		return
	}
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	f.upstream = map[string]any{}
	if err := json.Unmarshal(out, &f.upstream); err != nil {
		f.t.Errorf("translated request is not JSON: %v", err)
	}
	if f.status != 0 {
		WriteError(w, f.status, ErrorFromOpenAI(f.status, []byte(f.body)))
		return
	}
	var resp []byte
	switch {
	case req.Stream && (r.URL.Path == "/api/chat" || r.URL.Path == "/api/generate"):
		kind := StreamChat
		if r.URL.Path == "/api/generate" {
			kind = StreamGenerate
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		flusher := w.(http.Flusher)
		if _, err := TranslateStream(kind, req.Model, strings.NewReader(f.sse), w, flusher.Flush); err != nil {
			f.t.Logf("stream: %v", err)
		}
		return
	case r.URL.Path == "/api/chat":
		resp, err = ChatFromOpenAI([]byte(f.body), req.Model)
	case r.URL.Path == "/api/generate":
		resp, err = GenerateFromOpenAI([]byte(f.body), req.Model)
	case r.URL.Path == "/api/embed":
		resp, err = EmbedFromOpenAI([]byte(f.body), req.Model)
	case r.URL.Path == "/api/embeddings":
		resp, err = EmbeddingsFromOpenAI([]byte(f.body))
	}
	if err != nil {
		WriteError(w, http.StatusBadGateway, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(resp)
}

func newClient(t *testing.T, f *fakeBackend) *api.Client {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(http.HandlerFunc(f.handler))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return api.NewClient(u, srv.Client())
}

const chatSSE = `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":", wörld \"!\""},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}

data: [DONE]

`

func TestOllamaClientChatStream(t *testing.T) {
	f := &fakeBackend{sse: chatSSE}
	client := newClient(t, f)
	var content strings.Builder
	var last api.ChatResponse
	frames := 0
	err := client.Chat(context.Background(), &api.ChatRequest{
		Model:    "llama3",
		Messages: []api.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}},
		Options:  map[string]any{"temperature": 0.3, "num_predict": 50},
	}, func(r api.ChatResponse) error {
		frames++
		content.WriteString(r.Message.Content)
		last = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := content.String(); got != `Hello, wörld "!"` {
		t.Errorf("content = %q", got)
	}
	if frames != 3 {
		t.Errorf("%d frames, want 2 deltas and a final one", frames)
	}
	if !last.Done || last.DoneReason != "stop" || last.PromptEvalCount != 12 || last.EvalCount != 3 {
		t.Errorf("final frame = %+v", last)
	}
	if last.Model != "llama3" || last.CreatedAt.IsZero() || last.TotalDuration <= 0 {
		t.Errorf("final frame model/time = %q %v %v", last.Model, last.CreatedAt, last.TotalDuration)
	}
	up := f.upstream
	if up["model"] != "upstream-llama3" || up["stream"] != true || up["temperature"] != 0.3 || up["max_tokens"] != 50.0 {
		t.Errorf("upstream request = %v", up)
	}
	if so, _ := up["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options = %v", up["stream_options"])
	}
}

func TestOllamaClientChatNonStream(t *testing.T) {
	f := &fakeBackend{body: `{"id":"c2","object":"chat.completion","model":"upstream-llama3","choices":[{"index":0,"message":{"role":"assistant","content":"It is 4.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"calc","arguments":"{\"expr\":\"2+2\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}`}
	client := newClient(t, f)
	stream := false
	var got api.ChatResponse
	err := client.Chat(context.Background(), &api.ChatRequest{
		Model: "llama3", Stream: &stream,
		Messages: []api.Message{{Role: "user", Content: "2+2?"}},
	}, func(r api.ChatResponse) error { got = r; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Message.Content != "It is 4." || !got.Done || got.DoneReason != "stop" || got.PromptEvalCount != 20 || got.EvalCount != 5 {
		t.Errorf("response = %+v", got)
	}
	if len(got.Message.ToolCalls) != 1 || got.Message.ToolCalls[0].Function.Name != "calc" {
		t.Fatalf("tool calls = %+v", got.Message.ToolCalls)
	}
	if v, _ := got.Message.ToolCalls[0].Function.Arguments.Get("expr"); v != "2+2" {
		t.Errorf("tool call arguments = %v", got.Message.ToolCalls[0].Function.Arguments.String())
	}
	if f.upstream["stream"] != false || f.upstream["stream_options"] != nil {
		t.Errorf("upstream stream fields = %v %v", f.upstream["stream"], f.upstream["stream_options"])
	}
}

func TestOllamaClientGenerateStream(t *testing.T) {
	f := &fakeBackend{sse: strings.ReplaceAll(chatSSE, `"finish_reason":"stop"`, `"finish_reason":"length"`)}
	client := newClient(t, f)
	var text strings.Builder
	var last api.GenerateResponse
	err := client.Generate(context.Background(), &api.GenerateRequest{Model: "llama3", System: "sys", Prompt: "say hello"},
		func(r api.GenerateResponse) error { text.WriteString(r.Response); last = r; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if text.String() != `Hello, wörld "!"` || !last.Done || last.DoneReason != "length" || last.PromptEvalCount != 12 || last.EvalCount != 3 {
		t.Errorf("text %q, last %+v", text.String(), last)
	}
	msgs, _ := f.upstream["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("upstream messages = %v", f.upstream["messages"])
	}
	if m := msgs[0].(map[string]any); m["role"] != "system" || m["content"] != "sys" {
		t.Errorf("system message = %v", m)
	}
	if m := msgs[1].(map[string]any); m["role"] != "user" || m["content"] != "say hello" {
		t.Errorf("user message = %v", m)
	}
}

func TestOllamaClientGenerateNonStream(t *testing.T) {
	f := &fakeBackend{body: `{"choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":1}}`}
	client := newClient(t, f)
	stream := false
	var got api.GenerateResponse
	err := client.Generate(context.Background(), &api.GenerateRequest{Model: "m", Prompt: "p", Stream: &stream},
		func(r api.GenerateResponse) error { got = r; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Response != "done" || !got.Done || got.PromptEvalCount != 2 || got.EvalCount != 1 || got.Model != "m" {
		t.Errorf("response = %+v", got)
	}
}

func TestOllamaClientStreamCutIsAnError(t *testing.T) {
	cut := chatSSE[:strings.Index(chatSSE, `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},`)]
	client := newClient(t, &fakeBackend{sse: cut})
	var content strings.Builder
	err := client.Chat(context.Background(), &api.ChatRequest{Model: "m", Messages: []api.Message{{Role: "user", Content: "hi"}}},
		func(r api.ChatResponse) error {
			if r.Done {
				t.Error("client saw done on a cut stream")
			}
			content.WriteString(r.Message.Content)
			return nil
		})
	if err == nil || !strings.Contains(err.Error(), "ended unexpectedly") {
		t.Errorf("err = %v, want the cut reported", err)
	}
	if content.String() != `Hello, wörld "!"` {
		t.Errorf("content before the cut = %q", content.String())
	}
}

func TestOllamaClientUpstreamError(t *testing.T) {
	client := newClient(t, &fakeBackend{status: http.StatusBadRequest, body: `{"error":{"message":"maximum context length is 8192 tokens","type":"BadRequestError"}}`})
	err := client.Chat(context.Background(), &api.ChatRequest{Model: "m", Messages: []api.Message{{Role: "user", Content: "hi"}}},
		func(api.ChatResponse) error { return nil })
	var se api.StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 || se.ErrorMessage != "maximum context length is 8192 tokens" {
		t.Errorf("err = %#v", err)
	}
}

func TestOllamaClientLoadOnly(t *testing.T) {
	f := &fakeBackend{}
	client := newClient(t, f)
	var got api.ChatResponse
	if err := client.Chat(context.Background(), &api.ChatRequest{Model: "m"}, func(r api.ChatResponse) error { got = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if !got.Done || got.DoneReason != "load" || got.Model != "m" || f.upstream != nil {
		t.Errorf("got %+v, upstream called: %v", got, f.upstream != nil)
	}
}

func TestOllamaClientEmbed(t *testing.T) {
	f := &fakeBackend{body: `{"object":"list","data":[{"object":"embedding","index":1,"embedding":[0.5,-1e-3]},{"object":"embedding","index":0,"embedding":[0.25,0]}],"model":"e","usage":{"prompt_tokens":7,"total_tokens":7}}`}
	client := newClient(t, f)
	resp, err := client.Embed(context.Background(), &api.EmbedRequest{Model: "nomic", Input: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != "nomic" || len(resp.Embeddings) != 2 || resp.Embeddings[0][0] != 0.25 || resp.Embeddings[1][1] != -0.001 || resp.PromptEvalCount != 7 {
		t.Errorf("response = %+v", resp)
	}
	if in, _ := f.upstream["input"].([]any); len(in) != 2 || f.upstream["encoding_format"] != "float" || f.upstream["model"] != "upstream-nomic" {
		t.Errorf("upstream = %v", f.upstream)
	}

	legacy, err := client.Embeddings(context.Background(), &api.EmbeddingRequest{Model: "nomic", Prompt: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(legacy.Embedding) != 2 || legacy.Embedding[0] != 0.25 {
		t.Errorf("legacy embedding = %v", legacy.Embedding)
	}
	if f.upstream["input"] != "a" {
		t.Errorf("legacy upstream input = %v", f.upstream["input"])
	}
}
