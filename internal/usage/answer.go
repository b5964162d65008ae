package usage

import "github.com/warden-gw/warden/internal/api/jsonscan"

// FromAnswer is the usage of a whole (not streamed) answer: the backend's report when the body
// has one (OpenAI "usage", Ollama prompt_eval_count and eval_count), else an estimate marked
// Estimated: prompt is the caller's prompt estimate, the completion is counted on the answer's
// text (choices[].message.content or choices[].text; Ollama's message.content or response).
func FromAnswer(dialect string, body []byte, prompt int64) Usage {
	if dialect == DialectOllama {
		if u, ok := FromOllama(body); ok {
			return u
		}
	} else if u, ok := FromOpenAI(body); ok {
		return u
	}
	return Usage{PromptTokens: clampCount(prompt), CompletionTokens: answerTokens(dialect, body), Estimated: true}
}

// answerTokens counts the completion text of a whole answer with the tokenizer.
func answerTokens(dialect string, body []byte) int64 {
	var t textCounter
	var scratch []byte
	var v [3][]byte
	if dialect == DialectOllama {
		if jsonscan.Extract(body, []string{"message", "response", "thinking"}, v[:]) != nil {
			return 0
		}
		scratch = addString(&t, scratch, v[1])
		scratch = addString(&t, scratch, v[2])
		if m := v[0]; len(m) > 0 && m[0] == '{' {
			var c [2][]byte
			if jsonscan.Extract(m, []string{"content", "thinking"}, c[:]) == nil {
				scratch = addString(&t, scratch, c[0])
				addString(&t, scratch, c[1])
			}
		}
		return t.final()
	}
	if jsonscan.Extract(body, []string{"choices"}, v[:1]) != nil || len(v[0]) == 0 || v[0][0] != '[' {
		return 0
	}
	_ = jsonscan.Each(v[0], func(c []byte) bool {
		var f [2][]byte
		if c[0] != '{' || jsonscan.Extract(c, []string{"message", "text"}, f[:]) != nil {
			return true
		}
		scratch = addString(&t, scratch, f[1])
		if m := f[0]; len(m) > 0 && m[0] == '{' {
			var mc [2][]byte
			if jsonscan.Extract(m, []string{"content", "reasoning_content"}, mc[:]) == nil {
				scratch = addString(&t, scratch, mc[0])
				scratch = addString(&t, scratch, mc[1])
			}
		}
		return true
	})
	return t.final()
}
