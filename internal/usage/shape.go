package usage

import "bytes"

// The observers read a stream's events with a full JSON parse until they
// have seen one whose effect is only to count some strings. From then on an
// event that has the same bytes as that one except for the content of
// those strings (and of strings known to be ignored) is read by matching
// bytes, not parsing: JSON is read left to right, so an event that matches
// the literal bytes around each string, with a well-formed JSON string in
// each slot, parses exactly as the learned event did. Anything else takes
// the full parse, which may learn a new shape.

const (
	// maxShape bounds the event a shape is learned from.
	maxShape = 4 << 10
	// maxSlots bounds the strings cut out of a shape.
	maxSlots = 4
	// maxAlias bounds the tries at locating a string in its event.
	maxAlias = 8
)

// shape is the byte layout of one learned event: its bytes with up to
// maxSlots JSON string values cut out.
type shape struct {
	lit     []byte         // the event without the slots' contents
	ends    [maxSlots]int  // ends[i]: end in lit of the literal before slot i (its opening quote included)
	order   [maxSlots]int8 // call order of slot i's count; -1: the slot is ignored
	n       int            // slots
	counted int            // slots that are counted
	ok      bool
}

// slot is one string value of an event being learned: raw aliases the
// event; order is its count's call order, or -1 when it is not counted.
type slot struct {
	raw   []byte
	off   int
	order int8
}

// recorder notes the strings a full parse counts, in order.
type recorder struct {
	on   bool
	bad  bool // a count the shape cannot replay, or too many
	n    int
	raws [maxSlots][]byte
}

// start begins recording for an event of n bytes, if a shape may be
// learned from it.
func (r *recorder) start(enabled bool, n int) {
	*r = recorder{on: enabled && n <= maxShape}
}

// note records that raw (a JSON string literal or any other value) was
// counted. Empty and non-string values count nothing and stay literal.
func (r *recorder) note(raw []byte) {
	if !r.on || len(raw) <= 2 || raw[0] != '"' {
		return
	}
	if r.n == maxSlots {
		r.bad = true
		return
	}
	r.raws[r.n] = raw
	r.n++
}

// learn makes s the shape of data, whose counted strings r recorded and
// whose ignored strings (values the parse does not read) are ignored. It
// reports false, leaving s unchanged, when that is not possible.
func (s *shape) learn(data []byte, r *recorder, ignored ...[]byte) bool {
	if !r.on || r.bad || r.n+len(ignored) > maxSlots {
		return false
	}
	var slots [maxSlots]slot
	n := 0
	for i, raw := range r.raws[:r.n] {
		slots[n] = slot{raw: raw, order: int8(i)}
		n++
	}
	for _, raw := range ignored {
		if raw != nil {
			slots[n] = slot{raw: raw, order: -1}
			n++
		}
	}
	for i := range slots[:n] {
		sl := &slots[i]
		if len(sl.raw) < 2 || sl.raw[0] != '"' || sl.raw[len(sl.raw)-1] != '"' {
			return false
		}
		if sl.off = aliasOffset(data, sl.raw); sl.off < 0 {
			return false
		}
	}
	// Sort by offset (insertion sort: n <= maxSlots) and refuse overlaps.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && slots[j].off < slots[j-1].off; j-- {
			slots[j], slots[j-1] = slots[j-1], slots[j]
		}
	}
	for i := 1; i < n; i++ {
		if slots[i-1].off+len(slots[i-1].raw) > slots[i].off {
			return false
		}
	}
	s.lit = s.lit[:0]
	s.counted = r.n
	prev := 0
	for i, sl := range slots[:n] {
		s.lit = append(s.lit, data[prev:sl.off+1]...)
		s.ends[i] = len(s.lit)
		s.order[i] = sl.order
		prev = sl.off + len(sl.raw) - 1
	}
	s.lit = append(s.lit, data[prev:]...)
	s.n, s.ok = n, true
	return true
}

// match reports whether data is s with a well-formed JSON string in each
// slot. It stores the slots' counted strings (quotes included) in call
// order in counted.
func (s *shape) match(data []byte, counted *[maxSlots][]byte) bool {
	if !s.ok {
		return false
	}
	pos, start := 0, 0
	for i := range s.n {
		lit := s.lit[start:s.ends[i]]
		if !bytes.HasPrefix(data[pos:], lit) {
			return false
		}
		open := pos + len(lit)
		end := stringEnd(data, open)
		if end < 0 {
			return false
		}
		if o := s.order[i]; o >= 0 {
			counted[o] = data[open-1 : end+1]
		}
		pos, start = end, s.ends[i]
	}
	return bytes.Equal(data[pos:], s.lit[start:])
}

// stringEnd returns the offset of the quote that closes the JSON string
// whose content starts at b[i], or -1 when the string is not well formed.
// It accepts exactly what jsonscan accepts: no control characters, the
// JSON escapes only; any other bytes, valid UTF-8 or not.
func stringEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i
		case c == '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(b) {
					return -1
				}
				for _, h := range b[i+2 : i+6] {
					if !isHexDigit(h) {
						return -1
					}
				}
				i += 5
			default:
				return -1
			}
		case c < 0x20:
			return -1
		}
	}
	return -1
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// aliasOffset returns the offset in data of sub, which must share data's
// memory (a value jsonscan returned), or -1 when it cannot be found in a
// few tries. Equal bytes elsewhere do not count: only the same memory.
func aliasOffset(data, sub []byte) int {
	if len(sub) == 0 {
		return -1
	}
	from := 0
	for range maxAlias {
		k := bytes.Index(data[from:], sub)
		if k < 0 {
			return -1
		}
		if off := from + k; &data[off] == &sub[0] {
			return off
		}
		from += k + 1
	}
	return -1
}
