package openai

import (
	"bytes"
	"fmt"
	"io"

	"github.com/warden-gw/warden/internal/api/lineio"
)

// DefaultMaxLine bounds one SSE line, and the data of one event.
const DefaultMaxLine = 1 << 20

// ErrTooLong is wrapped by the error an SSEReader returns for a line or an
// event larger than its limit.
var ErrTooLong = lineio.ErrTooLong

// SSEReader reads a text/event-stream event by event, as the WHATWG
// EventSource algorithm does: lines end in "\n", "\r\n" or "\r"; "data"
// fields are joined with "\n"; comments (":") and other fields are skipped;
// an event without a blank line before the end of the stream is dropped.
type SSEReader struct {
	lines *lineio.Reader
	max   int
	data  []byte
	first bool
	err   error // sticky: an oversized event leaves the stream unusable
}

// NewSSEReader returns a reader with the default 1 MiB line limit.
func NewSSEReader(r io.Reader) *SSEReader { return NewSSEReaderSize(r, DefaultMaxLine) }

// NewSSEReaderSize returns a reader whose lines and event data may not exceed max bytes.
func NewSSEReaderSize(r io.Reader, max int) *SSEReader {
	if max <= 0 {
		max = DefaultMaxLine
	}
	return &SSEReader{lines: lineio.NewReader(r, max, true), max: max, first: true}
}

// Reset makes s read a new stream from r, reusing its buffers.
func (s *SSEReader) Reset(r io.Reader) {
	s.lines.Reset(r)
	s.data, s.first, s.err = s.data[:0], true, nil
}

// Next returns the data of the next event that has any. The "[DONE]"
// sentinel is returned like any other data. The slice is valid until the
// next call. At the end of the stream it returns io.EOF.
func (s *SSEReader) Next() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	s.data = s.data[:0]
	has := false
	for {
		line, err := s.lines.ReadLine()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			if err == lineio.ErrTooLong {
				return nil, fmt.Errorf("sse: line longer than %d bytes: %w", s.max, ErrTooLong)
			}
			return nil, err
		}
		if s.first {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			s.first = false
		}
		if len(line) == 0 {
			if has {
				return s.data, nil
			}
			continue
		}
		if line[0] == ':' {
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if string(name) != "data" {
			continue
		}
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		if has {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, value...)
		has = true
		if len(s.data) > s.max {
			s.err = fmt.Errorf("sse: event data longer than %d bytes: %w", s.max, ErrTooLong)
			return nil, s.err
		}
	}
}
