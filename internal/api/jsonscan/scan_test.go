package jsonscan

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestExtractFindsTopLevelFieldsOnly(t *testing.T) {
	body := []byte(`{
  "messages": [{"role": "user", "content": "hi", "model": "nested"}],
  "model" : "llama3",
  "options": {"stream": false},
  "stream": true
}`)
	vals := make([][]byte, 3)
	if err := Extract(body, []string{"model", "stream", "absent"}, vals); err != nil {
		t.Fatal(err)
	}
	if got := string(vals[0]); got != `"llama3"` {
		t.Errorf("model = %s", got)
	}
	if got := string(vals[1]); got != "true" {
		t.Errorf("stream = %s", got)
	}
	if vals[2] != nil {
		t.Errorf("absent = %q, want nil", vals[2])
	}
}

func TestExtractMatchesKeysLikeEncodingJSON(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"exact", `{"model":"a"}`, `"a"`},
		{"upper case", `{"MODEL":"a"}`, `"a"`},
		{"escaped", `{"mod\u0065l":"a"}`, `"a"`},
		{"escaped upper", `{"\u004dodel":"a"}`, `"a"`},
		{"long s folds to s", `{"ſtream":"a"}`, ""},
		{"different key", `{"models":"a"}`, ""},
		{"different first letter", `{"nodel":"a"}`, ""},
		{"punctuation first byte", `{"-odel":"a"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := make([][]byte, 1)
			if err := Extract([]byte(tt.body), []string{"model"}, vals); err != nil {
				t.Fatal(err)
			}
			if string(vals[0]) != tt.want {
				t.Errorf("got %q, want %q", vals[0], tt.want)
			}
			// Cross-check against encoding/json.
			var v struct {
				Model *json.RawMessage `json:"model"`
			}
			if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
				t.Fatal(err)
			}
			if (v.Model != nil) != (vals[0] != nil) {
				t.Errorf("encoding/json found model = %v, Extract found %v", v.Model != nil, vals[0] != nil)
			}
		})
	}
	vals := make([][]byte, 1)
	if err := Extract([]byte(`{"ſtream":false}`), []string{"stream"}, vals); err != nil || string(vals[0]) != "false" {
		t.Errorf("ſtream did not match stream: %q %v", vals[0], err)
	}
	if err := Extract([]byte(`{"Kelvin":1}`), []string{"kelvin"}, vals); err != nil || string(vals[0]) != "1" {
		t.Errorf("the Kelvin sign did not fold to k: %q %v", vals[0], err)
	}
}

func TestExtractRejectsDuplicateKeys(t *testing.T) {
	tests := []struct {
		body    string
		offset  int
		message string
	}{
		{`{"model":"a","model":"b"}`, 13, `duplicate key "model" at line 1, column 14 (byte 13)`},
		{`{"model":"a",` + "\n" + ` "Model":"b"}`, 15, `duplicate key "model" at line 2, column 2 (byte 15)`},
		{`{"model":"a","mod\u0065l":"b"}`, 13, `duplicate key "model" at line 1, column 14 (byte 13)`},
	}
	for _, tt := range tests {
		err := Extract([]byte(tt.body), []string{"model"}, make([][]byte, 1))
		var de *DuplicateKeyError
		if !errors.As(err, &de) {
			t.Fatalf("%s: got %v, want DuplicateKeyError", tt.body, err)
		}
		if de.Offset != tt.offset || err.Error() != tt.message {
			t.Errorf("%s: got %q (offset %d), want %q", tt.body, err, de.Offset, tt.message)
		}
	}
	// Duplicates of keys nobody asked for are legal JSON and pass.
	if err := Extract([]byte(`{"x":1,"x":2,"model":"m"}`), []string{"model"}, make([][]byte, 1)); err != nil {
		t.Errorf("unrelated duplicate rejected: %v", err)
	}
}

func TestSyntaxErrorsNamePosition(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"empty", ``, "invalid JSON at line 1, column 1 (byte 0): unexpected end of input"},
		{"spaces only", "  \n ", "invalid JSON at line 2, column 2 (byte 4): unexpected end of input"},
		{"array", `[1]`, "invalid JSON at line 1, column 1 (byte 0): expected '{' to start an object, found '['"},
		{"stray brace", "{\n  \"model\": \"x\",\n  \"a\": [1, }", "invalid JSON at line 3, column 12 (byte 29): unexpected '}', expected a value"},
		{"trailing comma", `{"a":1,}`, "invalid JSON at line 1, column 8 (byte 7): expected a string key, found '}'"},
		{"missing colon", `{"a" 1}`, "invalid JSON at line 1, column 6 (byte 5): expected ':' after object key, found '1'"},
		{"missing comma", `{"a":1 "b":2}`, "invalid JSON at line 1, column 8 (byte 7): expected ',' or '}' after object member, found '\"'"},
		{"unterminated string", `{"a":"xy`, "invalid JSON at line 1, column 9 (byte 8): unexpected end of input"},
		{"control char", "{\"a\":\"x\ty\"}", "invalid JSON at line 1, column 8 (byte 7): invalid control character U+0009 in string"},
		{"bad escape", `{"a":"\x"}`, `invalid JSON at line 1, column 7 (byte 6): invalid escape '\x' in string`},
		{"bad unicode escape", `{"a":"\u12g4"}`, `invalid JSON at line 1, column 11 (byte 10): invalid hex digit 'g' in \u escape`},
		{"leading zero", `{"a":01}`, "invalid JSON at line 1, column 7 (byte 6): expected ',' or '}' after object member, found '1'"},
		{"bare minus", `{"a":-}`, "invalid JSON at line 1, column 7 (byte 6): invalid number: expected a digit, found '}'"},
		{"bad fraction", `{"a":1.}`, "invalid JSON at line 1, column 8 (byte 7): invalid number: expected a digit after '.', found '}'"},
		{"bad exponent", `{"a":1e+}`, "invalid JSON at line 1, column 9 (byte 8): invalid number: expected a digit in exponent, found '}'"},
		{"bad literal", `{"a":tru}`, `invalid JSON at line 1, column 9 (byte 8): invalid literal, expected "true"`},
		{"nested mismatch", `{"a":[{"b":1]}`, "invalid JSON at line 1, column 13 (byte 12): expected ',' or '}' after object member, found ']'"},
		{"nested array mismatch", `{"a":[1}`, "invalid JSON at line 1, column 8 (byte 7): expected ',' or ']' after array element, found '}'"},
		{"nested key not string", `{"a":{1:2}}`, "invalid JSON at line 1, column 7 (byte 6): expected a string key, found '1'"},
		{"trailing data", `{"a":1} x`, "invalid JSON at line 1, column 9 (byte 8): unexpected 'x' after the top-level value"},
		{"two objects", `{}{}`, "invalid JSON at line 1, column 3 (byte 2): unexpected '{' after the top-level value"},
		{"unicode column", "{\"é\":\"ü\",}", "invalid JSON at line 1, column 10 (byte 11): expected a string key, found '}'"},
		{"binary byte", "{\"a\":\x01}", "invalid JSON at line 1, column 6 (byte 5): unexpected byte 0x01, expected a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidObject([]byte(tt.body))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want SyntaxError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err, tt.want)
			}
		})
	}
}

func TestNestingLimit(t *testing.T) {
	ok := `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`
	if err := ValidObject([]byte(ok)); err != nil {
		t.Errorf("depth %d rejected: %v", MaxDepth, err)
	}
	deep := `{"a":` + strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1) + `}`
	err := ValidObject([]byte(deep))
	if err == nil || !strings.Contains(err.Error(), "nesting deeper than") {
		t.Errorf("depth %d: got %v, want nesting error", MaxDepth+1, err)
	}
	if json.Valid([]byte(deep)) {
		t.Error("encoding/json accepts what we reject")
	}
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`, ` { } `, `{"a":[]}`, `{"a":{}}`, `{"a":[{},[],"",0,-0,1.5e10,-2E-3,true,false,null]}`,
		`{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, `{"a":"\xff invalid utf8 is accepted"}`,
		`{"a":1,}`, `{"a":[1,]}`, `{"a":.5}`, `{"a":+1}`, `{"a":1e}`, `{"a":"\u00"}`, `{"a":[}`,
		`{"a":{"b"}}`, `{"a":{"b":}}`, `{"a" : nul}`, "\ufeff{}", `{"a":"` + "\x7f" + `"}`,
	}
	for _, in := range inputs {
		err := ValidObject([]byte(in))
		if (err == nil) != json.Valid([]byte(in)) {
			t.Errorf("%q: ValidObject err=%v, json.Valid=%v", in, err, json.Valid([]byte(in)))
		}
	}
}

func TestValidAnyValue(t *testing.T) {
	for _, in := range []string{`1`, ` "x" `, `[1,{"a":null}]`, `true`, `{"a":1}`} {
		if err := Valid([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for _, in := range []string{``, `1 2`, `[1`, `{"a"}`, `x`} {
		if err := Valid([]byte(in)); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func TestEach(t *testing.T) {
	var got []string
	err := Each([]byte(` [ {"a":[1,2]}, "x" ,3 ] `), func(e []byte) bool {
		got = append(got, string(e))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != `{"a":[1,2]}|"x"|3` {
		t.Errorf("got %q", got)
	}
	n := 0
	if err := Each([]byte(`[1,2,3]`), func([]byte) bool { n++; return false }); err != nil || n != 1 {
		t.Errorf("early stop: n=%d err=%v", n, err)
	}
	if err := Each([]byte(`[]`), func([]byte) bool { t.Error("called for empty array"); return true }); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{`{}`, `[1,]`, `[1 2]`, `[1`, ``} {
		if err := Each([]byte(bad), func([]byte) bool { return true }); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		`""`, `"plain"`, `"é ü 😀"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ude00"`, "\"\xff\xfe\"", "\"a\xe2\x82\"",
	}
	for _, in := range inputs {
		got, err := Unquote([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%q: encoding/json: %v", in, err)
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{``, `"`, `x`, `"a`, `"\"`, `"\x"`, `"\u12"`, "\"a\nb\"", `"a"b"`} {
		if _, err := Unquote([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"new\nline\ttab\rcr", `"new\nline\ttab\rcr"`},
		{"\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"<html> & é", `"<html> & é"`},
		{"line\u2028sep\u2029", `"line\u2028sep\u2029"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
	}
	for _, tt := range tests {
		got := string(AppendString(nil, tt.in))
		if got != tt.want {
			t.Errorf("%q: got %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: output not valid JSON: %v", tt.in, err)
		}
	}
}

func TestPosition(t *testing.T) {
	b := []byte("ab\ncé\nx")
	tests := []struct{ off, line, col int }{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {6, 2, 3}, {7, 3, 1}, {99, 3, 2}, {-1, 1, 1}}
	for _, tt := range tests {
		if l, c := Position(b, tt.off); l != tt.line || c != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}
