package ollama

import (
	"io"
	"strings"
	"testing"
)

// chatBody is a realistic 1 KiB Ollama chat request.
var chatBody = []byte(`{"model":"llama3.1:8b","messages":[` +
	`{"role":"system","content":"You are a careful assistant for the finance team. Answer in short paragraphs and cite the policy section when you can."},` +
	`{"role":"user","content":"Summarise the travel reimbursement policy for contractors, in particular which receipts are needed and the deadline for claims."},` +
	`{"role":"assistant","content":"Contractors may claim travel costs agreed in advance. Keep original receipts for transport, lodging and meals; claims must be filed within 30 days."},` +
	`{"role":"user","content":"And what about per-diem rates abroad? Are they different for \"high cost\" cities such as Zürich or London?"}],` +
	`"options":{"temperature":0.2,"top_p":0.9,"num_predict":512,"num_ctx":8192},"keep_alive":"10m","stream":true,` +
	`"tools":[{"type":"function","function":{"name":"lookup_policy","description":"Find a policy section","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}}]}`)

func BenchmarkParseRequest(b *testing.B) {
	b.SetBytes(int64(len(chatBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(chatBody, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChatToOpenAI(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ChatToOpenAI(chatBody, "meta-llama/Llama-3.1-8B-Instruct"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslateStream reports the cost per upstream chunk (one frame).
func BenchmarkTranslateStream(b *testing.B) {
	const frames = 1000
	chunk := `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}`
	stream := strings.Repeat("data: "+chunk+"\n\n", frames) + sse(finishStop, usageChunk, "[DONE]")
	rd := strings.NewReader(stream)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(stream)
		if _, err := TranslateStream(StreamChat, "llama3", rd, io.Discard, func() {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
}
