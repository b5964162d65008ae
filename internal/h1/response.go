package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strings"
)

// The response parser below handles the answers plain-HTTP LLM backends actually send: an
// HTTP/1.1 status line, CRLF-terminated token: value header lines, and unambiguous framing. It
// decides from peeked bytes, consuming nothing, so anything outside that subset is handed whole
// to http.ReadResponse, and whatever it accepts parses to what http.ReadResponse would return
// for the fields a caller uses (see response_test.go).

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")

	errTrailer = errors.New("h1: malformed trailer after chunked body")
)

// answer holds one response parsed on the fast path, with everything it points to, in one
// allocation.
type answer struct {
	resp http.Response
	req  http.Request
	rb   respBody
	cl   clBody
	ch   chunkedBody
	vals [8]string // backs the header values of a typical answer
}

// readResponse reads one response head from br. On the fast path rb is a respBody allocated
// along with the response, for the caller to fill in; after http.ReadResponse it is nil.
func readResponse(br *bufio.Reader, method string) (resp *http.Response, rb *respBody, err error) {
	if a := fastResponse(br, method); a != nil {
		return &a.resp, &a.rb, nil
	}
	resp, err = http.ReadResponse(br, &http.Request{Method: method})
	return resp, nil, err
}

// fastResponse parses a head in the strict subset and consumes it, or returns nil having
// consumed nothing.
func fastResponse(br *bufio.Reader, method string) *answer {
	head := peekHead(br)
	if head == nil {
		return nil
	}
	a := parseHead(head, method)
	if a == nil {
		return nil
	}
	br.Discard(len(head))
	r := &a.resp
	switch {
	case method == http.MethodHead || r.StatusCode == 204 || r.StatusCode == 304:
		r.Body = http.NoBody
	case r.TransferEncoding != nil:
		a.ch = chunkedBody{r: httputil.NewChunkedReader(br), br: br, resp: r}
		r.Body = &a.ch
	case r.ContentLength == 0:
		r.Body = http.NoBody
	case r.ContentLength > 0:
		a.cl = clBody{br: br, n: r.ContentLength}
		r.Body = &a.cl
	default: // until the connection closes; parseHead has set Close
		r.Body = io.NopCloser(br)
	}
	return a
}

// peekHead returns the buffered bytes up to and including the first empty line, reading more
// until it arrives; nil when the buffer fills first or the connection fails.
func peekHead(br *bufio.Reader) []byte {
	buf, _ := br.Peek(br.Buffered())
	from := 0
	for {
		if i := bytes.Index(buf[from:], crlfcrlf); i >= 0 {
			return buf[:from+i+len(crlfcrlf)]
		}
		if len(buf) >= br.Size() {
			return nil
		}
		from = max(0, len(buf)-len(crlfcrlf)+1)
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return nil
		}
		buf, _ = br.Peek(br.Buffered())
	}
}

// framing is what the header lines say about the body and the connection.
type framing struct {
	lines    int   // header lines
	cls      int   // Content-Length lines
	cl       int64 // their value
	tes      int   // Transfer-Encoding lines
	chunked  bool  // the Transfer-Encoding is "chunked"
	close    bool  // Connection has "close"
	trailer  bool  // a Trailer line
	rejected bool  // something only net/http should judge
}

// parseHead builds the response for a complete head (status line through the empty line), or
// returns nil when the head is outside the strict subset.
func parseHead(head []byte, method string) *answer {
	eol := bytes.Index(head, crlf)
	line := head[:eol]
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || len(line) > 12 && line[12] != ' ' {
		return nil
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return nil
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code > 599 {
		return nil
	}
	for _, c := range line[12:] {
		if !valueByte(c) {
			return nil
		}
	}

	var f framing
	forLines(head[eol+2:], func(name, value []byte) {
		f.note(name, value)
	})
	noBody := method == http.MethodHead || code == 204 || code == 304
	if f.rejected || f.cls > 1 || f.tes > 1 || f.tes == 1 && (!f.chunked || f.cls > 0) || f.chunked && f.trailer {
		return nil
	}

	a := new(answer)
	a.req.Method = method
	r := &a.resp
	r.Request = &a.req
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.StatusCode = code
	r.Close = f.close
	switch {
	case method == http.MethodHead && f.cls == 0:
		r.ContentLength = -1
	case method == http.MethodHead:
		r.ContentLength = f.cl
	case noBody:
		r.ContentLength = 0
	case f.chunked:
		r.ContentLength = -1
	case f.cls == 1:
		r.ContentLength = f.cl
	default:
		r.ContentLength = -1
		r.Close = true
	}
	if f.chunked {
		r.TransferEncoding = []string{"chunked"}
	}

	s := string(head)
	r.Status = s[9:eol]
	h := make(http.Header, f.lines)
	strs := a.vals[:]
	if f.lines > len(strs) {
		strs = make([]string, f.lines)
	}
	forLinesString(s[eol+2:], func(name, value string) {
		key := canonicalKey(name)
		if key == "Transfer-Encoding" || key == "Connection" && f.close {
			return // net/http drops these once it has acted on them
		}
		if vv, ok := h[key]; ok {
			h[key] = append(vv, value)
			return
		}
		vv := strs[:1:1]
		strs = strs[1:]
		vv[0] = value
		h[key] = vv
	})
	if p := h["Pragma"]; len(p) > 0 && p[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = []string{"no-cache"} // as net/http does for HTTP/1.0 caches
	}
	r.Header = h
	return a
}

// note validates one header line and records what it says about framing.
func (f *framing) note(name, value []byte) {
	f.lines++
	if name == nil {
		f.rejected = true
		return
	}
	switch {
	case asciiEqualFold(name, "Content-Length"):
		f.cls++
		f.cl = -1
		if len(value) > 0 && len(value) <= 18 {
			f.cl = 0
			for _, c := range value {
				if c < '0' || c > '9' {
					f.cl = -1
					break
				}
				f.cl = f.cl*10 + int64(c-'0')
			}
		}
		if f.cl < 0 {
			f.rejected = true
		}
	case asciiEqualFold(name, "Transfer-Encoding"):
		f.tes++
		f.chunked = asciiEqualFold(value, "chunked")
	case asciiEqualFold(name, "Trailer"):
		f.trailer = true
	case asciiEqualFold(name, "Connection"):
		for {
			i := bytes.IndexByte(value, ',')
			if i < 0 {
				i = len(value)
			}
			tok := trimOWS(value[:i])
			switch {
			case asciiEqualFold(tok, "close"):
				f.close = true
			case asciiEqualFold(tok, "keep-alive"):
			default:
				f.rejected = true
			}
			if i == len(value) {
				break
			}
			value = value[i+1:]
		}
	}
}

// forLines calls fn for each header line of b (the head after the status line) with its name
// and trimmed value, or with a nil name for a line outside the strict subset.
func forLines(b []byte, fn func(name, value []byte)) {
	for {
		i := bytes.Index(b, crlf)
		if i <= 0 { // the empty line ends the head
			return
		}
		line := b[:i]
		b = b[i+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			fn(nil, nil)
			continue
		}
		ok := true
		for _, c := range line[:colon] {
			ok = ok && tokenByte[c]
		}
		for _, c := range line[colon+1:] {
			ok = ok && valueByte(c)
		}
		if !ok {
			fn(nil, nil)
			continue
		}
		fn(line[:colon], trimOWS(line[colon+1:]))
	}
}

// forLinesString is forLines for a head forLines has already found valid.
func forLinesString(s string, fn func(name, value string)) {
	for {
		i := strings.Index(s, "\r\n")
		if i <= 0 {
			return
		}
		line := s[:i]
		s = s[i+2:]
		colon := 0
		for line[colon] != ':' {
			colon++
		}
		fn(line[:colon], trimOWS(line[colon+1:]))
	}
}

// trimOWS removes spaces and tabs from both ends of s.
func trimOWS[T string | []byte](s T) T {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// canonicalKey returns the canonical form of a token header name, allocating only when it
// differs from name.
func canonicalKey(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return http.CanonicalHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		t := s[i]
		if 'A' <= t && t <= 'Z' {
			t += 'a' - 'A'
		}
		if c != t {
			return false
		}
	}
	return true
}

// valueByte reports whether c may appear in a header value: not a control character, but tab.
func valueByte(c byte) bool { return c >= ' ' && c != 0x7f || c == '\t' }

// tokenByte marks the bytes of an RFC 9110 token.
var tokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// clBody reads a body of Content-Length bytes.
type clBody struct {
	br *bufio.Reader
	n  int64
}

func (b *clBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.br.Read(p)
	b.n -= int64(n)
	if b.n == 0 {
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *clBody) Close() error { return nil }

// chunkedBody reads a chunked body and then its trailer section, so that a connection read to
// io.EOF is positioned at the next response.
type chunkedBody struct {
	r    io.Reader
	br   *bufio.Reader
	resp *http.Response // receives the trailer fields
	err  error          // sticky once the body ended
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err == io.EOF {
		if terr := b.readTrailer(); terr != nil {
			err = terr
		}
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *chunkedBody) Close() error { return nil }

// readTrailer consumes the trailer section: usually just the empty line, else header lines
// that must end within the read buffer.
func (b *chunkedBody) readTrailer() error {
	if p, _ := b.br.Peek(2); len(p) == 2 && p[0] == '\r' && p[1] == '\n' {
		b.br.Discard(2)
		return nil
	}
	if peekHead(b.br) == nil {
		return errTrailer
	}
	h, err := textproto.NewReader(b.br).ReadMIMEHeader()
	if err != nil {
		return errTrailer
	}
	b.resp.Trailer = http.Header(h)
	return nil
}
