package openai

import (
	"strings"
	"testing"
)

// chatBody is a realistic 1 KiB chat completion request.
var chatBody = []byte(`{"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[` +
	`{"role":"system","content":"You are a careful assistant for the finance team. Answer in short paragraphs and cite the policy section when you can."},` +
	`{"role":"user","content":"Summarise the travel reimbursement policy for contractors, in particular which receipts are needed and the deadline for claims."},` +
	`{"role":"assistant","content":"Contractors may claim travel costs agreed in advance. Keep original receipts for transport, lodging and meals; claims must be filed within 30 days."},` +
	`{"role":"user","content":"And what about per-diem rates abroad? Are they different for \"high cost\" cities such as Zürich or London?"}],` +
	`"temperature":0.2,"top_p":0.9,"max_tokens":512,"stream":true,"stream_options":{"include_usage":true},` +
	`"tools":[{"type":"function","function":{"name":"lookup_policy","description":"Find a policy section","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}}]}`)

func BenchmarkParseRequest(b *testing.B) {
	b.SetBytes(int64(len(chatBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(chatBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSSEReader(b *testing.B) {
	const event = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"finish_reason\":null}]}\n\n"
	stream := strings.Repeat(event, 1000)
	rd := strings.NewReader(stream)
	r := NewSSEReader(rd)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(stream)
		r.Reset(rd)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
