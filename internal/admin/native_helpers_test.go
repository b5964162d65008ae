package admin_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit"
)

// call sends a native API request and fails the test unless the status is want; it returns the
// decoded JSON object answer (nil for no body) and the raw body.
func call(t *testing.T, w *testkit.Warden, method, path, key string, body any, want int) (obj, string) {
	t.Helper()
	status, o, raw := do(t, w, method, path, key, body)
	if status != want {
		t.Fatalf("%s %s: got %d %s; want %d", method, path, status, raw, want)
	}
	return o, raw
}

// nativeErr is the native error body.
type nativeErr struct {
	Error struct {
		Message, Type, Code string
		Param               *string
	}
}

// errorOf decodes a native error answer and fails the test when it is not one.
func errorOf(t *testing.T, raw string) nativeErr {
	t.Helper()
	var e nativeErr
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
		t.Fatalf("not a native error: %s", raw)
	}
	return e
}

// items returns a page's items as objects.
func items(t *testing.T, o obj) []obj {
	t.Helper()
	list, ok := o["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", o)
	}
	out := make([]obj, 0, len(list))
	for _, v := range list {
		out = append(out, obj(v.(map[string]any)))
	}
	return out
}

// ids returns the id field of each item of a page.
func ids(t *testing.T, o obj, field string) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, o) {
		out = append(out, it.str(field))
	}
	return out
}

// sub returns a nested object.
func (o obj) sub(k string) obj { m, _ := o[k].(map[string]any); return m }

func timeOf(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

func itoa(n int) string { return strconv.Itoa(n) }
