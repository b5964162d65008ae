package jsonscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// chatBody returns a realistic chat request of about size bytes.
func chatBody(size int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"model":"llama3.1:8b-instruct","messages":[{"role":"system","content":"You are a helpful assistant. Answer briefly."}`)
	for i := 0; sb.Len() < size-120; i++ {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		fmt.Fprintf(&sb, `,{"role":%q,"content":"Message %d: the quick brown fox jumps over the lazy dog \"quoted\" \u00e9 and more text."}`, role, i)
	}
	sb.WriteString(`],"temperature":0.7,"max_tokens":512,"stream":true,"stream_options":{"include_usage":true}}`)
	return []byte(sb.String())
}

func BenchmarkExtract(b *testing.B) {
	keys := []string{"model", "stream", "stream_options"}
	for _, size := range []int{1 << 10, 64 << 10} {
		body := chatBody(size)
		b.Run(fmt.Sprintf("jsonscan/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			var vals [3][]byte
			for b.Loop() {
				if err := Extract(body, keys, vals[:]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("encoding_json/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var v struct {
					Model         string          `json:"model"`
					Stream        *bool           `json:"stream"`
					StreamOptions json.RawMessage `json:"stream_options"`
				}
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("json_Valid/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

func BenchmarkSetTopLevelString(b *testing.B) {
	body := chatBody(1 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SetTopLevelString(body, "model", "meta-llama/Llama-3.1-8B-Instruct"); err != nil {
			b.Fatal(err)
		}
	}
}
