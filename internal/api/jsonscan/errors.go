package jsonscan

import (
	"fmt"
	"unicode/utf8"
)

// SyntaxError reports malformed JSON and where it was found.
type SyntaxError struct {
	Msg    string
	Offset int // zero-based byte offset of the offending byte (len(input) at end of input)
	Line   int // 1-based
	Column int // 1-based, counted in characters (runes) from the start of the line
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// DuplicateKeyError reports a top-level key given twice. Keys are compared
// the way encoding/json matches struct fields (after unescaping, Unicode
// case-insensitively), so {"model":"a","Model":"b"} is a duplicate: servers
// written in Go would read the last one while Warden checked the first.
type DuplicateKeyError struct {
	Key    string // the key as asked for
	Offset int    // zero-based byte offset of the second occurrence
	Line   int
	Column int
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q at line %d, column %d (byte %d)", e.Key, e.Line, e.Column, e.Offset)
}

// Position returns the 1-based line and character column of byte offset off in b.
func Position(b []byte, off int) (line, column int) {
	off = min(max(off, 0), len(b))
	line, lineStart := 1, 0
	for i := 0; i < off; i++ {
		if b[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return line, utf8.RuneCount(b[lineStart:off]) + 1
}

func (s *scanner) errorf(off int, format string, args ...any) error {
	line, col := Position(s.b, off)
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Offset: off, Line: line, Column: col}
}

func (s *scanner) eof() error {
	return s.errorf(len(s.b), "unexpected end of input")
}

func (s *scanner) duplicate(key string, off int) error {
	line, col := Position(s.b, off)
	return &DuplicateKeyError{Key: key, Offset: off, Line: line, Column: col}
}

// describe renders an unexpected byte for an error message.
func describe(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("'%c'", c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
