package ollama

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Tiny but well-formed image headers.
var (
	pngB64  = base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	jpegB64 = base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	webpB64 = base64.StdEncoding.EncodeToString([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "))
)

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return m
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return v
}

func TestChatToOpenAI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string // top-level field -> expected JSON ("" = must be absent)
	}{
		{
			name: "defaults to streaming with usage",
			in:   `{"model":"llama3","messages":[{"role":"user","content":"hi"}]}`,
			want: map[string]string{
				"model": `"backend/llama"`, "stream": `true`, "stream_options": `{"include_usage":true}`,
				"messages": `[{"role":"user","content":"hi"}]`, "max_tokens": "", "response_format": "",
			},
		},
		{
			name: "no stream",
			in:   `{"model":"llama3","stream":false,"messages":[{"role":"User","content":"<b>hi</b> & bye"}]}`,
			want: map[string]string{"stream": `false`, "stream_options": "", "messages": `[{"role":"user","content":"<b>hi</b> & bye"}]`},
		},
		{
			name: "options",
			in: `{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"temperature":0.2,"top_p":0.9,"seed":42,
				"stop":["\n\n","END"],"num_predict":128,"frequency_penalty":0.5,"presence_penalty":-0.5,"top_k":40,"num_ctx":8192}}`,
			want: map[string]string{
				"temperature": "0.2", "top_p": "0.9", "seed": "42", "stop": `["\n\n","END"]`, "max_tokens": "128",
				"frequency_penalty": "0.5", "presence_penalty": "-0.5", "top_k": "", "num_ctx": "", "options": "",
			},
		},
		{
			name: "zero temperature kept, unlimited num_predict dropped, stop string",
			in:   `{"model":"m","messages":[{"role":"user","content":"x"}],"options":{"temperature":0,"num_predict":-1,"stop":"###","seed":null}}`,
			want: map[string]string{"temperature": "0", "max_tokens": "", "stop": `["###"]`, "seed": ""},
		},
		{
			name: "format json",
			in:   `{"model":"m","messages":[{"role":"user","content":"x"}],"format":"json"}`,
			want: map[string]string{"response_format": `{"type":"json_object"}`},
		},
		{
			name: "format schema",
			in:   `{"model":"m","messages":[{"role":"user","content":"x"}],"format":{"type":"object","properties":{"age":{"type":"integer"}}}}`,
			want: map[string]string{"response_format": `{"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object","properties":{"age":{"type":"integer"}}}}}`},
		},
		{
			name: "tools pass through",
			in:   `{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}`,
			want: map[string]string{"tools": `[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]`},
		},
		{
			name: "images become content parts",
			in:   `{"model":"m","messages":[{"role":"user","content":"what is this?","images":["` + pngB64 + `","` + jpegB64 + `"]},{"role":"user","images":["` + webpB64 + `"]}]}`,
			want: map[string]string{"messages": `[{"role":"user","content":[{"type":"text","text":"what is this?"},` +
				`{"type":"image_url","image_url":{"url":"data:image/png;base64,` + pngB64 + `"}},` +
				`{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,` + jpegB64 + `"}}]},` +
				`{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/webp;base64,` + webpB64 + `"}}]}]`},
		},
		{
			name: "tool calls and results",
			in: `{"model":"m","messages":[{"role":"user","content":"weather?"},
				{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city":"Paris","days":2}}}]},
				{"role":"tool","tool_name":"weather","content":"sunny"},
				{"role":"assistant","tool_calls":[{"id":"abc","function":{"name":"time","arguments":{}}}]},
				{"role":"tool","tool_call_id":"abc","content":"noon"}]}`,
			want: map[string]string{"messages": `[{"role":"user","content":"weather?"},
				{"role":"assistant","content":null,"tool_calls":[{"id":"call_1_0","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\",\"days\":2}"}}]},
				{"role":"tool","content":"sunny","tool_call_id":"call_1_0"},
				{"role":"assistant","content":null,"tool_calls":[{"id":"abc","type":"function","function":{"name":"time","arguments":"{}"}}]},
				{"role":"tool","content":"noon","tool_call_id":"abc"}]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ChatToOpenAI([]byte(tt.in), "backend/llama")
			if err != nil {
				t.Fatal(err)
			}
			got := decodeMap(t, out)
			for k, want := range tt.want {
				v, present := got[k]
				if want == "" {
					if present {
						t.Errorf("%s present: %v", k, v)
					}
					continue
				}
				if !reflect.DeepEqual(v, jsonOf(t, want)) {
					gotJSON, _ := json.Marshal(v)
					t.Errorf("%s:\n got  %s\n want %s", k, gotJSON, want)
				}
			}
			if strings.Contains(string(out), `\u003c`) {
				t.Errorf("HTML escaped output: %s", out)
			}
		})
	}
}

func TestToOpenAIErrors(t *testing.T) {
	msgs := `"messages":[{"role":"user","content":"x"}]`
	tests := []struct {
		name string
		fn   func([]byte, string) ([]byte, error)
		in   string
		want string
	}{
		{"chat empty body", ChatToOpenAI, ``, "missing request body"},
		{"chat bad JSON", ChatToOpenAI, `{"messages":[}`, "invalid JSON at byte 14"},
		{"chat content type", ChatToOpenAI, `{"messages":[{"role":"user","content":5}]}`, "messages.content must be a string"},
		{"chat messages type", ChatToOpenAI, `{"messages":{}}`, "messages must be an array"},
		{"chat stream type", ChatToOpenAI, `{"stream":"yes",` + msgs + `}`, "stream must be a boolean"},
		{"temperature type", ChatToOpenAI, `{` + msgs + `,"options":{"temperature":"hot"}}`, `option "temperature" must be a number`},
		{"seed fraction", ChatToOpenAI, `{` + msgs + `,"options":{"seed":1.5}}`, `option "seed" must be an integer`},
		{"stop type", ChatToOpenAI, `{` + msgs + `,"options":{"stop":[1]}}`, `option "stop" must be an array of strings`},
		{"format string", ChatToOpenAI, `{` + msgs + `,"format":"xml"}`, `invalid format: must be "json" or a JSON schema object`},
		{"format number", ChatToOpenAI, `{` + msgs + `,"format":3}`, `invalid format`},
		{"tools object", ChatToOpenAI, `{` + msgs + `,"tools":{}}`, "tools must be an array"},
		{"tool args string", ChatToOpenAI, `{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]}`, "messages[0].tool_calls[0].function.arguments must be an object"},
		{"image not base64", ChatToOpenAI, `{"messages":[{"role":"user","images":["!!!"]}]}`, "messages[0].images[0]: invalid base64 image data"},
		{"image not an image", ChatToOpenAI, `{"messages":[{"role":"user","images":["` + base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 hello")) + `"]}]}`, "not a PNG, JPEG, GIF or WebP image"},
		{"image bad tail", ChatToOpenAI, `{"messages":[{"role":"user","images":["` + pngB64 + `$$$$"]}]}`, "invalid base64 image data"},
		{"generate suffix", GenerateToOpenAI, `{"prompt":"a","suffix":"b"}`, "suffix is not supported"},
		{"generate template", GenerateToOpenAI, `{"prompt":"a","template":"{{.Prompt}}"}`, "template is not supported"},
		{"generate raw", GenerateToOpenAI, `{"prompt":"a","raw":true}`, "raw mode is not supported"},
		{"generate prompt type", GenerateToOpenAI, `{"prompt":["a"]}`, "prompt must be a string"},
		{"embed input type", EmbedToOpenAI, `{"input":5}`, "invalid input type"},
		{"embed input list type", EmbedToOpenAI, `{"input":["a",1]}`, "invalid input type"},
		{"embed dimensions", EmbedToOpenAI, `{"input":"a","dimensions":-1}`, "dimensions must not be negative"},
		{"embeddings prompt type", EmbeddingsToOpenAI, `{"prompt":1}`, "prompt must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.fn([]byte(tt.in), "up")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %s, %v; want *ParseError", out, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLocalAnswers(t *testing.T) {
	tests := []struct {
		name string
		fn   func([]byte, string) ([]byte, error)
		in   string
		want map[string]any
	}{
		{"chat load", ChatToOpenAI, `{"model":"llama3"}`, map[string]any{"model": "llama3", "done": true, "done_reason": "load", "message": map[string]any{"role": "assistant", "content": ""}}},
		{"chat unload", ChatToOpenAI, `{"model":"llama3","messages":[],"keep_alive":0}`, map[string]any{"done_reason": "unload"}},
		{"chat unload string", ChatToOpenAI, `{"model":"llama3","keep_alive":"0s"}`, map[string]any{"done_reason": "unload"}},
		{"chat keep alive", ChatToOpenAI, `{"model":"llama3","keep_alive":"5m"}`, map[string]any{"done_reason": "load"}},
		{"generate load", GenerateToOpenAI, `{"model":"g","system":"s"}`, map[string]any{"model": "g", "response": "", "done": true, "done_reason": "load"}},
		{"generate unload", GenerateToOpenAI, `{"model":"g","keep_alive":"0"}`, map[string]any{"done_reason": "unload"}},
		{"embed empty", EmbedToOpenAI, `{"model":"e","input":[]}`, map[string]any{"model": "e", "embeddings": []any{}}},
		{"embed empty string", EmbedToOpenAI, `{"model":"e","input":""}`, map[string]any{"embeddings": []any{}}},
		{"embed no input", EmbedToOpenAI, `{"model":"e"}`, map[string]any{"embeddings": []any{}}},
		{"embeddings empty", EmbeddingsToOpenAI, `{"model":"e"}`, map[string]any{"embedding": []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.fn([]byte(tt.in), "up")
			var la *LocalAnswer
			if !errors.As(err, &la) {
				t.Fatalf("got %v, want *LocalAnswer", err)
			}
			got := decodeMap(t, la.Body)
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestGenerateToOpenAIImages(t *testing.T) {
	out, err := GenerateToOpenAI([]byte(`{"model":"m","prompt":"describe","images":["`+pngB64+`"],"context":[1,2,3],"options":{"num_predict":9}}`), "up")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeMap(t, out)
	want := jsonOf(t, `[{"role":"user","content":[{"type":"text","text":"describe"},{"type":"image_url","image_url":{"url":"data:image/png;base64,`+pngB64+`"}}]}]`)
	if !reflect.DeepEqual(got["messages"], want) || got["max_tokens"] != 9.0 || got["context"] != nil {
		t.Errorf("got %s", out)
	}
	// An image already given as a data URL is kept as is.
	url := "data:image/png;base64," + pngB64
	out, err = GenerateToOpenAI([]byte(`{"prompt":"x","images":["`+url+`"]}`), "up")
	if err != nil || !strings.Contains(string(out), `"url":"`+url+`"`) || strings.Count(string(out), "data:") != 1 {
		t.Errorf("data URL: %s %v", out, err)
	}
}

func TestEmbedToOpenAI(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"model":"e","input":"hello"}`, `{"model":"up","input":"hello","encoding_format":"float"}`},
		{`{"model":"e","input":["a","b"],"dimensions":256,"truncate":false}`, `{"model":"up","input":["a","b"],"encoding_format":"float","dimensions":256}`},
	}
	for _, tt := range tests {
		out, err := EmbedToOpenAI([]byte(tt.in), "up")
		if err != nil || string(out) != tt.want {
			t.Errorf("%s:\n got  %s %v\n want %s", tt.in, out, err, tt.want)
		}
	}
	out, err := EmbeddingsToOpenAI([]byte(`{"model":"e","prompt":"p\"q"}`), "up")
	if err != nil || string(out) != `{"model":"up","input":"p\"q","encoding_format":"float"}` {
		t.Errorf("legacy: %s %v", out, err)
	}
}
