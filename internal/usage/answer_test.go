package usage

import "testing"

func TestFromAnswer(t *testing.T) {
	reported := FromAnswer(DialectOpenAI, []byte(`{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}`), 99)
	if reported != (Usage{PromptTokens: 7, CompletionTokens: 3}) {
		t.Errorf("reported usage = %+v", reported)
	}
	ol := FromAnswer(DialectOllama, []byte(`{"message":{"content":"hi"},"done":true,"prompt_eval_count":5,"eval_count":2}`), 99)
	if ol != (Usage{PromptTokens: 5, CompletionTokens: 2}) {
		t.Errorf("ollama usage = %+v", ol)
	}
	text := "The quick brown fox jumps over the lazy dog, again and again, until the dog wakes up."
	est := FromAnswer(DialectOpenAI, []byte(`{"choices":[{"message":{"role":"assistant","content":"`+text+`"}}]}`), 12)
	if !est.Estimated || est.PromptTokens != 12 || est.CompletionTokens < 15 || est.CompletionTokens > 30 {
		t.Errorf("estimated openai usage = %+v, want ~20 completion tokens, prompt 12, Estimated", est)
	}
	gen := FromAnswer(DialectOllama, []byte(`{"response":"`+text+`","done":true}`), 3)
	if !gen.Estimated || gen.CompletionTokens != est.CompletionTokens {
		t.Errorf("estimated ollama usage = %+v, want %d completion tokens", gen, est.CompletionTokens)
	}
	if e := FromAnswer(DialectOpenAI, []byte(`{"data":[{"embedding":[0.1]}]}`), 4); e.CompletionTokens != 0 || e.PromptTokens != 4 || !e.Estimated {
		t.Errorf("embedding without usage = %+v", e)
	}
	if e := FromAnswer(DialectOpenAI, []byte(`not json`), 4); e.CompletionTokens != 0 {
		t.Errorf("garbage = %+v", e)
	}
}
