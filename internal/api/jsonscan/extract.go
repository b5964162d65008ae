package jsonscan

// Extract checks that body is exactly one well-formed JSON object and stores
// in vals[i] the raw value of the top-level member named keys[i], or nil when
// absent. The values alias body. Keys match as encoding/json matches struct
// fields; a key present twice is a *DuplicateKeyError. Malformed input is a
// *SyntaxError that names the line, column and byte. len(vals) must be at
// least len(keys).
func Extract(body []byte, keys []string, vals [][]byte) error {
	vals = vals[:len(keys)]
	clear(vals)
	s := scanner{b: body}
	_, err := s.object(func(m member) error {
		for i, k := range keys {
			if !keyMatches(body[m.keyStart:m.keyEnd], m.escaped, k) {
				continue
			}
			if vals[i] != nil {
				return s.duplicate(k, m.keyStart)
			}
			vals[i] = body[m.valStart:m.valEnd:m.valEnd]
			break
		}
		return nil
	})
	return err
}

// Valid checks that raw is exactly one well-formed JSON value of any kind,
// surrounding whitespace allowed.
func Valid(raw []byte) error {
	s := scanner{b: raw}
	i := skipSpace(raw, 0)
	end, err := s.value(i)
	if err != nil {
		return err
	}
	return s.trailing(end)
}

// ValidObject checks that body is exactly one well-formed JSON object.
func ValidObject(body []byte) error {
	return Extract(body, nil, nil)
}

// Each calls fn with the raw value of every element of the JSON array raw,
// in order, until fn returns false. raw may carry surrounding whitespace.
func Each(raw []byte, fn func(elem []byte) bool) error {
	s := scanner{b: raw}
	i := skipSpace(raw, 0)
	if i >= len(raw) {
		return s.eof()
	}
	if raw[i] != '[' {
		return s.errorf(i, "expected '[' to start an array, found %s", describe(raw[i]))
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return s.trailing(i + 1)
	}
	for {
		start := i
		end, err := s.value(i)
		if err != nil {
			return err
		}
		if !fn(raw[start:end:end]) {
			return nil
		}
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return s.eof()
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			return s.trailing(i + 1)
		default:
			return s.errorf(i, "expected ',' or ']' after array element, found %s", describe(raw[i]))
		}
	}
}
