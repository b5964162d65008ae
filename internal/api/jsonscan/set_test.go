package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSetTopLevelString(t *testing.T) {
	tests := []struct {
		name, body, key, value, want string
	}{
		{"replace", `{"model":"a","stream":true}`, "model", "b", `{"model":"b","stream":true}`},
		{"keeps layout", "{\n  \"model\" : \"a\",\n  \"x\": 1\n}", "model", "b", "{\n  \"model\":\"b\",\n  \"x\": 1\n}"},
		{"add to empty", `{}`, "model", "b", `{"model":"b"}`},
		{"add to empty with space", ` { } `, "model", "b", ` {"model":"b" } `},
		{"add first", `{"x":1}`, "model", "b", `{"model":"b","x":1}`},
		{"replace non-string", `{"model":{"a":[1]},"x":1}`, "model", "b", `{"model":"b","x":1}`},
		{"nested untouched", `{"m":{"model":"a"}}`, "model", "b", `{"model":"b","m":{"model":"a"}}`},
		{"case variant normalized", `{"Model":"a"}`, "model", "b", `{"model":"b"}`},
		{"duplicates collapsed", `{"model":"a", "x":1, "MODEL":"c" ,"y":2}`, "model", "b", `{"model":"b", "x":1 ,"y":2}`},
		{"duplicate last", `{"x":1,"model":"a","model":"c"}`, "model", "b", `{"x":1,"model":"b"}`},
		{"escaping", `{"model":"a"}`, "model", "q\"uo\\te\n<&>\x01", `{"model":"q\"uo\\te\n<&>\u0001"}`},
		{"unicode", `{"model":"a"}`, "model", "模型/é", `{"model":"模型/é"}`},
		{"key escaping", `{}`, `we"ird`, "v", `{"we\"ird":"v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetTopLevelString([]byte(tt.body), tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			var m map[string]any
			if err := json.Unmarshal(got, &m); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if m[tt.key] != tt.value {
				t.Errorf("decoded %q = %q, want %q", tt.key, m[tt.key], tt.value)
			}
		})
	}
}

func TestSetTopLevelStringDoesNotModifyInput(t *testing.T) {
	body := []byte(`{"model":"aaaaaaaaaaaa","x":1}`)
	orig := string(body)
	if _, err := SetTopLevelString(body[:len(body):len(body)], "model", "b"); err != nil {
		t.Fatal(err)
	}
	if string(body) != orig {
		t.Errorf("input changed to %s", body)
	}
}

func TestSetTopLevelErrors(t *testing.T) {
	for _, body := range []string{``, `[]`, `{"a":}`, `{"a":1} {}`, `"x"`} {
		if out, err := SetTopLevelString([]byte(body), "model", "b"); err == nil {
			t.Errorf("%q: got %s, want error", body, out)
		}
	}
	if _, err := SetTopLevelRaw([]byte(`{}`), "stream_options", []byte(`{"include_usage":tru}`)); err == nil {
		t.Error("invalid raw value accepted")
	}
	if _, err := SetTopLevelRaw([]byte(`{}`), "a", []byte(``)); err == nil {
		t.Error("empty raw value accepted")
	}
}

func TestSetTopLevelRaw(t *testing.T) {
	got, err := SetTopLevelRaw([]byte(`{"model":"m","stream":true}`), "stream_options", []byte(`{"include_usage":true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"stream_options":{"include_usage":true},"model":"m","stream":true}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	got, err = SetTopLevelRaw([]byte(`{"stream_options":null,"model":"m"}`), "stream_options", []byte(`{"include_usage":true}`))
	if err != nil || !strings.Contains(string(got), `"stream_options":{"include_usage":true},"model"`) {
		t.Errorf("replace: %s %v", got, err)
	}
}
