package lineio

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, r *Reader) ([]string, error) {
	t.Helper()
	var lines []string
	for {
		line, err := r.ReadLine()
		if err != nil {
			return lines, err
		}
		lines = append(lines, string(line))
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		cr    bool
		lines []string
	}{
		{"lf", "a\nbb\n\nccc\n", false, []string{"a", "bb", "", "ccc"}},
		{"crlf", "a\r\nbb\r\n\r\n", false, []string{"a", "bb", ""}},
		{"unterminated last line", "a\nb", false, []string{"a", "b"}},
		{"unterminated last line with cr", "a\nb\r", false, []string{"a", "b"}},
		{"lone cr is data without cr mode", "a\rb\n", false, []string{"a\rb"}},
		{"cr mode lone cr", "a\rb\r\rc\n", true, []string{"a", "b", "", "c"}},
		{"cr mode crlf", "a\r\nb\r\n\r\n", true, []string{"a", "b", ""}},
		{"cr mode mixed", "a\n\rb\r\n\n", true, []string{"a", "", "b", ""}},
		{"empty", "", false, nil},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			lines, err := readAll(t, NewReader(src, 16, tt.cr))
			if err != io.EOF {
				t.Errorf("%s (oneByte=%v): err = %v, want io.EOF", tt.name, oneByte, err)
			}
			if strings.Join(lines, "|") != strings.Join(tt.lines, "|") || len(lines) != len(tt.lines) {
				t.Errorf("%s (oneByte=%v): got %q, want %q", tt.name, oneByte, lines, tt.lines)
			}
		}
	}
}

func TestLineLimit(t *testing.T) {
	exact := strings.Repeat("x", 8)
	tests := []struct {
		name    string
		in      string
		cr      bool
		lines   int
		tooLong bool
	}{
		{"exact fits lf", exact + "\n" + exact + "\r\n", false, 2, false},
		{"exact fits cr mode", exact + "\r\n" + exact + "\r", true, 2, false},
		{"exact fits at eof", exact, false, 1, false},
		{"one over", exact + "x\nok\n", false, 0, true},
		{"one over at eof", exact + "x", false, 0, true},
		{"one over cr mode", exact + "x\r", true, 0, true},
		{"long after short", "ok\n" + strings.Repeat("y", 100), false, 1, true},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			r := NewReader(src, 8, tt.cr)
			lines, err := readAll(t, r)
			if len(lines) != tt.lines {
				t.Errorf("%s: got %d lines %q, want %d", tt.name, len(lines), lines, tt.lines)
			}
			if tt.tooLong != errors.Is(err, ErrTooLong) {
				t.Errorf("%s: err = %v, tooLong want %v", tt.name, err, tt.tooLong)
			}
			if tt.tooLong {
				if _, err := r.ReadLine(); !errors.Is(err, ErrTooLong) {
					t.Errorf("%s: error not sticky: %v", tt.name, err)
				}
			}
		}
	}
}

func TestReadErrorIsReturnedAfterData(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), 16, false)
	lines, err := readAll(t, r)
	if !errors.Is(err, boom) || strings.Join(lines, "|") != "a|b" {
		t.Errorf("got %q, %v", lines, err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestNoProgress(t *testing.T) {
	if _, err := NewReader(zeroReader{}, 16, false).ReadLine(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("err = %v, want io.ErrNoProgress", err)
	}
}

func TestBufferGrowsForLongLines(t *testing.T) {
	long := strings.Repeat("z", 50000)
	lines, err := readAll(t, NewReader(strings.NewReader("a\n"+long+"\nb\n"), 1<<20, false))
	if err != io.EOF || len(lines) != 3 || lines[1] != long {
		t.Errorf("got %d lines, err %v", len(lines), err)
	}
}

func TestReset(t *testing.T) {
	r := NewReader(strings.NewReader("a\nb"), 16, false)
	if _, err := readAll(t, r); err != io.EOF {
		t.Fatal(err)
	}
	r.Reset(strings.NewReader("c\n"))
	lines, err := readAll(t, r)
	if err != io.EOF || len(lines) != 1 || lines[0] != "c" {
		t.Errorf("after Reset: %q %v", lines, err)
	}
}

func TestReleasedBufferServesTheNextReader(t *testing.T) {
	a := NewReader(strings.NewReader("one\ntwo\n"), 100, true)
	if line, err := a.ReadLine(); err != nil || string(line) != "one" {
		t.Fatalf("first line %q, %v", line, err)
	}
	a.Release()
	// The next Reader may get a's buffer, with a's bytes still in it: it must read only its own.
	b := NewReader(strings.NewReader("x\r\ny\rz"), 100, true)
	lines, err := readAll(t, b)
	if err != io.EOF || strings.Join(lines, "|") != "x|y|z" {
		t.Fatalf("lines %q, err %v", lines, err)
	}
	b.Release()
	b.Release() // a second Release is harmless
}
