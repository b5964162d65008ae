package fakellm

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// EmbeddingDim is the length of every embedding vector the fake returns.
const EmbeddingDim = 8

// buildChunks splits the answer into the pieces sent one per streamed chunk.
// Without a fixed reply the answer is "w0 w1 w2 ...", one word per chunk,
// with "<name>: " in front of the first word when a name is set. A fixed
// reply is cut into at most n pieces of near-equal rune length.
func buildChunks(n int, reply, name string) []string {
	if reply == "" {
		chunks := make([]string, n)
		for i := range chunks {
			w := "w" + strconv.Itoa(i)
			if i > 0 {
				w = " " + w
			} else if name != "" {
				w = name + ": " + w
			}
			chunks[i] = w
		}
		return chunks
	}
	runes := utf8.RuneCountInString(reply)
	if n > runes {
		n = runes
	}
	chunks := make([]string, 0, n)
	rest := reply
	for i := range n {
		// Pieces i..n-1 share the remaining runes evenly.
		take := utf8.RuneCountInString(rest) / (n - i)
		cut := 0
		for range take {
			_, size := utf8.DecodeRuneInString(rest[cut:])
			cut += size
		}
		if i == n-1 {
			cut = len(rest)
		}
		chunks = append(chunks, rest[:cut])
		rest = rest[cut:]
	}
	return chunks
}

// countWords is the fake's token count: the number of whitespace-separated
// words in s.
func countWords(s string) int {
	n := 0
	inWord := false
	for _, r := range s {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
		if !space && !inWord {
			n++
		}
		inWord = !space
	}
	return n
}

// promptTokens turns a word count into the reported prompt token count. A
// real template always adds tokens, so the count is never zero.
func promptTokens(words int) int64 {
	return int64(max(words, 1))
}

// embedding returns the deterministic vector for text: the FNV-1a hash of
// the text, one byte per dimension, mapped onto [-1, 1].
func embedding(text string) [EmbeddingDim]float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	sum := h.Sum64()
	var v [EmbeddingDim]float32
	for i := range v {
		b := byte(sum >> (8 * i))
		v[i] = float32(math.Round((float64(b)/127.5-1)*1e4) / 1e4)
	}
	return v
}

// appendVector appends v as a JSON array of numbers.
func appendVector(b []byte, v [EmbeddingDim]float32) []byte {
	b = append(b, '[')
	for i, f := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat32(b, f)
	}
	return append(b, ']')
}

// appendVectorBase64 appends v as OpenAI's base64 encoding: a JSON string of
// little-endian float32 values.
func appendVectorBase64(b []byte, v [EmbeddingDim]float32) []byte {
	var raw [EmbeddingDim * 4]byte
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[i*4:], math.Float32bits(f))
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw[:])
	return append(b, '"')
}

// modelFamily guesses an Ollama-style family from a model name:
// "llama3.1:8b" -> "llama", "qwen2.5:7b" -> "qwen".
func modelFamily(name string) string {
	base, _, _ := strings.Cut(name, ":")
	if i := strings.IndexAny(base, "0123456789.-_/"); i > 0 {
		return base[:i]
	}
	if base == "" {
		return "llama"
	}
	return base
}

// parameterSize reads the size from a tag like ":8b" ("8B"); default "8B".
func parameterSize(name string) string {
	_, tag, _ := strings.Cut(name, ":")
	tag = strings.ToUpper(tag)
	if strings.HasSuffix(tag, "B") {
		if _, err := strconv.ParseFloat(tag[:len(tag)-1], 64); err == nil {
			return tag
		}
	}
	return "8B"
}
