package ollama

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func sse(chunks ...string) string {
	var sb strings.Builder
	for _, c := range chunks {
		sb.WriteString("data: " + c + "\n\n")
	}
	return sb.String()
}

func delta(content string) string {
	b, _ := json.Marshal(content)
	return `{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":` + string(b) + `},"finish_reason":null}]}`
}

const (
	finishStop   = `{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	finishLength = `{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`
	usageChunk   = `{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}`
)

type ndFrame struct {
	Model     string `json:"model"`
	CreatedAt string `json:"created_at"`
	Message   *struct {
		Role      string `json:"role"`
		Content   string `json:"content"`
		Thinking  string `json:"thinking"`
		ToolCalls []struct {
			ID       string `json:"id"`
			Function struct {
				Index     int             `json:"index"`
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"message"`
	Response        *string `json:"response"`
	Thinking        string  `json:"thinking"`
	Done            bool    `json:"done"`
	DoneReason      string  `json:"done_reason"`
	PromptEvalCount int     `json:"prompt_eval_count"`
	EvalCount       int     `json:"eval_count"`
	TotalDuration   int64   `json:"total_duration"`
	Error           string  `json:"error"`
}

func translate(t *testing.T, kind StreamKind, stream string, oneByte bool) ([]ndFrame, Usage, error) {
	t.Helper()
	var r io.Reader = strings.NewReader(stream)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	var out bytes.Buffer
	flushes := 0
	u, err := TranslateStream(kind, "client-model", r, &out, func() { flushes++ })
	var frames []ndFrame
	for line := range strings.SplitSeq(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		var f ndFrame
		if jerr := json.Unmarshal([]byte(line), &f); jerr != nil {
			t.Fatalf("line %q is not JSON: %v", line, jerr)
		}
		frames = append(frames, f)
	}
	if flushes != len(frames) {
		t.Errorf("%d flushes for %d frames", flushes, len(frames))
	}
	return frames, u, err
}

func TestTranslateStreamChat(t *testing.T) {
	stream := sse(delta("Hel"), delta("lo \"x\"\n"), finishStop, usageChunk, "[DONE]")
	for _, oneByte := range []bool{false, true} {
		frames, u, err := translate(t, StreamChat, stream, oneByte)
		if err != nil {
			t.Fatal(err)
		}
		if len(frames) != 3 {
			t.Fatalf("%d frames, want 3", len(frames))
		}
		for i, want := range []string{"Hel", "lo \"x\"\n"} {
			f := frames[i]
			if f.Done || f.Message == nil || f.Message.Role != "assistant" || f.Message.Content != want || f.Model != "client-model" {
				t.Errorf("frame %d = %+v", i, f)
			}
			if _, err := time.Parse(time.RFC3339Nano, f.CreatedAt); err != nil {
				t.Errorf("created_at %q: %v", f.CreatedAt, err)
			}
		}
		last := frames[2]
		if !last.Done || last.DoneReason != "stop" || last.PromptEvalCount != 10 || last.EvalCount != 2 || last.TotalDuration <= 0 {
			t.Errorf("final frame = %+v", last)
		}
		if u != (Usage{PromptTokens: 10, CompletionTokens: 2}) {
			t.Errorf("usage = %+v", u)
		}
	}
}

func TestTranslateStreamGenerate(t *testing.T) {
	frames, _, err := translate(t, StreamGenerate, sse(delta("a"), finishLength, "[DONE]"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 || frames[0].Response == nil || *frames[0].Response != "a" || frames[0].Message != nil {
		t.Fatalf("frames = %+v", frames)
	}
	if !frames[1].Done || frames[1].DoneReason != "length" || frames[1].Response == nil || *frames[1].Response != "" {
		t.Errorf("final = %+v", frames[1])
	}
}

func TestTranslateStreamEstimatesUsageWhenBackendSendsNone(t *testing.T) {
	frames, u, err := translate(t, StreamChat, sse(delta("a"), delta("b"), delta("c"), finishStop, "[DONE]"), false)
	if err != nil {
		t.Fatal(err)
	}
	if u != (Usage{CompletionTokens: 3, Estimated: true}) {
		t.Errorf("usage = %+v", u)
	}
	if last := frames[len(frames)-1]; last.EvalCount != 3 || last.PromptEvalCount != 0 {
		t.Errorf("final = %+v", last)
	}
}

func TestTranslateStreamThinking(t *testing.T) {
	think := `{"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]}`
	vllmNew := `{"choices":[{"index":0,"delta":{"reasoning":"so"}}]}`
	frames, _, err := translate(t, StreamChat, sse(think, vllmNew, delta("ok"), finishStop, "[DONE]"), false)
	if err != nil {
		t.Fatal(err)
	}
	if frames[0].Message.Thinking != "hmm" || frames[0].Message.Content != "" || frames[1].Message.Thinking != "so" || frames[2].Message.Content != "ok" {
		t.Errorf("frames = %+v %+v %+v", frames[0].Message, frames[1].Message, frames[2].Message)
	}
	frames, _, _ = translate(t, StreamGenerate, sse(think, finishStop, "[DONE]"), false)
	if frames[0].Thinking != "hmm" {
		t.Errorf("generate thinking = %+v", frames[0])
	}
}

func TestTranslateStreamToolCalls(t *testing.T) {
	stream := sse(
		`{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"weather","arguments":""}}]}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"time","arguments":"{}"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris\"}"}}]}}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		usageChunk, "[DONE]")
	frames, _, err := translate(t, StreamChat, stream, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 {
		t.Fatalf("%d frames: %+v", len(frames), frames)
	}
	calls := frames[0].Message.ToolCalls
	if len(calls) != 2 || calls[0].ID != "call_a" || calls[0].Function.Name != "weather" || string(calls[0].Function.Arguments) != `{"city": "Paris"}` ||
		calls[1].Function.Name != "time" || calls[1].Function.Index != 1 || string(calls[1].Function.Arguments) != "{}" {
		t.Errorf("tool calls = %+v", calls)
	}
	if !frames[1].Done || frames[1].DoneReason != "stop" {
		t.Errorf("final = %+v", frames[1])
	}
}

func TestTranslateStreamFailures(t *testing.T) {
	boom := errors.New("connection reset")
	tests := []struct {
		name      string
		stream    io.Reader
		wantErr   error  // errors.Is target, or nil to only require an error
		wantMsg   string // the {"error"} line
		delivered int    // content frames before the error
	}{
		{"cut before finish", strings.NewReader(sse(delta("a"), delta("b"))), ErrStreamCut, "upstream stream ended unexpectedly", 2},
		{"cut mid event", strings.NewReader(sse(delta("a")) + "data: {\"choi"), ErrStreamCut, "upstream stream ended unexpectedly", 1},
		{"empty stream", strings.NewReader(""), ErrStreamCut, "upstream stream ended unexpectedly", 0},
		{"done without chunks", strings.NewReader(sse("[DONE]")), ErrStreamCut, "upstream stream ended unexpectedly", 0},
		{"read error", io.MultiReader(strings.NewReader(sse(delta("a"))), iotest.ErrReader(boom)), boom, "upstream stream failed", 1},
		{"error object", strings.NewReader(sse(delta("a"), `{"error":{"message":"CUDA out of memory","type":"server_error"}}`)), nil, "CUDA out of memory", 1},
		{"vllm error object", strings.NewReader(sse(`{"object":"error","message":"bad things","type":"BadRequestError","code":400}`)), nil, "bad things", 0},
		{"malformed chunk", strings.NewReader(sse(delta("a"), `{"choices":[`)), nil, "upstream sent an invalid stream chunk", 1},
		{"content not a string", strings.NewReader(sse(`{"choices":[{"delta":{"content":5}}]}`)), nil, "upstream sent an invalid stream chunk", 0},
		{"bad tool arguments", strings.NewReader(sse(`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{not json"}}]},"finish_reason":"tool_calls"}]}`, "[DONE]")), nil, "upstream sent invalid tool calls", 0},
		{"oversized line", strings.NewReader("data: " + strings.Repeat("x", 2<<20) + "\n\n"), nil, "upstream stream failed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			u, err := TranslateStream(StreamChat, "m", tt.stream, &out, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			var last map[string]any
			if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &last); jerr != nil {
				t.Fatalf("last line %q: %v", lines[len(lines)-1], jerr)
			}
			if len(last) != 1 || last["error"] != tt.wantMsg {
				t.Errorf("last line = %v, want error %q", last, tt.wantMsg)
			}
			if len(lines)-1 != tt.delivered {
				t.Errorf("%d frames before the error, want %d", len(lines)-1, tt.delivered)
			}
			if u.CompletionTokens != tt.delivered || !u.Estimated {
				t.Errorf("usage = %+v", u)
			}
		})
	}
}

func TestTranslateStreamFinishWithoutDone(t *testing.T) {
	frames, _, err := translate(t, StreamChat, sse(delta("a"), finishStop), false)
	if err != nil || len(frames) != 2 || !frames[1].Done {
		t.Errorf("frames %+v, err %v", frames, err)
	}
}

func TestTranslateStreamIgnoresOtherChoicesAndComments(t *testing.T) {
	stream := ": keep-alive\n\n" + sse(
		`{"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}]}`,
		`{"choices":[{"index":1,"delta":{"content":"other"},"finish_reason":"stop"}]}`,
		finishStop, "[DONE]")
	frames, _, err := translate(t, StreamChat, stream, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 || frames[0].Message.Content != "mine" {
		t.Errorf("frames = %+v", frames)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("client went away")
	}
	w.n--
	return len(p), nil
}

func TestTranslateStreamStopsWhenClientGoes(t *testing.T) {
	u, err := TranslateStream(StreamChat, "m", strings.NewReader(sse(delta("a"), delta("b"), delta("c"), finishStop, "[DONE]")), &failWriter{n: 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "client went away") {
		t.Errorf("err = %v", err)
	}
	if u.CompletionTokens != 2 {
		t.Errorf("usage = %+v, want the 2 deltas produced", u)
	}
}
