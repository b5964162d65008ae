package ollama

import (
	"bytes"
	"fmt"
	"io"

	"github.com/warden-gw/warden/internal/api/lineio"
)

// DefaultMaxLine bounds one NDJSON line.
const DefaultMaxLine = 1 << 20

// ErrTooLong is wrapped by the error an NDJSONReader returns for a line
// longer than its limit.
var ErrTooLong = lineio.ErrTooLong

// NDJSONReader reads newline-delimited JSON (Ollama's streaming format) one
// line at a time. It does not parse the lines.
type NDJSONReader struct {
	lines *lineio.Reader
	max   int
}

// NewNDJSONReader returns a reader with the default 1 MiB line limit.
func NewNDJSONReader(r io.Reader) *NDJSONReader { return NewNDJSONReaderSize(r, DefaultMaxLine) }

// NewNDJSONReaderSize returns a reader whose lines may not exceed max bytes.
func NewNDJSONReaderSize(r io.Reader, max int) *NDJSONReader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &NDJSONReader{lines: lineio.NewReader(r, max, false), max: max}
}

// Release gives the reader's buffer back for reuse; n must not be used after it.
func (n *NDJSONReader) Release() { n.lines.Release() }

// Reset makes n read a new stream from r, reusing its buffer.
func (n *NDJSONReader) Reset(r io.Reader) { n.lines.Reset(r) }

// Next returns the next non-blank line with surrounding whitespace trimmed
// ("\r\n" endings are accepted). The slice is valid until the next call. At
// the end of the stream it returns io.EOF; a final line without "\n" is
// still returned first.
func (n *NDJSONReader) Next() ([]byte, error) {
	for {
		line, err := n.lines.ReadLine()
		if err != nil {
			if err == lineio.ErrTooLong {
				return nil, fmt.Errorf("ndjson: line longer than %d bytes: %w", n.max, ErrTooLong)
			}
			return nil, err
		}
		if line = bytes.Trim(line, " \t\r\n"); len(line) > 0 {
			return line, nil
		}
	}
}
