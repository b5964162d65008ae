package fakellm

// These tests drive the fake with the real clients (openai-go and Ollama's
// api package): they prove the fake speaks the wire formats faithfully.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func openaiClient(s *Server, key string) openai.Client {
	return openai.NewClient(
		option.WithBaseURL(s.URL+"/v1/"),
		option.WithAPIKey(key),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: &http.Transport{}}),
	)
}

func ollamaClient(t *testing.T, s *Server) *api.Client {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, &http.Client{Transport: &http.Transport{}})
}

func chatParams(model, prompt string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)},
	}
}

// eventually polls cond until it holds; it fails the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOpenAIChatNonStream(t *testing.T) {
	s := StartTB(t, Options{Name: "alpha"})
	c := openaiClient(s, "k")

	res, err := c.Chat.Completions.New(t.Context(), chatParams("llama3.1:8b", "hello there friend"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Choices[0].Message.Content, "alpha: w0 w1 w2 w3"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if res.Choices[0].Message.Role != "assistant" || res.Choices[0].FinishReason != "stop" {
		t.Errorf("role %q finish %q, want assistant/stop", res.Choices[0].Message.Role, res.Choices[0].FinishReason)
	}
	if res.Model != "llama3.1:8b" || res.ID == "" || res.Created == 0 || res.Object != "chat.completion" {
		t.Errorf("model %q id %q created %d object %q", res.Model, res.ID, res.Created, res.Object)
	}
	u := res.Usage
	if u.PromptTokens != 3 || u.CompletionTokens != 4 || u.TotalTokens != 7 {
		t.Errorf("usage = %d/%d/%d, want 3/4/7", u.PromptTokens, u.CompletionTokens, u.TotalTokens)
	}
}

func TestOpenAIChatStreamIncludeUsage(t *testing.T) {
	s := StartTB(t, Options{Chunks: 6, Name: "beta"})
	c := openaiClient(s, "k")

	p := chatParams("qwen2.5:7b", "one two")
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(t.Context(), p)
	var (
		content       strings.Builder
		chunks        int
		firstRole     string
		finish        string
		usage         openai.CompletionUsage
		usageChunks   int
		contentDeltas int
	)
	for stream.Next() {
		ch := stream.Current()
		if ch.Object != "chat.completion.chunk" || ch.Model != "qwen2.5:7b" {
			t.Fatalf("chunk object %q model %q", ch.Object, ch.Model)
		}
		chunks++
		if len(ch.Choices) == 0 {
			usageChunks++
			usage = ch.Usage
			continue
		}
		d := ch.Choices[0].Delta
		if chunks == 1 {
			firstRole = d.Role
		}
		if d.Content != "" {
			contentDeltas++
			content.WriteString(d.Content)
		}
		if ch.Choices[0].FinishReason != "" {
			finish = ch.Choices[0].FinishReason
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if firstRole != "assistant" {
		t.Errorf("first chunk role = %q, want assistant", firstRole)
	}
	if got, want := content.String(), "beta: w0 w1 w2 w3 w4 w5"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if contentDeltas != 6 || finish != "stop" || usageChunks != 1 {
		t.Errorf("content deltas %d finish %q usage chunks %d, want 6/stop/1", contentDeltas, finish, usageChunks)
	}
	if usage.PromptTokens != 2 || usage.CompletionTokens != 6 || usage.TotalTokens != 8 {
		t.Errorf("usage = %d/%d/%d, want 2/6/8", usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens)
	}
}

func TestOpenAIMaxTokensEndsWithLength(t *testing.T) {
	s := StartTB(t, Options{})
	c := openaiClient(s, "k")
	tests := []struct {
		name  string
		set   func(*openai.ChatCompletionNewParams)
		limit int64
	}{
		{"max_tokens", func(p *openai.ChatCompletionNewParams) { p.MaxTokens = openai.Int(2) }, 2},
		{"max_completion_tokens", func(p *openai.ChatCompletionNewParams) { p.MaxCompletionTokens = openai.Int(1) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := chatParams("llama3.1:8b", "hi")
			tt.set(&p)
			res, err := c.Chat.Completions.New(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Choices[0].FinishReason != "length" || res.Usage.CompletionTokens != tt.limit {
				t.Errorf("finish %q completion tokens %d, want length/%d",
					res.Choices[0].FinishReason, res.Usage.CompletionTokens, tt.limit)
			}
			if n := len(strings.Fields(res.Choices[0].Message.Content)); int64(n) != tt.limit {
				t.Errorf("content %q has %d words, want %d", res.Choices[0].Message.Content, n, tt.limit)
			}
		})
	}
}

func TestOpenAICompletionsEmbeddingsModels(t *testing.T) {
	s := StartTB(t, Options{Models: []string{"m1", "m2:latest"}})
	c := openaiClient(s, "k")
	ctx := t.Context()

	comp, err := c.Completions.New(ctx, openai.CompletionNewParams{
		Model:  "m1",
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("a b c")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if comp.Choices[0].Text != "w0 w1 w2 w3" || comp.Choices[0].FinishReason != "stop" || comp.Usage.PromptTokens != 3 {
		t.Errorf("completion text %q finish %q prompt tokens %d", comp.Choices[0].Text, comp.Choices[0].FinishReason, comp.Usage.PromptTokens)
	}

	want := embedding("x y")
	for _, format := range []openai.EmbeddingNewParamsEncodingFormat{"", "float", "base64"} {
		emb, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model:          "m2", // matches "m2:latest"
			Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"x y", "z"}},
			EncodingFormat: format,
		})
		if err != nil {
			t.Fatalf("format %q: %v", format, err)
		}
		if len(emb.Data) != 2 || len(emb.Data[0].Embedding) != EmbeddingDim || emb.Data[1].Index != 1 {
			t.Fatalf("format %q: got %d vectors", format, len(emb.Data))
		}
		for i, v := range emb.Data[0].Embedding {
			if float32(v) != want[i] {
				t.Fatalf("format %q: vector[%d] = %v, want %v", format, i, v, want[i])
			}
		}
		if emb.Usage.PromptTokens != 3 {
			t.Errorf("format %q: prompt tokens %d, want 3", format, emb.Usage.PromptTokens)
		}
	}

	page, err := c.Models.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.OwnedBy == "" || m.Created == 0 {
			t.Errorf("model %+v lacks fields", m)
		}
	}
	if strings.Join(ids, ",") != "m1,m2:latest" {
		t.Errorf("models = %v", ids)
	}
	m, err := c.Models.Get(ctx, "m1")
	if err != nil || m.ID != "m1" {
		t.Errorf("Get(m1) = %v, %v", m, err)
	}
}

func TestOpenAIErrors(t *testing.T) {
	s := StartTB(t, Options{APIKey: "secret"})
	tests := []struct {
		name   string
		key    string
		model  string
		status int
		code   string
		typ    string
	}{
		{"unknown model", "secret", "gpt-4o", 404, "model_not_found", "invalid_request_error"},
		{"wrong key", "wrong", "llama3.1:8b", 401, "invalid_api_key", "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := openaiClient(s, tt.key)
			_, err := c.Chat.Completions.New(t.Context(), chatParams(tt.model, "hi"))
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *openai.Error", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code || apiErr.Type != tt.typ || apiErr.Message == "" {
				t.Errorf("got %d code %q type %q message %q", apiErr.StatusCode, apiErr.Code, apiErr.Type, apiErr.Message)
			}
		})
	}
	good := openaiClient(s, "secret")
	if _, err := good.Chat.Completions.New(t.Context(), chatParams("llama3.1:8b", "hi")); err != nil {
		t.Errorf("right key: %v", err)
	}
}

func TestOllamaChatStream(t *testing.T) {
	s := StartTB(t, Options{Name: "gamma", Chunks: 5})
	c := ollamaClient(t, s)

	var content strings.Builder
	var frames int
	var last api.ChatResponse
	err := c.Chat(t.Context(), &api.ChatRequest{
		Model:    "llama3.1:8b",
		Messages: []api.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "why is the sky blue"}},
	}, func(r api.ChatResponse) error {
		frames++
		content.WriteString(r.Message.Content)
		if r.Model != "llama3.1:8b" || r.CreatedAt.IsZero() || (r.Message.Role != "assistant") {
			t.Errorf("frame %d: model %q created %v role %q", frames, r.Model, r.CreatedAt, r.Message.Role)
		}
		last = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if frames != 6 {
		t.Errorf("frames = %d, want 5 content + 1 final", frames)
	}
	if got, want := content.String(), "gamma: w0 w1 w2 w3 w4"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	if !last.Done || last.DoneReason != "stop" {
		t.Errorf("final frame done %v reason %q", last.Done, last.DoneReason)
	}
	m := last.Metrics
	if m.PromptEvalCount != 7 || m.EvalCount != 5 || m.TotalDuration <= 0 || m.LoadDuration <= 0 ||
		m.PromptEvalDuration <= 0 || m.EvalDuration <= 0 {
		t.Errorf("metrics = %+v", m)
	}
}

func TestOllamaGenerate(t *testing.T) {
	s := StartTB(t, Options{})
	c := ollamaClient(t, s)
	off := false
	tests := []struct {
		name       string
		stream     *bool
		options    map[string]any
		wantFrames int
		wantText   string
		wantReason string
	}{
		{"stream by default", nil, nil, 5, "w0 w1 w2 w3", "stop"},
		{"num_predict", nil, map[string]any{"num_predict": 2}, 3, "w0 w1", "length"},
		{"no stream", &off, nil, 1, "w0 w1 w2 w3", "stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var text strings.Builder
			var frames int
			var last api.GenerateResponse
			err := c.Generate(t.Context(), &api.GenerateRequest{
				Model: "qwen2.5:7b", Prompt: "tell me", Stream: tt.stream, Options: tt.options,
			}, func(r api.GenerateResponse) error {
				frames++
				text.WriteString(r.Response)
				last = r
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if frames != tt.wantFrames || text.String() != tt.wantText {
				t.Errorf("frames %d text %q, want %d %q", frames, text.String(), tt.wantFrames, tt.wantText)
			}
			if !last.Done || last.DoneReason != tt.wantReason || last.EvalCount != len(strings.Fields(tt.wantText)) {
				t.Errorf("final done %v reason %q eval %d", last.Done, last.DoneReason, last.EvalCount)
			}
		})
	}
}

func TestOllamaEmbedListAndManagement(t *testing.T) {
	s := StartTB(t, Options{})
	c := ollamaClient(t, s)
	ctx := t.Context()

	emb, err := c.Embed(ctx, &api.EmbedRequest{Model: "llama3.1:8b", Input: []string{"a b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(emb.Embeddings) != 2 || emb.Embeddings[0] == nil || emb.PromptEvalCount != 3 {
		t.Fatalf("embed = %+v", emb)
	}
	if want := embedding("a b"); [EmbeddingDim]float32(emb.Embeddings[0]) != want {
		t.Errorf("vector = %v, want %v", emb.Embeddings[0], want)
	}
	legacy, err := c.Embeddings(ctx, &api.EmbeddingRequest{Model: "llama3.1:8b", Prompt: "a b"})
	if err != nil || len(legacy.Embedding) != EmbeddingDim || float32(legacy.Embedding[0]) != emb.Embeddings[0][0] {
		t.Errorf("legacy embeddings = %v, %v", legacy, err)
	}

	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Models) != 2 || list.Models[0].Name != "llama3.1:8b" || list.Models[0].Digest == "" ||
		list.Models[0].Details.Family != "llama" || list.Models[1].Details.ParameterSize != "7B" {
		t.Errorf("list = %+v", list.Models)
	}
	ps, err := c.ListRunning(ctx)
	if err != nil || len(ps.Models) != 2 || ps.Models[0].ExpiresAt.Before(time.Now()) {
		t.Errorf("ps = %+v, %v", ps, err)
	}
	show, err := c.Show(ctx, &api.ShowRequest{Model: "qwen2.5:7b"})
	if err != nil || show.Details.Family != "qwen" || show.ModelInfo["general.architecture"] != "qwen" {
		t.Errorf("show = %+v, %v", show, err)
	}
	if v, err := c.Version(ctx); err != nil || v != "0.17.4" {
		t.Errorf("version = %q, %v", v, err)
	}
	if err := c.Heartbeat(ctx); err != nil {
		t.Errorf("heartbeat: %v", err)
	}

	var statuses []string
	err = c.Pull(ctx, &api.PullRequest{Model: "mistral:7b"}, func(p api.ProgressResponse) error {
		statuses = append(statuses, p.Status)
		return nil
	})
	if err != nil || len(statuses) < 3 || statuses[0] != "pulling manifest" || statuses[len(statuses)-1] != "success" {
		t.Errorf("pull statuses %v, err %v", statuses, err)
	}
	if err := c.Copy(ctx, &api.CopyRequest{Source: "llama3.1:8b", Destination: "mine"}); err != nil {
		t.Errorf("copy: %v", err)
	}
	if err := c.Delete(ctx, &api.DeleteRequest{Model: "qwen2.5:7b"}); err != nil {
		t.Errorf("delete: %v", err)
	}
	var statusErr api.StatusError
	if err := c.Delete(ctx, &api.DeleteRequest{Model: "nope"}); !errors.As(err, &statusErr) || statusErr.StatusCode != 404 {
		t.Errorf("delete unknown: %v", err)
	}
}

func TestOllamaErrors(t *testing.T) {
	s := StartTB(t, Options{})
	c := ollamaClient(t, s)

	err := c.Chat(t.Context(), &api.ChatRequest{
		Model: "nope", Messages: []api.Message{{Role: "user", Content: "hi"}},
	}, func(api.ChatResponse) error { return nil })
	var statusErr api.StatusError
	if !errors.As(err, &statusErr) || statusErr.StatusCode != 404 ||
		statusErr.ErrorMessage != `model "nope" not found, try pulling it first` {
		t.Errorf("unknown model: %#v", err)
	}

	s.Fail(1, http.StatusServiceUnavailable)
	_, err = c.Embed(t.Context(), &api.EmbedRequest{Model: "llama3.1:8b", Input: "x"})
	if !errors.As(err, &statusErr) || statusErr.StatusCode != 503 || !strings.Contains(statusErr.ErrorMessage, "injected") {
		t.Errorf("injected failure: %#v", err)
	}
}

func TestFailCountsDownAndSparesOtherPaths(t *testing.T) {
	s := StartTB(t, Options{})
	c := openaiClient(s, "k")
	ctx := t.Context()

	s.Fail(2, http.StatusTooManyRequests)
	if _, err := c.Models.List(ctx); err != nil {
		t.Fatalf("listing is not a model call and must not fail: %v", err)
	}
	for i := range 2 {
		_, err := c.Chat.Completions.New(ctx, chatParams("llama3.1:8b", "hi"))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type != "rate_limit_error" {
			t.Fatalf("call %d: err = %v, want 429 rate_limit_error", i, err)
		}
	}
	if _, err := c.Chat.Completions.New(ctx, chatParams("llama3.1:8b", "hi")); err != nil {
		t.Errorf("third call: %v", err)
	}

	s.Fail(5, http.StatusInternalServerError)
	s.Fail(0, 0)
	if _, err := c.Chat.Completions.New(ctx, chatParams("llama3.1:8b", "hi")); err != nil {
		t.Errorf("after Fail(0): %v", err)
	}
}

func TestFailConnections(t *testing.T) {
	s := StartTB(t, Options{})
	c := openaiClient(s, "k")
	ctx := t.Context()

	s.FailConnections(1)
	_, err := c.Chat.Completions.New(ctx, chatParams("llama3.1:8b", "hi"))
	var apiErr *openai.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a transport error", err)
	}
	if _, err := c.Chat.Completions.New(ctx, chatParams("llama3.1:8b", "hi")); err != nil {
		t.Errorf("next call: %v", err)
	}
	if got := s.Requests(); got != 2 {
		t.Errorf("Requests = %d, want 2", got)
	}
}

func TestSetHealthy(t *testing.T) {
	s := StartTB(t, Options{})
	c := ollamaClient(t, s)

	s.SetHealthy(false)
	var statusErr api.StatusError
	if err := c.Heartbeat(t.Context()); !errors.As(err, &statusErr) || statusErr.StatusCode != 503 {
		t.Errorf("heartbeat while unhealthy: %v", err)
	}
	if _, err := c.List(t.Context()); !errors.As(err, &statusErr) || statusErr.StatusCode != 503 {
		t.Errorf("list while unhealthy: %v", err)
	}
	oc := openaiClient(s, "k")
	_, err := oc.Chat.Completions.New(t.Context(), chatParams("llama3.1:8b", "hi"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Type != "server_error" {
		t.Errorf("chat while unhealthy: %v", err)
	}

	s.SetHealthy(true)
	if err := c.Heartbeat(t.Context()); err != nil {
		t.Errorf("heartbeat when healthy: %v", err)
	}
}

// TestInFlightAndCanceled holds three streams open (a long chunk delay keeps
// them after their first chunk), checks the counters, then hangs up.
func TestInFlightAndCanceled(t *testing.T) {
	s := StartTB(t, Options{ChunkDelay: time.Hour})
	c := openaiClient(s, "k")

	const n = 3
	var started, finished sync.WaitGroup
	cancels := make([]context.CancelFunc, n)
	for i := range n {
		ctx, cancel := context.WithCancel(t.Context())
		cancels[i] = cancel
		started.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			stream := c.Chat.Completions.NewStreaming(ctx, chatParams("llama3.1:8b", "hi"))
			defer stream.Close()
			if !stream.Next() {
				t.Errorf("no first chunk: %v", stream.Err())
			}
			started.Done()
			for stream.Next() {
			}
		}()
	}
	started.Wait()
	if got := s.InFlight(); got != n {
		t.Errorf("InFlight = %d, want %d", got, n)
	}
	if got := s.MaxInFlight(); got != n {
		t.Errorf("MaxInFlight = %d, want %d", got, n)
	}
	if got := s.Canceled(); got != 0 {
		t.Errorf("Canceled before hang-up = %d", got)
	}
	for _, cancel := range cancels {
		cancel()
	}
	finished.Wait()
	eventually(t, "three canceled streams", func() bool { return s.Canceled() == n })
	eventually(t, "no call in flight", func() bool { return s.InFlight() == 0 })
	if got := s.MaxInFlight(); got != n {
		t.Errorf("MaxInFlight after = %d, want %d", got, n)
	}
}

func TestOllamaClientStopsMidStream(t *testing.T) {
	s := StartTB(t, Options{Chunks: 1000, ChunkDelay: time.Millisecond})
	c := ollamaClient(t, s)
	stop := errors.New("enough")
	err := c.Chat(t.Context(), &api.ChatRequest{
		Model: "llama3.1:8b", Messages: []api.Message{{Role: "user", Content: "hi"}},
	}, func(api.ChatResponse) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	eventually(t, "a canceled stream", func() bool { return s.Canceled() == 1 })
}

func TestLastRequestAndLastCall(t *testing.T) {
	s := StartTB(t, Options{APIKey: "secret"})
	c := openaiClient(s, "secret")
	if _, err := c.Chat.Completions.New(t.Context(), chatParams("llama3.1:8b", "remember me")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL + "/?probe=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	last := s.LastRequest()
	if last.Method != "GET" || last.Path != "/" || last.RawQuery != "probe=1" {
		t.Errorf("LastRequest = %s %s?%s", last.Method, last.Path, last.RawQuery)
	}
	call := s.LastCall()
	if call.Method != "POST" || call.Path != "/v1/chat/completions" ||
		call.Header.Get("Authorization") != "Bearer secret" || !strings.Contains(string(call.Body), "remember me") {
		t.Errorf("LastCall = %s %s %v %s", call.Method, call.Path, call.Header, call.Body)
	}
	call.Header.Set("Authorization", "changed")
	if s.LastCall().Header.Get("Authorization") != "Bearer secret" {
		t.Error("LastCall returns shared headers")
	}
}

func TestFixedReplyIsSplitAndEscaped(t *testing.T) {
	const reply = "Say \"hi\"\n\tto <José> & ünïcode ✓ \\ done"
	s := StartTB(t, Options{Reply: reply, Chunks: 5})
	c := openaiClient(s, "k")

	stream := c.Chat.Completions.NewStreaming(t.Context(), chatParams("llama3.1:8b", "hi"))
	var got strings.Builder
	var deltas int
	for stream.Next() {
		ch := stream.Current()
		if len(ch.Choices) > 0 && ch.Choices[0].Delta.Content != "" {
			deltas++
			got.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got.String() != reply || deltas != 5 {
		t.Errorf("streamed %q in %d deltas, want %q in 5", got.String(), deltas, reply)
	}
	if s.ReplyText() != reply {
		t.Errorf("ReplyText = %q", s.ReplyText())
	}
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"negative chunks", Options{Chunks: -1}},
		{"too many chunks", Options{Chunks: maxChunks + 1}},
		{"negative delay", Options{ChunkDelay: -time.Second}},
		{"empty model", Options{Models: []string{"a", " "}}},
		{"duplicate model", Options{Models: []string{"a", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Start(tt.opts); err == nil {
				t.Error("Start accepted invalid options")
			}
		})
	}
}
