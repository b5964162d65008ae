package ollama

import (
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		streamDefault bool
		want          Request
	}{
		{"chat default stream", `{"model":"llama3","messages":[]}`, true, Request{"llama3", true}},
		{"chat stream off", `{"model":"llama3","stream":false}`, true, Request{"llama3", false}},
		{"embed default", `{"model":"nomic","input":"x"}`, false, Request{"nomic", false}},
		{"stream null keeps default", `{"model":"m","stream":null}`, true, Request{"m", true}},
		{"legacy name", `{"name":"old:latest"}`, true, Request{"old:latest", true}},
		{"model wins over name", `{"name":"b","model":"a"}`, false, Request{"a", false}},
		{"empty model falls back to name", `{"model":"","name":"b"}`, false, Request{"b", false}},
		{"escaped", `{"model":"qwen\u0032"}`, false, Request{"qwen2", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tt.body), tt.streamDefault)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name, body, field, msg string
	}{
		{"empty", "", "", "missing request body"},
		{"malformed", `{"model":"m",,}`, "", "invalid JSON at line 1, column 14 (byte 13): expected a string key, found ','"},
		{"no model", `{"prompt":"hi"}`, "model", "model is required"},
		{"empty model and name", `{"model":"","name":""}`, "model", "model is required"},
		{"model number", `{"model":3}`, "model", "model must be a string"},
		{"name array", `{"name":["a"]}`, "name", "name must be a string"},
		{"stream string", `{"model":"m","stream":"false"}`, "stream", "stream must be a boolean"},
		{"duplicate model", `{"model":"a","model":"b"}`, "model", `duplicate key "model" at line 1, column 14 (byte 13)`},
		{"duplicate stream by case", `{"model":"a","stream":false,"Stream":true}`, "stream", `duplicate key "stream" at line 1, column 29 (byte 28)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRequest([]byte(tt.body), true)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want *ParseError", err)
			}
			if pe.Field != tt.field || pe.Msg != tt.msg {
				t.Errorf("got field %q msg %q, want %q %q", pe.Field, pe.Msg, tt.field, tt.msg)
			}
		})
	}
	_, err := ParseRequest([]byte(`[`), true)
	var se *jsonscan.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("syntax error does not unwrap: %v", err)
	}
}

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, 404, `model "x" not found, try pulling it first`)
	if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 1 || body["error"] != `model "x" not found, try pulling it first` {
		t.Errorf("body = %v", body)
	}
}

func TestNDJSONReader(t *testing.T) {
	in := "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n \t{\"c\":3}  \n{\"d\":4}"
	for _, oneByte := range []bool{false, true} {
		var src io.Reader = strings.NewReader(in)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		r := NewNDJSONReader(src)
		var got []string
		for {
			line, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(line))
		}
		if strings.Join(got, "|") != `{"a":1}|{"b":2}|{"c":3}|{"d":4}` {
			t.Errorf("oneByte=%v: got %q", oneByte, got)
		}
	}
}

func TestNDJSONReaderLimit(t *testing.T) {
	r := NewNDJSONReaderSize(strings.NewReader("{\"a\":1}\n"+strings.Repeat("x", 100)+"\n{}\n"), 16)
	if line, err := r.Next(); err != nil || string(line) != `{"a":1}` {
		t.Fatalf("first line %q %v", line, err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrTooLong) {
		t.Errorf("err = %v, want ErrTooLong", err)
	}
	r.Reset(strings.NewReader("{}\n"))
	if line, err := r.Next(); err != nil || string(line) != "{}" {
		t.Errorf("after Reset: %q %v", line, err)
	}
}
