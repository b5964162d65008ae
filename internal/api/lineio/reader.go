// Package lineio reads size-bounded lines from a stream without allocating per line.
package lineio

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// bufPool holds the initial buffers of Readers that were released.
var bufPool = sync.Pool{New: func() any { b := make([]byte, initialSize); return &b }}

// ErrTooLong is returned (wrapped) when a line exceeds the reader's maximum size.
var ErrTooLong = errors.New("line too long")

const (
	initialSize = 16 << 10 // as much as one read of an upstream connection brings
	maxPooled   = 64 << 10 // larger buffers, grown for long lines, are not kept
	maxEmpty    = 100      // consecutive (0, nil) reads tolerated, as in bufio
)

// Reader splits a stream into lines. A line ends at "\n" (a "\r" before it is
// dropped) or, in CR mode, also at a lone "\r" as text/event-stream requires.
// A final line without a terminator is returned before io.EOF.
// The returned slice is valid only until the next call to ReadLine.
type Reader struct {
	r       io.Reader
	buf     []byte
	start   int // first unread byte
	end     int // end of buffered data
	scanned int // bytes after start already searched for a terminator
	max     int
	cr      bool
	skipLF  bool  // the previous line ended in "\r": drop a "\n" right after it
	err     error // sticky error from r or from a line that was too long
}

// NewReader returns a Reader that rejects lines longer than max bytes
// (terminator excluded). With cr set, a lone "\r" also ends a line.
func NewReader(r io.Reader, max int, cr bool) *Reader {
	if max <= 0 {
		max = 1 << 20
	}
	return &Reader{r: r, max: max, cr: cr}
}

// Reset makes l read from r, keeping its buffer and limit.
func (l *Reader) Reset(r io.Reader) {
	*l = Reader{r: r, buf: l.buf, max: l.max, cr: l.cr}
}

// ReadLine returns the next line without its terminator. At the end of the
// stream it returns io.EOF; a line longer than the limit yields an error
// wrapping ErrTooLong, after which the Reader stays failed.
func (l *Reader) ReadLine() ([]byte, error) {
	if errors.Is(l.err, ErrTooLong) {
		return nil, l.err
	}
	limit := l.max
	if !l.cr {
		limit++ // room for the "\r" of a "\r\n" not yet seen
	}
	empty := 0
	for {
		if l.skipLF && l.start < l.end {
			if l.buf[l.start] == '\n' {
				l.start++
			}
			l.skipLF = false
		}
		data := l.buf[l.start:l.end]
		if i := l.index(data[l.scanned:]); i >= 0 {
			i += l.scanned
			line := data[:i]
			if data[i] == '\r' {
				l.skipLF = true
			} else if !l.cr && i > 0 && line[i-1] == '\r' {
				line = line[:i-1]
			}
			l.start += i + 1
			l.scanned = 0
			if len(line) > l.max {
				return nil, l.tooLong()
			}
			return line, nil
		}
		l.scanned = len(data)
		if len(data) > limit {
			return nil, l.tooLong()
		}
		if l.err != nil {
			if len(data) > 0 {
				l.start, l.scanned = l.end, 0
				if !l.cr && data[len(data)-1] == '\r' {
					data = data[:len(data)-1]
				}
				if len(data) > l.max {
					return nil, l.tooLong()
				}
				return data, nil
			}
			return nil, l.err
		}
		if n := l.fill(); n > 0 {
			empty = 0
		} else if empty++; empty >= maxEmpty && l.err == nil {
			l.err = io.ErrNoProgress
		}
	}
}

func (l *Reader) index(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	if !l.cr {
		return i
	}
	// Two vectorised byte searches beat bytes.IndexAny's byte-by-byte scan of a set.
	head := b
	if i >= 0 {
		head = b[:i]
	}
	if j := bytes.IndexByte(head, '\r'); j >= 0 {
		return j
	}
	return i
}

func (l *Reader) tooLong() error {
	l.err = ErrTooLong
	return l.err
}

// Release gives the Reader's buffer back for reuse by later Readers. The Reader and every line it
// returned must not be used after it.
func (l *Reader) Release() {
	if l.buf == nil || cap(l.buf) > maxPooled {
		l.buf = nil
		return
	}
	b := l.buf[:cap(l.buf)]
	l.buf = nil
	l.start, l.end, l.scanned = 0, 0, 0
	bufPool.Put(&b)
}

// fill reads once from the underlying reader, compacting or growing the buffer first.
func (l *Reader) fill() int {
	if l.start > 0 {
		n := copy(l.buf, l.buf[l.start:l.end])
		l.start, l.end = 0, n
	}
	if l.buf == nil {
		l.buf = *bufPool.Get().(*[]byte)
	}
	if l.end == len(l.buf) {
		size := max(initialSize, 2*len(l.buf))
		size = min(size, l.max+2) // one line plus its "\r\n"
		if size <= len(l.buf) {
			size = len(l.buf) + 1 // cannot happen while a line fits; guards progress
		}
		nb := make([]byte, size)
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	n, err := l.r.Read(l.buf[l.end:])
	l.end += n
	if err != nil {
		l.err = err
	}
	return n
}
