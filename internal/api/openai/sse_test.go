package openai

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readEvents(r *SSEReader) ([]string, error) {
	var out []string
	for {
		data, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"openai stream", "data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n", []string{`{"a":1}`, `{"a":2}`, "[DONE]"}},
		{"crlf", "data: x\r\n\r\ndata: y\r\n\r\n", []string{"x", "y"}},
		{"cr only", "data: x\r\rdata: y\r\r", []string{"x", "y"}},
		{"multi-line data", "data: first\ndata: second\ndata:third\n\n", []string{"first\nsecond\nthird"}},
		{"comments and other fields", ": keep-alive\nevent: message\nid: 7\nretry: 100\ndata: x\n\n:ping\n\n", []string{"x"}},
		{"only one leading space stripped", "data:  two spaces\n\n", []string{" two spaces"}},
		{"field without colon", "data\n\n", []string{""}},
		{"empty data dispatches", "data:\n\n", []string{""}},
		{"blank lines without data", "\n\n\nevent: x\n\ndata: y\n\n", []string{"y"}},
		{"value with colons", "data: {\"url\":\"http://x\"}\n\n", []string{`{"url":"http://x"}`}},
		{"bom", "\xef\xbb\xbfdata: x\n\n", []string{"x"}},
		{"unterminated event dropped", "data: x\n\ndata: cut", []string{"x"}},
		{"event without blank line at eof dropped", "data: x\n\ndata: y\n", []string{"x"}},
		{"other field names ignored", "datax: no\ndat: no\n\n", nil},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			got, err := readEvents(NewSSEReader(src))
			if err != io.EOF {
				t.Errorf("%s: err = %v, want io.EOF", tt.name, err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("%s (oneByte=%v): got %q, want %q", tt.name, oneByte, got, tt.want)
			}
		}
	}
}

func TestSSEReaderLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   int
	}{
		{"long line", "data: ok\n\ndata: " + strings.Repeat("x", 64) + "\n\n", 1},
		{"long comment", ": " + strings.Repeat("x", 64) + "\n\ndata: ok\n\n", 0},
		{"long event from many lines", strings.Repeat("data: 0123456789\n", 10) + "\n", 0},
	}
	for _, tt := range tests {
		r := NewSSEReaderSize(iotest.OneByteReader(strings.NewReader(tt.in)), 32)
		got, err := readEvents(r)
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: err = %v, want ErrTooLong", tt.name, err)
		}
		if len(got) != tt.ok {
			t.Errorf("%s: %d events before the error, want %d", tt.name, len(got), tt.ok)
		}
		if _, err := r.Next(); !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: error not sticky: %v", tt.name, err)
		}
	}
}

func TestSSEReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewSSEReader(io.MultiReader(strings.NewReader("data: x\n\ndata: y"), iotest.ErrReader(boom)))
	got, err := readEvents(r)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestSSEReaderDoesNotAllocatePerEvent(t *testing.T) {
	stream := strings.Repeat("data: {\"choices\":[{\"delta\":{\"content\":\"hello\"}}]}\n\n", 100)
	rd := strings.NewReader(stream)
	r := NewSSEReader(rd)
	allocs := testing.AllocsPerRun(10, func() {
		rd.Reset(stream)
		r.Reset(rd)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per 100 events", allocs)
	}
	if n := countEvents(r, rd, stream); n != 100 {
		t.Errorf("read %d events, want 100", n)
	}
}

func countEvents(r *SSEReader, rd *strings.Reader, stream string) int {
	rd.Reset(stream)
	r.Reset(rd)
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			return n
		}
		n++
	}
}
