package openai

import (
	"errors"
	"reflect"
	"testing"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Request
	}{
		{"minimal", `{"model":"gpt-4o"}`, Request{Model: "gpt-4o"}},
		{"stream", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, Request{Model: "m", Stream: true}},
		{"stream false", `{"model":"m","stream":false}`, Request{Model: "m"}},
		{"stream null", `{"model":"m","stream":null}`, Request{Model: "m"}},
		{"include usage", `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`, Request{Model: "m", Stream: true, IncludeUsage: true}},
		{"stream options without usage", `{"model":"m","stream_options":{"continuous_usage_stats":true}}`, Request{Model: "m"}},
		{"stream options null", `{"model":"m","stream_options":null}`, Request{Model: "m"}},
		{"escaped model", `{"model":"llama\u0033:8b"}`, Request{Model: "llama3:8b"}},
		{"case-insensitive key as Go servers read it", `{"Model":"m"}`, Request{Model: "m"}},
		{"whitespace", " \n{ \"model\" : \"m\" }\n", Request{Model: "m"}},
		{"output limits", `{"model":"m","max_tokens":16,"n":2,"max_completion_tokens":null}`,
			Request{Model: "m", OutputLimits: [4][]byte{[]byte("null"), []byte("16"), nil, []byte("2")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name, body, param, msg string
		syntax                 bool
	}{
		{"empty", ``, "", "request body is empty", false},
		{"blank", " \n ", "", "request body is empty", false},
		{"malformed", "{\n\"model\": \"m\",\n}", "", "invalid JSON at line 3, column 1 (byte 16): expected a string key, found '}'", true},
		{"not an object", `["model"]`, "", "invalid JSON at line 1, column 1 (byte 0): expected '{' to start an object, found '['", true},
		{"missing model", `{"messages":[]}`, "model", "model is required", false},
		{"empty model", `{"model":""}`, "model", "model is required", false},
		{"null model", `{"model":null}`, "model", "model is required", false},
		{"numeric model", `{"model":4}`, "model", "model must be a string", false},
		{"object model", `{"model":{"name":"m"}}`, "model", "model must be a string", false},
		{"duplicate model", `{"model":"cheap","model":"expensive"}`, "model", `duplicate key "model" at line 1, column 18 (byte 17)`, false},
		{"case duplicate model", `{"model":"cheap","MODEL":"expensive"}`, "model", `duplicate key "model" at line 1, column 18 (byte 17)`, false},
		{"string stream", `{"model":"m","stream":"true"}`, "stream", "stream must be a boolean", false},
		{"numeric stream", `{"model":"m","stream":1}`, "stream", "stream must be a boolean", false},
		{"stream options array", `{"model":"m","stream_options":[]}`, "stream_options", "stream_options must be an object", false},
		{"include usage string", `{"model":"m","stream_options":{"include_usage":"yes"}}`, "stream_options", "stream_options.include_usage must be a boolean", false},
		{"include usage duplicate", `{"model":"m","stream_options":{"include_usage":false,"include_usage":true}}`, "stream_options", `duplicate key "include_usage" in stream_options`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tt.body))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want *ParseError", err)
			}
			if pe.Msg != tt.msg || pe.Param != tt.param {
				t.Errorf("got param %q msg %q\nwant param %q msg %q", pe.Param, pe.Msg, tt.param, tt.msg)
			}
			var se *jsonscan.SyntaxError
			if errors.As(err, &se) != tt.syntax {
				t.Errorf("syntax error unwrap = %v, want %v", !tt.syntax, tt.syntax)
			}
		})
	}
}
