package jsonscan

// SetTopLevelString returns a copy of the JSON object body in which the
// top-level member key has the string value value (correctly escaped). An
// existing member (matched as in Extract, so "Model" counts as "model") is
// replaced in place under the exact name key and any further occurrences
// are removed, so every JSON parser reads the new value; a missing member is
// added first. body is not modified. Malformed body is an error.
func SetTopLevelString(body []byte, key, value string) ([]byte, error) {
	return set(body, key, AppendString(make([]byte, 0, len(value)+2), value))
}

// SetTopLevelRaw is SetTopLevelString for an arbitrary JSON value raw, which
// must itself be well-formed (e.g. {"include_usage":true}).
func SetTopLevelRaw(body []byte, key string, raw []byte) ([]byte, error) {
	if err := Valid(raw); err != nil {
		return nil, err
	}
	return set(body, key, raw)
}

func set(body []byte, key string, raw []byte) ([]byte, error) {
	out := make([]byte, 0, len(body)+len(key)+len(raw)+4)
	copied, prevEnd, count, found := 0, 0, 0, false
	s := scanner{b: body}
	open, err := s.object(func(m member) error {
		count++
		if keyMatches(body[m.keyStart:m.keyEnd], m.escaped, key) {
			if !found {
				out = append(out, body[copied:m.keyStart]...)
				out = AppendString(out, key)
				out = append(out, ':')
				out = append(out, raw...)
				found = true
			} else {
				// Drop ", <member>" from the end of the previous value.
				out = append(out, body[copied:prevEnd]...)
			}
			copied = m.valEnd
		}
		prevEnd = m.valEnd
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found {
		return append(out, body[copied:]...), nil
	}
	out = append(out, body[:open+1]...)
	out = AppendString(out, key)
	out = append(out, ':')
	out = append(out, raw...)
	if count > 0 {
		out = append(out, ',')
	}
	return append(out, body[open+1:]...), nil
}
