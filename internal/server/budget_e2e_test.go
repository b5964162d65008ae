package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ollamaapi "github.com/ollama/ollama/api"
	"github.com/openai/openai-go/v3"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// pricedModel is a configured model whose calls cost 1 per completion token and nothing per
// prompt token, so that a call's real cost equals its reservation when it asks for max_tokens
// equal to what the fake answers (Options.Chunks tokens).
const pricedModel = "models:\n  - {name: m, backends: [b1], upstream: \"llama3.1:8b\", price: {input_per_million: 0, output_per_million: 1000000}}\n"

// budgetCall asks for 4 completion tokens: the fake (Chunks: 4) answers exactly 4, costing 4.
const budgetCall = `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":4}`

// pricedGateway runs a Warden with pricedModel in front of a fake (Chunks: 4) of the given kind.
func pricedGateway(t *testing.T, kind string, opts fakellm.Options, extra string) (*testkit.Warden, *fakellm.Server) {
	t.Helper()
	if opts.Chunks == 0 {
		opts.Chunks = 4
	}
	fake := fakellm.StartTB(t, opts)
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: kind, Fake: fake}}, pricedModel+extra)
	return testkit.Start(t, cfg, nil), fake
}

// race runs n calls of body at once on the given Wardens (round robin) and counts the answers by status.
func race(t *testing.T, ws []*testkit.Warden, n int, path, key, body string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	out := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, raw, _ := ws[i%len(ws)].Do(t, http.MethodPost, path, key, body)
			if s == 429 && !strings.Contains(string(raw), "max_budget") {
				t.Errorf("refusal does not name the budget: %s", raw)
			}
			mu.Lock()
			out[s]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestBudgetHoldsUnderConcurrency: 200 calls at once against a budget that pays for 50.
func TestBudgetHoldsUnderConcurrency(t *testing.T) {
	w, _ := pricedGateway(t, "openai", fakellm.Options{ChunkDelay: time.Millisecond}, "")
	key, _ := w.NewKey(t, map[string]any{"max_budget": 200})
	got := race(t, []*testkit.Warden{w}, 200, "/v1/chat/completions", key, budgetCall)
	if got[200] != 50 || got[429] != 150 {
		t.Fatalf("200 calls against a budget for 50: %v; want 50 accepted and 150 refused", got)
	}
	// The budget is spent: the next call is refused, without Retry-After (a lifetime budget never resets).
	s, body, h := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall)
	if s != 429 || h.Get("Retry-After") != "" || !strings.Contains(string(body), "max_budget") {
		t.Fatalf("after the budget: %d %s Retry-After=%q", s, body, h.Get("Retry-After"))
	}
}

// TestBudgetIsOneLimitAcrossReplicas: three Wardens sharing Redis keep one token budget.
func TestBudgetIsOneLimitAcrossReplicas(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 4, ChunkDelay: time.Millisecond})
	ws := replicasWith(t, fake, pricedModel, "")
	key, _ := ws[0].NewKey(t, map[string]any{"max_budget": 120, "budget_duration": "30d"})
	got := race(t, ws, 90, "/v1/chat/completions", key, budgetCall)
	if got[200] != 30 || got[429] != 60 {
		t.Fatalf("90 calls on three replicas against a budget for 30: %v; want 30 accepted, 60 refused", got)
	}
}

// TestTokenLimitsAndHeaders: tpm_limit and the token budget reserve the prompt plus max_tokens,
// and answers carry OpenAI's x-ratelimit-*-tokens headers.
func TestTokenLimitsAndHeaders(t *testing.T) {
	w, _ := pricedGateway(t, "ollama", fakellm.Options{}, "")
	key, _ := w.NewKey(t, map[string]any{"tpm_limit": 1000, "rpm_limit": 100})
	s, body, h := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall)
	if s != 200 {
		t.Fatalf("%d %s", s, body)
	}
	remaining, _ := strconv.Atoi(h.Get("X-Ratelimit-Remaining-Tokens"))
	if h.Get("X-Ratelimit-Limit-Tokens") != "1000" || remaining >= 1000 || remaining < 900 || h.Get("X-Ratelimit-Reset-Tokens") == "" {
		t.Fatalf("token headers: %v", h)
	}
	if h.Get("X-Ratelimit-Limit-Requests") != "100" {
		t.Fatalf("request headers: %v", h)
	}
	// A call that asks for more than the whole limit is refused at once, naming tpm_limit.
	big := `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5000}`
	s, body, h = w.Do(t, http.MethodPost, "/v1/chat/completions", key, big)
	if s != 429 || !strings.Contains(string(body), "tpm_limit") || h.Get("Retry-After") != "" {
		t.Fatalf("over the whole tpm_limit: %d %s (Retry-After %q)", s, body, h.Get("Retry-After"))
	}
	// The same in Ollama's dialect, where num_predict is the output limit.
	s, body, _ = w.Do(t, http.MethodPost, "/api/chat", key, `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"num_predict":5000}}`)
	if s != 429 || !strings.Contains(string(body), `"error":"tpm_limit`) {
		t.Fatalf("ollama over the whole tpm_limit: %d %s", s, body)
	}
	tb, _ := w.NewKey(t, map[string]any{"max_tokens_budget": 50})
	if s, body, _ = w.Do(t, http.MethodPost, "/v1/chat/completions", tb, big); s != 429 || !strings.Contains(string(body), "max_tokens_budget") {
		t.Fatalf("over the token budget: %d %s", s, body)
	}
}

// TestModelAndGlobalLimitsFromConfig: limits in the config apply to every caller, and the
// refusal names the level.
func TestModelAndGlobalLimitsFromConfig(t *testing.T) {
	models := "models:\n  - {name: m, backends: [b1], upstream: \"llama3.1:8b\", limits: {rpm_limit: 2}}\n" +
		"  - {name: other, backends: [b1], upstream: \"qwen2.5:7b\"}\n" +
		"limits: {global: {rpm_limit: 4}}\n"
	fake := fakellm.StartTB(t, fakellm.Options{})
	w := testkit.Start(t, testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}}, models), nil)
	k1, _ := w.NewKey(t, nil)
	k2, _ := w.NewKey(t, nil)
	call := func(key, model string) (int, string) {
		s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		return s, string(body)
	}
	for _, k := range []string{k1, k2} {
		if s, body := call(k, "m"); s != 200 {
			t.Fatalf("within the model limit: %d %s", s, body)
		}
	}
	if s, body := call(k1, "m"); s != 429 || !strings.Contains(body, `model \"m\"`) || !strings.Contains(body, "rpm_limit") {
		t.Fatalf("third call to m by anyone: %d %s", s, body)
	}
	for range 2 {
		if s, body := call(k2, "other"); s != 200 {
			t.Fatalf("another model: %d %s", s, body)
		}
	}
	if s, body := call(testkit.MasterKey, "other"); s != 429 || !strings.Contains(body, `global`) {
		t.Fatalf("fifth call in all, by the admin: %d %s", s, body)
	}
}

// TestStreamCutAtReservation: a stream that would run past what its call reserved ends
// well-formed, as a finished answer of reason "length", for both APIs' own clients.
func TestStreamCutAtReservation(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			// Calls that set no output limit reserve 3 tokens; the fake answers 40.
			w, _ := pricedGateway(t, kind, fakellm.Options{Chunks: 40}, "limits: {default_max_tokens: 3}\n")
			key, _ := w.NewKey(t, map[string]any{"max_tokens_budget": 100000})
			oc := openaiClient(w, key)
			stream := oc.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
				Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
			var acc openai.ChatCompletionAccumulator
			chunks := 0
			for stream.Next() {
				acc.AddChunk(stream.Current())
				chunks++
			}
			if err := stream.Err(); err != nil {
				t.Fatalf("openai stream: %v", err)
			}
			if len(acc.Choices) != 1 || acc.Choices[0].FinishReason != "length" {
				t.Fatalf("openai stream ended with %+v, want finish_reason length", acc.Choices)
			}
			// The stream ends at the first event past the 3 reserved tokens.
			if words := strings.Fields(acc.Choices[0].Message.Content); len(words) == 0 || len(words) > 4 {
				t.Fatalf("openai stream passed %q; want the 3 reserved tokens and at most one event more", acc.Choices[0].Message.Content)
			}
			var last ollamaapi.ChatResponse
			var content strings.Builder
			err := ollamaClient(w, key).Chat(context.Background(), &ollamaapi.ChatRequest{Model: "m",
				Messages: []ollamaapi.Message{{Role: "user", Content: "hi"}}}, func(r ollamaapi.ChatResponse) error {
				content.WriteString(r.Message.Content)
				last = r
				return nil
			})
			if err != nil {
				t.Fatalf("ollama stream: %v", err)
			}
			if !last.Done || last.DoneReason != "length" || last.EvalCount == 0 || last.EvalCount > 4 {
				t.Fatalf("ollama stream ended with done=%v reason=%q eval_count=%d", last.Done, last.DoneReason, last.EvalCount)
			}
			if words := strings.Fields(content.String()); len(words) == 0 || len(words) > 4 {
				t.Fatalf("ollama stream passed %q", content.String())
			}
		})
	}
}

// TestUncutWithoutTokenLimits: with no token limit or budget, the same stream runs to its end.
func TestUncutWithoutTokenLimits(t *testing.T) {
	w, _ := pricedGateway(t, "openai", fakellm.Options{Chunks: 40}, "limits: {default_max_tokens: 3}\n")
	key, _ := w.NewKey(t, map[string]any{"rpm_limit": 100})
	oc := openaiClient(w, key)
	stream := oc.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil || len(acc.Choices) != 1 || acc.Choices[0].FinishReason != "stop" {
		t.Fatalf("stream: err=%v choices=%+v", err, acc.Choices)
	}
	if acc.Usage.CompletionTokens != 0 {
		t.Fatalf("the client did not ask for usage but got %+v", acc.Usage)
	}
}

// TestSpendSurvivesRestart: what a key spent before a restart still counts against its budget after.
func TestSpendSurvivesRestart(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{Chunks: 4})
	cfg := testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}}, pricedModel)
	w := testkit.Start(t, cfg, nil)
	key, _ := w.NewKey(t, map[string]any{"max_budget": 20})
	for i := range 3 {
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall); s != 200 {
			t.Fatalf("call %d before the restart: %d %s", i+1, s, body)
		}
	}
	w.Stop(t) // a clean shutdown writes every settled charge
	c := *cfg
	w = testkit.Start(t, &c, nil)
	for i := range 2 {
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall); s != 200 {
			t.Fatalf("call %d after the restart: %d %s", i+4, s, body)
		}
	}
	if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall); s != 429 || !strings.Contains(string(body), "max_budget") {
		t.Fatalf("sixth call, past the budget of 20 at 4 a call: %d %s", s, body)
	}
}

// usageRow is one group of GET /admin/v1/usage.
type usageRow struct {
	Group             *string `json:"group"`
	Requests          int64   `json:"requests"`
	PromptTokens      int64   `json:"prompt_tokens"`
	CompletionTokens  int64   `json:"completion_tokens"`
	Cost              float64 `json:"cost"`
	EstimatedRequests int64   `json:"estimated_requests"`
}

// spentBy waits until the key's recorded spend shows at least n requests (spend reaches the store
// in batches, every 2 s) and returns it.
func spentBy(t *testing.T, w *testkit.Warden, keyID string, n int64) usageRow {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, body, _ := w.Do(t, http.MethodGet, "/admin/v1/usage?group_by=key&key_id="+keyID, testkit.MasterKey, nil)
		if s != 200 {
			t.Fatalf("usage: %d %s", s, body)
		}
		var out struct {
			Data []usageRow `json:"data"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("usage answer %s: %v", body, err)
		}
		if len(out.Data) == 1 && out.Data[0].Requests >= n {
			return out.Data[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the key's spend never showed %d requests: %s", n, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSpendIsRecordedAndNeverOverBudget: the concurrent budget test's spend, as the usage report
// shows it, stays within the budget; failed calls cost nothing.
func TestSpendIsRecordedAndNeverOverBudget(t *testing.T) {
	w, fake := pricedGateway(t, "openai", fakellm.Options{}, "")
	key, id := w.NewKey(t, map[string]any{"max_budget": 40})
	fake.Fail(3, 500) // three calls fail at the backend: refunded, not charged
	for range 3 {
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, budgetCall); s != 502 {
			t.Fatalf("a call failing at the backend: %d %s", s, body)
		}
	}
	got := race(t, []*testkit.Warden{w}, 30, "/v1/chat/completions", key, budgetCall)
	if got[200] != 10 || got[429] != 20 {
		t.Fatalf("30 calls against a budget for 10 (3 failing at the backend): %v", got)
	}
	u := spentBy(t, w, id, 10)
	if u.Requests != 10 || u.Cost > 40 || u.Cost != 40 || u.CompletionTokens != 40 || u.PromptTokens == 0 || u.EstimatedRequests != 0 {
		t.Fatalf("recorded spend %+v; want 10 requests, 40 completion tokens costing 40 (the budget)", u)
	}
	_, metrics, _ := w.Do(t, http.MethodGet, "/metrics", testkit.MasterKey, nil)
	for _, want := range []string{`warden_tokens_total{model="m",type="completion"} 40`, `warden_spend_total{model="m"} 40`,
		`warden_limit_refusals_total{level="key",limit="max_budget"} 20`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestAbandonedStreamIsChargedForWhatWasGenerated: a client that leaves a long stream early pays
// for the tokens that reached it, not for the whole answer nor its reservation.
func TestAbandonedStreamIsChargedForWhatWasGenerated(t *testing.T) {
	for _, path := range []string{"/v1/chat/completions", "/api/chat"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			w, fake := pricedGateway(t, "ollama", fakellm.Options{Chunks: 200, ChunkDelay: 10 * time.Millisecond}, "")
			key, id := w.NewKey(t, map[string]any{"max_budget": 1000})
			body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],"max_tokens":200}`
			if strings.HasPrefix(path, "/api/") {
				body = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}],"options":{"num_predict":200}}`
			}
			req, _ := http.NewRequest(http.MethodPost, w.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 1)
			for read := 0; read < 600; { // a few chunks' worth, then hang up
				n, err := resp.Body.Read(buf)
				if err != nil {
					t.Fatalf("stream ended early (%d): %v", resp.StatusCode, err)
				}
				read += n
			}
			resp.Body.Close()
			u := spentBy(t, w, id, 1)
			if u.CompletionTokens == 0 || u.CompletionTokens > 60 || u.Cost != float64(u.CompletionTokens) || u.EstimatedRequests != 1 {
				t.Fatalf("abandoned after a few of 200 chunks, charged %+v; want the few chunks' tokens (estimated)", u)
			}
			deadline := time.Now().Add(5 * time.Second)
			for fake.Canceled() == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if fake.Canceled() == 0 {
				t.Fatal("the backend's stream was not cancelled")
			}
		})
	}
}

// TestStreamStoppedByItsBudget: a small token budget caps what a stream may produce; the stream
// ends well-formed at the budget, and the next call is refused by that budget.
func TestStreamStoppedByItsBudget(t *testing.T) {
	w, _ := pricedGateway(t, "openai", fakellm.Options{Chunks: 200}, "")
	key, id := w.NewKey(t, map[string]any{"max_tokens_budget": 40})
	oc := openaiClient(w, key)
	stream := oc.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model: "m", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil || len(acc.Choices) != 1 || acc.Choices[0].FinishReason != "length" {
		t.Fatalf("stream under a 40-token budget: err=%v choices=%+v", err, acc.Choices)
	}
	if n := len(strings.Fields(acc.Choices[0].Message.Content)); n == 0 || n > 40 {
		t.Fatalf("%d words passed under a 40-token budget", n)
	}
	s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", key, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if s != 429 || !strings.Contains(string(body), "max_tokens_budget") {
		t.Fatalf("the call after the budget was used: %d %s", s, body)
	}
	if u := spentBy(t, w, id, 1); u.PromptTokens+u.CompletionTokens > 40 {
		t.Fatalf("spent %+v; more than the 40-token budget", u)
	}
	// The same for Ollama's client, on a key of its own.
	okey, oid := w.NewKey(t, map[string]any{"max_tokens_budget": 40})
	var last ollamaapi.ChatResponse
	err := ollamaClient(w, okey).Chat(context.Background(), &ollamaapi.ChatRequest{Model: "m",
		Messages: []ollamaapi.Message{{Role: "user", Content: "hi"}}}, func(r ollamaapi.ChatResponse) error {
		last = r
		return nil
	})
	if err != nil || !last.Done || last.DoneReason != "length" {
		t.Fatalf("ollama stream under a 40-token budget: err=%v done=%v reason=%q", err, last.Done, last.DoneReason)
	}
	if u := spentBy(t, w, oid, 1); u.PromptTokens+u.CompletionTokens > 40 {
		t.Fatalf("ollama: spent %+v; more than the 40-token budget", u)
	}
}

// TestTeamAndUserBudgetsSpanTheirKeys: a team's budget is shared by all its keys, a user's by all
// of theirs, and the refusal names which level refused.
func TestTeamAndUserBudgetsSpanTheirKeys(t *testing.T) {
	w, _ := pricedGateway(t, "openai", fakellm.Options{}, "")
	if s, body, _ := w.Do(t, http.MethodPost, "/team/new", testkit.MasterKey, `{"team_id":"eng","max_budget":8}`); s != 200 {
		t.Fatalf("team/new: %d %s", s, body)
	}
	if s, body, _ := w.Do(t, http.MethodPost, "/user/new", testkit.MasterKey, `{"user_id":"dana","max_tokens_budget":1000000,"max_budget":12}`); s != 200 {
		t.Fatalf("user/new: %d %s", s, body)
	}
	t1, _ := w.NewKey(t, map[string]any{"team_id": "eng"})
	t2, _ := w.NewKey(t, map[string]any{"team_id": "eng"})
	for i, k := range []string{t1, t2} { // 4 each: the team's 8 is spent
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", k, budgetCall); s != 200 {
			t.Fatalf("team key %d: %d %s", i+1, s, body)
		}
	}
	if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", t1, budgetCall); s != 429 || !strings.Contains(string(body), `team \"eng\"`) {
		t.Fatalf("past the team budget: %d %s", s, body)
	}
	u1, _ := w.NewKey(t, map[string]any{"user_id": "dana"})
	u2, _ := w.NewKey(t, map[string]any{"user_id": "dana"})
	for i, k := range []string{u1, u2, u1} {
		if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", k, budgetCall); s != 200 {
			t.Fatalf("user key call %d: %d %s", i+1, s, body)
		}
	}
	if s, body, _ := w.Do(t, http.MethodPost, "/v1/chat/completions", u2, budgetCall); s != 429 || !strings.Contains(string(body), `user \"dana\"`) {
		t.Fatalf("past the user budget: %d %s", s, body)
	}
}

// TestStreamEndingAtItsMaxTokensIsNotCut: a limited stream that ends at its own max_tokens reaches
// the client exactly as an unlimited one does (the backend's own ending, not Warden's).
func TestStreamEndingAtItsMaxTokensIsNotCut(t *testing.T) {
	w, _ := pricedGateway(t, "openai", fakellm.Options{Chunks: 16}, "")
	limited, _ := w.NewKey(t, map[string]any{"tpm_limit": 100000, "max_budget": 1000})
	free, _ := w.NewKey(t, nil)
	run := func(key string) (string, string) {
		oc := openaiClient(w, key)
		stream := oc.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
			Model: "m", MaxTokens: openai.Int(16), Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		var acc openai.ChatCompletionAccumulator
		for stream.Next() {
			acc.AddChunk(stream.Current())
		}
		if err := stream.Err(); err != nil || len(acc.Choices) != 1 {
			t.Fatalf("stream: %v %+v", err, acc.Choices)
		}
		return acc.Choices[0].Message.Content, acc.Choices[0].FinishReason
	}
	lc, lr := run(limited)
	fc, fr := run(free)
	if lc != fc || lr != fr {
		t.Fatalf("limited stream %q (%s), unlimited %q (%s): want the same", lc, lr, fc, fr)
	}
}
