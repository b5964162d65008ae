package jsonscan

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzExtract checks Extract against encoding/json: same validity verdict,
// and when Extract succeeds, the same "model" value.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(`{"model":"llama3","stream":true}`))
	f.Add([]byte(`{"MODEL":"a","x":[1,{"b":null}]}`))
	f.Add([]byte(`{"mod\u0065l":"\ud83d\ude00"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		vals := make([][]byte, 1)
		err := Extract(body, []string{"model"}, vals)
		valid := json.Valid(body)
		if err == nil && !valid {
			t.Fatalf("Extract accepted invalid JSON %q", body)
		}
		var obj struct {
			Model json.RawMessage `json:"model"`
		}
		jerr := json.Unmarshal(body, &obj)
		if err == nil {
			if jerr != nil {
				t.Fatalf("encoding/json rejects %q: %v", body, jerr)
			}
			// With duplicates rejected, "first" and "last" readers agree.
			if string(vals[0]) != string(obj.Model) {
				t.Fatalf("model: Extract %q, encoding/json %q", vals[0], obj.Model)
			}
			return
		}
		switch err.(type) {
		case *SyntaxError:
			if valid && jerr == nil {
				t.Fatalf("Extract rejects valid object %q: %v", body, err)
			}
		case *DuplicateKeyError:
		default:
			t.Fatalf("unexpected error type %T", err)
		}
	})
}

// FuzzSetTopLevelString checks that the result is valid JSON whenever the
// input was, that it reads back the value set, and that nothing else changed.
func FuzzSetTopLevelString(f *testing.F) {
	f.Add([]byte(`{"model":"a","stream":true}`), "model", "b")
	f.Add([]byte(`{}`), "model", "x\"y")
	f.Add([]byte(`{"Model":1,"model":2}`), "model", "")
	f.Fuzz(func(t *testing.T, body []byte, key, value string) {
		out, err := SetTopLevelString(body, key, value)
		if ValidObject(body) != nil {
			if err == nil {
				t.Fatalf("accepted invalid body %q", body)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid body %q rejected: %v", body, err)
		}
		if !json.Valid(out) {
			t.Fatalf("output not valid JSON: %q", out)
		}
		vals := make([][]byte, 1)
		if err := Extract(out, []string{key}, vals); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		got, err := Unquote(vals[0])
		if err != nil {
			t.Fatalf("value %q: %v", vals[0], err)
		}
		if utf8.ValidString(value) && got != value {
			t.Fatalf("round trip: got %q, want %q", got, value)
		}
		// Applying it again changes nothing.
		again, err := SetTopLevelString(out, key, value)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}
