// Package jsonscan validates JSON objects and reads or rewrites their top-level fields without decoding them.
package jsonscan

// MaxDepth is the deepest nesting of arrays and objects accepted, the same
// limit encoding/json applies.
const MaxDepth = 10000

// scanner validates JSON text held in b. The container stack is a bit set
// (1 = object) so that nesting needs no allocation.
type scanner struct {
	b     []byte
	stack [MaxDepth/64 + 1]uint64
}

// member locates one top-level "key": value pair in the scanned body.
type member struct {
	keyStart, keyEnd int // the key literal, quotes included
	escaped          bool
	valStart, valEnd int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// object scans a whole body that must be one JSON object (surrounding
// whitespace allowed), calling fn for each top-level member in order. It
// returns the offset of the opening brace.
func (s *scanner) object(fn func(m member) error) (int, error) {
	b := s.b
	i := skipSpace(b, 0)
	if i >= len(b) {
		return 0, s.eof()
	}
	if b[i] != '{' {
		return 0, s.errorf(i, "expected '{' to start an object, found %s", describe(b[i]))
	}
	open := i
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return open, s.trailing(i + 1)
	}
	for {
		var m member
		var err error
		if i >= len(b) {
			return open, s.eof()
		}
		if b[i] != '"' {
			return open, s.errorf(i, "expected a string key, found %s", describe(b[i]))
		}
		m.keyStart = i
		if i, m.escaped, err = s.str(i); err != nil {
			return open, err
		}
		m.keyEnd = i
		if i, err = s.colon(i); err != nil {
			return open, err
		}
		m.valStart = i
		if i, err = s.value(i); err != nil {
			return open, err
		}
		m.valEnd = i
		if err := fn(m); err != nil {
			return open, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return open, s.eof()
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return open, s.trailing(i + 1)
		default:
			return open, s.errorf(i, "expected ',' or '}' after object member, found %s", describe(b[i]))
		}
	}
}

// trailing accepts only whitespace after the top-level value ending at i.
func (s *scanner) trailing(i int) error {
	i = skipSpace(s.b, i)
	if i < len(s.b) {
		return s.errorf(i, "unexpected %s after the top-level value", describe(s.b[i]))
	}
	return nil
}

// colon expects optional whitespace, ':' and optional whitespace after a key
// ending at i; it returns the offset of the value.
func (s *scanner) colon(i int) (int, error) {
	b := s.b
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, s.eof()
	}
	if b[i] != ':' {
		return i, s.errorf(i, "expected ':' after object key, found %s", describe(b[i]))
	}
	i = skipSpace(b, i+1)
	if i >= len(b) {
		return i, s.eof()
	}
	return i, nil
}

// value scans the value starting at b[i] (whitespace already skipped) and
// returns the offset just past it.
func (s *scanner) value(i int) (int, error) {
	if i >= len(s.b) {
		return i, s.eof()
	}
	if c := s.b[i]; c == '{' || c == '[' {
		return s.container(i)
	}
	return s.scalar(i)
}

func (s *scanner) scalar(i int) (int, error) {
	b := s.b
	switch c := b[i]; {
	case c == '"':
		end, _, err := s.str(i)
		return end, err
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number(i)
	default:
		return i, s.errorf(i, "unexpected %s, expected a value", describe(c))
	}
}

func (s *scanner) push(depth int, obj bool) {
	w, bit := depth/64, uint64(1)<<(depth%64)
	if obj {
		s.stack[w] |= bit
	} else {
		s.stack[w] &^= bit
	}
}

func (s *scanner) isObject(depth int) bool {
	return s.stack[depth/64]&(uint64(1)<<(depth%64)) != 0
}

// container scans a nested array or object iteratively.
func (s *scanner) container(i int) (int, error) {
	b := s.b
	depth := 0
	var err error
next:
	for {
		// A value starts at b[i].
		if c := b[i]; c == '{' || c == '[' {
			if depth >= MaxDepth {
				return i, s.errorf(i, "nesting deeper than %d levels", MaxDepth)
			}
			obj := c == '{'
			s.push(depth, obj)
			depth++
			i = skipSpace(b, i+1)
			if i >= len(b) {
				return i, s.eof()
			}
			switch {
			case obj && b[i] == '}', !obj && b[i] == ']':
				i++
				depth--
			case obj:
				if b[i] != '"' {
					return i, s.errorf(i, "expected a string key, found %s", describe(b[i]))
				}
				if i, _, err = s.str(i); err != nil {
					return i, err
				}
				if i, err = s.colon(i); err != nil {
					return i, err
				}
				continue next
			default:
				continue next
			}
		} else if i, err = s.scalar(i); err != nil {
			return i, err
		}
		// A value ended at i: close containers or move to the next element.
		for {
			if depth == 0 {
				return i, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, s.eof()
			}
			obj := s.isObject(depth - 1)
			c := b[i]
			switch {
			case c == ',':
				i = skipSpace(b, i+1)
				if i >= len(b) {
					return i, s.eof()
				}
				if obj {
					if b[i] != '"' {
						return i, s.errorf(i, "expected a string key, found %s", describe(b[i]))
					}
					if i, _, err = s.str(i); err != nil {
						return i, err
					}
					if i, err = s.colon(i); err != nil {
						return i, err
					}
				}
				continue next
			case obj && c == '}', !obj && c == ']':
				i++
				depth--
			case obj:
				return i, s.errorf(i, "expected ',' or '}' after object member, found %s", describe(c))
			default:
				return i, s.errorf(i, "expected ',' or ']' after array element, found %s", describe(c))
			}
		}
	}
}

// str scans the string literal starting at the quote b[i]; it reports
// whether the literal contains escapes.
func (s *scanner) str(i int) (end int, escaped bool, err error) {
	b := s.b
	for j := i + 1; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			j++
			if j >= len(b) {
				return j, escaped, s.eof()
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 1; k <= 4; k++ {
					if j+k >= len(b) {
						return j + k, escaped, s.eof()
					}
					if !isHex(b[j+k]) {
						return j + k, escaped, s.errorf(j+k, "invalid hex digit %s in \\u escape", describe(b[j+k]))
					}
				}
				j += 4
			default:
				return j, escaped, s.errorf(j-1, "invalid escape '\\%c' in string", b[j])
			}
		case c < 0x20:
			return j, escaped, s.errorf(j, "invalid control character U+%04X in string", c)
		}
	}
	return len(b), escaped, s.eof()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (s *scanner) literal(i int, lit string) (int, error) {
	b := s.b
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, s.eof()
		}
		if b[i+k] != lit[k] {
			return i + k, s.errorf(i+k, "invalid literal, expected %q", lit)
		}
	}
	return i + len(lit), nil
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number(i int) (int, error) {
	b := s.b
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return i, s.eof()
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = digits(b, i)
	default:
		return i, s.errorf(i, "invalid number: expected a digit, found %s", describe(c))
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) {
			return i, s.eof()
		}
		if !isDigit(b[i]) {
			return i, s.errorf(i, "invalid number: expected a digit after '.', found %s", describe(b[i]))
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) {
			return i, s.eof()
		}
		if !isDigit(b[i]) {
			return i, s.errorf(i, "invalid number: expected a digit in exponent, found %s", describe(b[i]))
		}
		i = digits(b, i)
	}
	return i, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}
