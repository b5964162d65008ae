package h1server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// verdict says what parseHead made of the bytes it was given.
type verdict int

const (
	complete   verdict = iota // a whole head inside the fast path's subset
	incomplete                // no blank line yet: read more
	fallback                  // outside the subset: net/http serves this connection from here on
)

// maxFields caps the header fields of a request on the fast path; more go to net/http.
const maxFields = 100

// head is a parsed request head. Every string in it shares one allocation.
type head struct {
	method, target string
	url            *url.URL
	header         http.Header
	host           string
	contentLength  int64
	close          bool // the client sent Connection: close
	n              int  // length of the head, blank line included
}

// parseHead parses the request head at the start of buf. It accepts only a strict subset of
// HTTP/1.1 that every mainstream client sends: a request line "METHOD /origin-form HTTP/1.1"
// with a method from a short list, CRLF line ends, token header names, values without control
// characters, exactly one Host, at most one Content-Length, and no Transfer-Encoding, Expect,
// Upgrade, Trailer or TE. Anything else, valid or not, is net/http's to serve or refuse: the
// fast path never guesses at an ambiguous request.
func parseHead(buf []byte) (head, verdict) {
	end := bytes.Index(buf, crlfcrlf)
	if end < 0 {
		return head{}, incomplete
	}
	raw := string(buf[:end+2]) // request line and fields, each ending in CRLF
	h := head{n: end + 4, contentLength: 0}
	eol := strings.Index(raw, "\r\n")
	if !h.requestLine(raw[:eol]) {
		return head{}, fallback
	}
	fields := raw[eol+2:]
	nf := strings.Count(fields, "\r\n")
	if nf > maxFields {
		return head{}, fallback
	}
	h.header = make(http.Header, nf)
	values := make([]string, nf) // one backing array for all single values, as net/textproto does
	hosts, lengths := 0, 0
	for fields != "" {
		eol := strings.Index(fields, "\r\n")
		line := fields[:eol]
		fields = fields[eol+2:]
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return head{}, fallback
		}
		name, ok := fieldName(line[:colon])
		if !ok {
			return head{}, fallback
		}
		value, ok := fieldValue(line[colon+1:])
		if !ok {
			return head{}, fallback
		}
		switch name {
		case "Host":
			hosts++
			if !hostValue(value) {
				return head{}, fallback
			}
			h.host = value
			continue // net/http moves Host out of the header map too
		case "Content-Length":
			lengths++
			n, ok := length(value)
			if !ok {
				return head{}, fallback
			}
			h.contentLength = n
		case "Connection":
			switch {
			case strings.EqualFold(value, "close"):
				h.close = true
			case strings.EqualFold(value, "keep-alive"):
			default:
				return head{}, fallback
			}
		case "Transfer-Encoding", "Expect", "Upgrade", "Trailer", "Te":
			return head{}, fallback
		}
		if vv := h.header[name]; vv != nil {
			h.header[name] = append(vv, value)
			continue
		}
		values[0] = value
		h.header[name] = values[:1:1]
		values = values[1:]
	}
	if hosts != 1 || lengths > 1 {
		return head{}, fallback
	}
	return h, complete
}

var crlfcrlf = []byte("\r\n\r\n")

// fastMethods are the methods the fast path serves; HEAD, CONNECT, TRACE and extension methods
// are net/http's.
var fastMethods = [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions}

// requestLine parses "METHOD target HTTP/1.1" in the fast path's subset.
func (h *head) requestLine(line string) bool {
	m, rest, ok := strings.Cut(line, " ")
	if !ok {
		return false
	}
	for _, known := range fastMethods {
		if m == known {
			h.method = known // a constant: the method never keeps the head alive
			break
		}
	}
	if h.method == "" {
		return false
	}
	target, proto, ok := strings.Cut(rest, " ")
	if !ok || proto != "HTTP/1.1" || len(target) == 0 || target[0] != '/' {
		return false
	}
	plain := true
	for i := 0; i < len(target); i++ {
		switch c := target[i]; {
		case !targetChar[c]:
			return false
		case c == '%' || c == '!' || c == '\'' || c == '(' || c == ')' || c == '*':
			plain = false // escaped or escapable: net/url decides Path and RawPath
		}
	}
	h.target = target
	if plain {
		path, query, q := strings.Cut(target, "?")
		h.url = &url.URL{Path: path, RawQuery: query, ForceQuery: q && query == ""}
		return true
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return false
	}
	h.url = u
	return true
}

// targetChar holds the characters the fast path accepts in an origin-form target: RFC 3986's
// unreserved and sub-delims, ':', '@', '/', '?' and '%'. A target with '%' or one of the
// sub-delims net/url escapes in paths ("!'()*") is parsed by net/url.
var targetChar = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%") {
		t[c] = true
	}
	return t
}()

// tokenChar holds RFC 9110's tchar.
var tokenChar = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

func token(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

// fieldName checks that name is a token and returns its canonical form, without allocating
// when the client already sent it canonical.
func fieldName(name string) (string, bool) {
	upper, canon := true, true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenChar[c] {
			return "", false
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canon = false
		}
		upper = c == '-'
	}
	if canon {
		return name, true
	}
	return http.CanonicalHeaderKey(name), true
}

// fieldValue trims the optional whitespace around a field value and refuses control characters
// (CR and LF included: a bare one never ends a line on the fast path).
func fieldValue(v string) (string, bool) {
	i, j := 0, len(v)
	for i < j && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
		j--
	}
	v = v[i:j]
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return "", false
		}
	}
	return v, true
}

// hostValue accepts the host[:port] forms of reg-names, IPv4 and bracketed IPv6 literals.
func hostValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._:[]", c) >= 0) {
			return false
		}
	}
	return true
}

// length parses a Content-Length of plain digits, at most 18 of them.
func length(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
