package usage

import (
	"strconv"
	"time"
)

// StreamCutter ends a stream that Warden stops early, for example when it
// would run past its reserved budget. Both observers are StreamCutters.
// The relay observes and forwards each event, then compares Usage with the
// reservation; once it is reached, it writes AppendCut's bytes instead of
// reading on, flushes, and cancels the backend call. The ending's counts
// are then those of the text the client received.
type StreamCutter interface {
	// AppendCut appends a well-formed ending with reason "length".
	AppendCut(dst []byte) []byte
}

var (
	_ StreamCutter = (*SSEObserver)(nil)
	_ StreamCutter = (*NDJSONObserver)(nil)
)

// AppendCut appends the end of an OpenAI stream: for each choice seen, a
// chunk with finish_reason "length" carrying the stream's id, object,
// created and model; then, if the client asked for usage, a usage-only
// chunk with the counts so far (Usage); then "data: [DONE]". A stream cut
// before its first chunk gets a made-up id and the current time.
func (o *SSEObserver) AppendCut(dst []byte) []byte { return o.appendCut(dst, time.Now()) }

// appendCut is AppendCut at the time now.
func (o *SSEObserver) appendCut(dst []byte, now time.Time) []byte {
	id, model := []byte(`"chatcmpl-warden"`), []byte(`""`)
	created := now.Unix()
	if o.hasMeta {
		id = o.meta[:o.idLen]
		if len(o.meta) > o.idLen {
			model = o.meta[o.idLen:]
		}
		created = o.created
	}
	object := `"chat.completion.chunk"`
	if o.completion {
		object = `"text_completion"`
	}
	head := func(dst []byte) []byte {
		dst = append(dst, `data: {"id":`...)
		dst = append(dst, id...)
		dst = append(dst, `,"object":`...)
		dst = append(dst, object...)
		dst = append(dst, `,"created":`...)
		dst = strconv.AppendInt(dst, created, 10)
		dst = append(dst, `,"model":`...)
		return append(dst, model...)
	}
	for i := 0; i <= o.maxIndex; i++ {
		dst = append(head(dst), `,"choices":[{"index":`...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		if o.completion {
			dst = append(dst, `,"text":""`...)
		} else {
			dst = append(dst, `,"delta":{}`...)
		}
		dst = append(dst, ",\"logprobs\":null,\"finish_reason\":\"length\"}]}\n\n"...)
	}
	if o.clientUsage {
		u := o.Usage()
		dst = append(head(dst), `,"choices":[],"usage":{"prompt_tokens":`...)
		dst = strconv.AppendInt(dst, u.PromptTokens, 10)
		dst = append(dst, `,"completion_tokens":`...)
		dst = strconv.AppendInt(dst, u.CompletionTokens, 10)
		dst = append(dst, `,"total_tokens":`...)
		dst = strconv.AppendInt(dst, u.Total(), 10)
		dst = append(dst, "}}\n\n"...)
	}
	return append(dst, "data: [DONE]\n\n"...)
}

// AppendCut appends the end of an Ollama stream: a done frame with
// done_reason "length", the stream's model, and prompt_eval_count and
// eval_count so far (Usage), as one NDJSON line.
func (o *NDJSONObserver) AppendCut(dst []byte) []byte { return o.appendCut(dst, time.Now()) }

// appendCut is AppendCut at the time now.
func (o *NDJSONObserver) appendCut(dst []byte, now time.Time) []byte {
	model := o.model
	if model == nil {
		model = []byte(`""`)
	}
	dst = append(dst, `{"model":`...)
	dst = append(dst, model...)
	dst = append(dst, `,"created_at":"`...)
	dst = now.UTC().AppendFormat(dst, time.RFC3339Nano)
	if o.generate {
		dst = append(dst, `","response":""`...)
	} else {
		dst = append(dst, `","message":{"role":"assistant","content":""}`...)
	}
	u := o.Usage()
	dst = append(dst, `,"done":true,"done_reason":"length","prompt_eval_count":`...)
	dst = strconv.AppendInt(dst, u.PromptTokens, 10)
	dst = append(dst, `,"eval_count":`...)
	dst = strconv.AppendInt(dst, u.CompletionTokens, 10)
	return append(dst, "}\n"...)
}
