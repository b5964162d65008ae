package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ollamaapi "github.com/ollama/ollama/api"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// gateway starts one fake backend of the given kind and a Warden in front of it.
func gateway(t *testing.T, kind string, opts fakellm.Options) (*testkit.Warden, *fakellm.Server) {
	t.Helper()
	fake := fakellm.StartTB(t, opts)
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: kind, Fake: fake}}, "")
	return testkit.Start(t, cfg, nil), fake
}

func openaiClient(w *testkit.Warden, key string) openai.Client {
	return openai.NewClient(option.WithBaseURL(w.URL+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
}

// ollamaClient authenticates with the key as the Basic-auth password, which Ollama's client sends
// from the URL's user info.
func ollamaClient(w *testkit.Warden, key string) *ollamaapi.Client {
	u, _ := url.Parse(w.URL)
	u.User = url.UserPassword("warden", key)
	return ollamaapi.NewClient(u, http.DefaultClient)
}

var kinds = []string{"ollama", "openai"}

func TestOpenAISDKChat(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind+" backend", func(t *testing.T) {
			w, fake := gateway(t, kind, fakellm.Options{Chunks: 5, Name: "fake"})
			key, _ := w.NewKey(t, nil)
			c := openaiClient(w, key)
			resp, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
				Model:    "llama3.1:8b",
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello there")},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Choices) != 1 || !strings.Contains(resp.Choices[0].Message.Content, "w4") {
				t.Fatalf("unexpected answer %+v", resp.Choices)
			}
			if resp.Usage.CompletionTokens != 5 || resp.Usage.PromptTokens == 0 {
				t.Fatalf("usage not relayed: %+v", resp.Usage)
			}
			if got := fake.LastCall().Path; got != "/v1/chat/completions" {
				t.Fatalf("backend got path %q", got)
			}
		})
	}
}

func TestOpenAISDKStreaming(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind+" backend", func(t *testing.T) {
			w, _ := gateway(t, kind, fakellm.Options{Chunks: 6})
			key, _ := w.NewKey(t, nil)
			c := openaiClient(w, key)
			stream := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
				Model:         "qwen2.5:7b",
				Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("count for me")},
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
			})
			acc := openai.ChatCompletionAccumulator{}
			chunks := 0
			for stream.Next() {
				acc.AddChunk(stream.Current())
				chunks++
			}
			if err := stream.Err(); err != nil {
				t.Fatal(err)
			}
			if chunks < 6 {
				t.Fatalf("got %d chunks, want at least 6", chunks)
			}
			if len(acc.Choices) != 1 || !strings.Contains(acc.Choices[0].Message.Content, "w5") {
				t.Fatalf("stream content %+v", acc.Choices)
			}
			if acc.Usage.CompletionTokens != 6 {
				t.Fatalf("stream usage %+v", acc.Usage)
			}
		})
	}
}

func TestOpenAISDKEmbeddingsAndModels(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind+" backend", func(t *testing.T) {
			w, _ := gateway(t, kind, fakellm.Options{})
			key, _ := w.NewKey(t, map[string]any{"models": []string{"llama3.1:8b"}})
			c := openaiClient(w, key)
			emb, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
				Model: "llama3.1:8b",
				Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(emb.Data) != 2 || len(emb.Data[0].Embedding) == 0 {
				t.Fatalf("embeddings %+v", emb.Data)
			}
			page, err := c.Models.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Data) != 1 || page.Data[0].ID != "llama3.1:8b" {
				t.Fatalf("a key limited to llama3.1:8b sees models %+v", page.Data)
			}
		})
	}
}

func TestOpenAISDKErrors(t *testing.T) {
	w, _ := gateway(t, "openai", fakellm.Options{})
	key, _ := w.NewKey(t, map[string]any{"models": []string{"llama3.1:8b"}})
	params := func(model string) openai.ChatCompletionNewParams {
		return openai.ChatCompletionNewParams{Model: model,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
	}
	cases := []struct {
		name   string
		key    string
		model  string
		status int
	}{
		{"bad key", "sk-wd-not-a-real-key", "llama3.1:8b", 401},
		{"model not on the key's allowlist", key, "qwen2.5:7b", 403},
		{"unknown model", testkit.MasterKey, "no-such-model", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openaiClient(w, tc.key)
			_, err := c.Chat.Completions.New(context.Background(), params(tc.model))
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("want an API error, got %v", err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Message == "" {
				t.Fatalf("status %d message %q, want %d", apiErr.StatusCode, apiErr.Message, tc.status)
			}
		})
	}
}

func TestOllamaClientChatAndGenerate(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind+" backend", func(t *testing.T) {
			w, _ := gateway(t, kind, fakellm.Options{Chunks: 4})
			key, _ := w.NewKey(t, nil)
			c := ollamaClient(w, key)
			ctx := context.Background()

			var content strings.Builder
			var last ollamaapi.ChatResponse
			frames := 0
			err := c.Chat(ctx, &ollamaapi.ChatRequest{Model: "llama3.1:8b",
				Messages: []ollamaapi.Message{{Role: "user", Content: "hello"}}}, func(r ollamaapi.ChatResponse) error {
				content.WriteString(r.Message.Content)
				last = r
				frames++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if frames < 4 || !strings.Contains(content.String(), "w3") || !last.Done {
				t.Fatalf("chat: %d frames, content %q, done %v", frames, content.String(), last.Done)
			}
			if last.EvalCount != 4 || last.PromptEvalCount == 0 {
				t.Fatalf("chat final frame counts: eval %d prompt %d", last.EvalCount, last.PromptEvalCount)
			}

			var gen strings.Builder
			var glast ollamaapi.GenerateResponse
			err = c.Generate(ctx, &ollamaapi.GenerateRequest{Model: "llama3.1:8b", Prompt: "why is the sky blue"},
				func(r ollamaapi.GenerateResponse) error {
					gen.WriteString(r.Response)
					glast = r
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(gen.String(), "w3") || !glast.Done || glast.EvalCount != 4 {
				t.Fatalf("generate: %q done %v eval %d", gen.String(), glast.Done, glast.EvalCount)
			}

			stream := false
			var single ollamaapi.ChatResponse
			err = c.Chat(ctx, &ollamaapi.ChatRequest{Model: "llama3.1:8b", Stream: &stream,
				Messages: []ollamaapi.Message{{Role: "user", Content: "hello"}}}, func(r ollamaapi.ChatResponse) error {
				single = r
				return nil
			})
			if err != nil || !single.Done || !strings.Contains(single.Message.Content, "w3") {
				t.Fatalf("non-streamed chat: %v %+v", err, single)
			}
		})
	}
}

func TestOllamaClientEmbedListShow(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind+" backend", func(t *testing.T) {
			w, _ := gateway(t, kind, fakellm.Options{})
			key, _ := w.NewKey(t, map[string]any{"models": []string{"qwen2.5:7b"}})
			c := ollamaClient(w, key)
			ctx := context.Background()
			emb, err := c.Embed(ctx, &ollamaapi.EmbedRequest{Model: "qwen2.5:7b", Input: []string{"x", "y"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(emb.Embeddings) != 2 || len(emb.Embeddings[0]) == 0 {
				t.Fatalf("embed: %+v", emb)
			}
			list, err := c.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Models) != 1 || list.Models[0].Name != "qwen2.5:7b" {
				t.Fatalf("a key limited to qwen2.5:7b lists %+v", list.Models)
			}
			if _, err := c.Show(ctx, &ollamaapi.ShowRequest{Model: "qwen2.5:7b"}); err != nil {
				t.Fatalf("show: %v", err)
			}
			if _, err := c.Version(ctx); err != nil {
				t.Fatalf("version: %v", err)
			}
			err = c.Chat(ctx, &ollamaapi.ChatRequest{Model: "llama3.1:8b",
				Messages: []ollamaapi.Message{{Role: "user", Content: "hi"}}}, func(ollamaapi.ChatResponse) error { return nil })
			var se ollamaapi.StatusError
			if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
				t.Fatalf("model outside the allowlist: want 403 StatusError, got %v", err)
			}
		})
	}
}

func TestOllamaClientPullIsAdminOnly(t *testing.T) {
	w, fake := gateway(t, "ollama", fakellm.Options{})
	key, _ := w.NewKey(t, nil)
	ctx := context.Background()
	err := ollamaClient(w, key).Pull(ctx, &ollamaapi.PullRequest{Model: "llama3.1:8b"}, func(ollamaapi.ProgressResponse) error { return nil })
	var se ollamaapi.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusForbidden {
		t.Fatalf("pull by a user: want 403, got %v", err)
	}
	before := fake.Requests()
	var statuses []string
	err = ollamaClient(w, testkit.MasterKey).Pull(ctx, &ollamaapi.PullRequest{Model: "llama3.1:8b"}, func(p ollamaapi.ProgressResponse) error {
		statuses = append(statuses, p.Status)
		return nil
	})
	if err != nil || len(statuses) == 0 || statuses[len(statuses)-1] != "success" {
		t.Fatalf("pull by the admin: %v %v", err, statuses)
	}
	if fake.Requests() == before {
		t.Fatal("the pull never reached the backend")
	}
	_ = time.Second
}

// Ollama clients "load" a model with a chat that has no messages; an OpenAI backend has nothing to
// load, so Warden answers as Ollama would, without calling it.
func TestOllamaLoadOnlyChat(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			w, fake := gateway(t, kind, fakellm.Options{})
			var got ollamaapi.ChatResponse
			err := ollamaClient(w, testkit.MasterKey).Chat(context.Background(), &ollamaapi.ChatRequest{Model: "llama3.1:8b"},
				func(r ollamaapi.ChatResponse) error { got = r; return nil })
			if err != nil || !got.Done || got.DoneReason != "load" {
				t.Fatalf("load-only chat: %v %+v", err, got)
			}
			if kind == "openai" && fake.LastCall().Path != "" {
				t.Fatalf("an OpenAI backend was called to load a model: %s", fake.LastCall().Path)
			}
		})
	}
}
