package policy

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Size bounds for allowlist entries.
const (
	// MaxEntryLen is the longest model name, pattern, group reference or endpoint accepted.
	MaxEntryLen = 256
	// MaxEntries is the most entries one allowlist may hold.
	MaxEntries = 1024
)

// match reports whether name matches pattern, where each '*' matches any run of
// bytes (including none) and every other byte matches itself. It is linear in
// len(name) per literal segment and does not allocate: for '*'-only patterns,
// taking the leftmost occurrence of each middle segment is always right.
func match(pattern, name string) bool {
	prefix, rest, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == name
	}
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	name = name[len(prefix):]
	last := strings.LastIndexByte(rest, '*')
	suffix := rest[last+1:] // all of rest when there is no second '*'
	if !strings.HasSuffix(name, suffix) {
		return false
	}
	if last < 0 {
		return true
	}
	name = name[:len(name)-len(suffix)]
	for mid := rest[:last]; mid != ""; {
		var seg string
		seg, mid, _ = strings.Cut(mid, "*")
		if seg == "" {
			continue
		}
		i := strings.Index(name, seg)
		if i < 0 {
			return false
		}
		name = name[i+len(seg):]
	}
	return true
}

// isPattern reports whether entry contains a '*'.
func isPattern(entry string) bool { return strings.IndexByte(entry, '*') >= 0 }

func notPrintable(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }

// maxQuoted bounds how much of a caller's value a message repeats.
const maxQuoted = 64

// quote returns s in double quotes, shortened to maxQuoted bytes (on a rune boundary).
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// label returns s bare when it is a short plain word (such as a role or team
// alias like "engineering"), and quoted otherwise.
func label(s string) string {
	if s == "" || len(s) > maxQuoted {
		return quote(s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return quote(s)
		}
	}
	return s
}
