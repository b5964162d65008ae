package usage

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"
)

// bytesPerToken is the rough ratio used where no text was tokenized.
const bytesPerToken = 4

// cl100k is the tokenizer, built on first use (about 10 ms; its vocabulary
// adds about 4 MB to the binary). cl100k_base is the closest built-in
// encoding to the 128k-152k BPE vocabularies of Llama 3 and Qwen 2.5. The
// codec is safe for concurrent use and never changes after it is built.
var cl100k = sync.OnceValue(codec.NewCl100kBase)

// countTokens counts the tokens of text with cl100k_base. It costs about
// 85 µs per KiB, so callers bound what they pass.
func countTokens(text []byte) int64 {
	if len(text) == 0 {
		return 0
	}
	s := string(text)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	n, err := cl100k().Count(s)
	if err != nil {
		// Only the strict UTF-8 mode fails, and it is not used; fall back
		// to the byte ratio rather than report nothing.
		return ceilDiv(int64(len(text)), bytesPerToken)
	}
	return int64(n)
}

// cutUTF8 returns the longest prefix of b of at most n bytes that does not
// end inside a UTF-8 sequence.
func cutUTF8(b []byte, n int) []byte {
	if n >= len(b) {
		return b
	}
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return b[:i]
		}
	}
	return b[:n]
}

// sampleBytes is how much of a streamed completion is kept for counting
// with the tokenizer when the backend reports no usage.
const sampleBytes = 4 << 10

// textCounter counts streamed completion text without keeping it: pieces
// and bytes as they pass, plus the first sampleBytes, tokenized once at
// the end to learn this stream's bytes-per-token ratio.
type textCounter struct {
	pieces  int64 // non-empty text pieces (usually one token each)
	bytes   int64
	sample  []byte
	counted bool  // sampleTokens is the count of the current sample
	tokens  int64 // tokens in sample
}

// full reports whether the sample is complete, so that only lengths matter.
func (c *textCounter) full() bool { return len(c.sample) >= sampleBytes }

// addLen counts a piece of n bytes that is not sampled.
func (c *textCounter) addLen(n int) {
	if n > 0 {
		c.pieces++
		c.bytes = min(c.bytes+int64(n), maxCount)
	}
}

func (c *textCounter) add(p []byte) {
	if len(p) == 0 {
		return
	}
	c.addLen(len(p))
	if room := sampleBytes - len(c.sample); room > 0 {
		// append grows the sample as text comes: most streams are short, and a 4 KiB buffer
		// made up front was the largest allocation of a streamed call.
		c.sample = append(c.sample, cutUTF8(p, room)...)
		c.counted = false
	}
}

// running is the cheap running estimate: at least one token per piece,
// and at least one per bytesPerToken bytes.
func (c *textCounter) running() int64 {
	return max(c.pieces, ceilDiv(c.bytes, bytesPerToken))
}

// final tokenizes the sample (once) and scales its count to all the text.
func (c *textCounter) final() int64 {
	if len(c.sample) == 0 {
		return c.running()
	}
	if !c.counted {
		c.tokens, c.counted = countTokens(c.sample), true
	}
	est := ceilDiv(c.bytes*c.tokens, int64(len(c.sample)))
	return clampCount(max(c.pieces, est))
}
