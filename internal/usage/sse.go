package usage

import (
	"bytes"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

const (
	// maxRemembered bounds the id and model kept from a stream for its
	// ending; longer ones are not kept.
	maxRemembered = 256
	// maxCutChoices bounds how many choices an ending closes.
	maxCutChoices = 128
)

// SSEObserver watches an OpenAI-format stream (chat or text completions)
// as the relay passes it on, event by event, without keeping it. It takes
// the usage from the backend's usage chunk, counts the completion text in
// case none comes, decides which events the client must not see, and
// remembers what it needs to end the stream early (see AppendCut). It is
// not safe for concurrent use.
type SSEObserver struct {
	clientUsage bool  // the client asked for stream_options.include_usage
	prompt      int64 // prompt estimate, used when the backend reports none

	reported Usage
	hasUsage bool
	text     textCounter
	done     bool // [DONE] seen

	meta       []byte // id, then model, as raw JSON strings
	idLen      int
	created    int64
	hasMeta    bool
	completion bool // text completions (choices[].text) rather than chat
	maxIndex   int  // highest choice index seen, up to maxCutChoices-1

	data, scratch []byte

	shape   shape    // the common chunk's layout, once learned
	rec     recorder // the strings the current full parse counts
	noShape bool     // always parse in full (the reference for tests)
}

// NewSSEObserver returns an observer for one stream. clientIncludeUsage is
// what the client's request asked for (openai.Request.IncludeUsage):
// Warden always asks the backend for usage, and the usage-only chunk is
// dropped for a client that did not. promptEstimate (EstimatePrompt) is
// reported as the prompt tokens if the backend reports no usage.
func NewSSEObserver(clientIncludeUsage bool, promptEstimate int64) *SSEObserver {
	return &SSEObserver{clientUsage: clientIncludeUsage, prompt: clampCount(promptEstimate)}
}

// Observe reads one event: either its data (as openai.SSEReader returns
// it) or the raw event text with its "data:" lines. It reports drop=true
// for the usage-only chunk ("choices": [] with a usage object) when the
// client did not ask for usage; the relay then does not forward the event.
// Anything it cannot read (comments, malformed JSON, error objects) is
// passed on (drop=false) and counts nothing. A chunk laid out like an
// earlier text chunk is read by its shape (shape.go), with the same result.
func (o *SSEObserver) Observe(event []byte) (drop bool) {
	data := o.eventData(event)
	if len(data) == 0 {
		return false
	}
	if string(data) == "[DONE]" {
		o.done = true
		return false
	}
	if !o.noShape {
		var counted [maxSlots][]byte
		if o.shape.match(data, &counted) {
			// The chunk is the learned one with other text: counting
			// the text is all its full parse would do.
			for _, raw := range counted[:o.shape.counted] {
				o.addString(raw)
			}
			return false
		}
		o.rec.start(true, len(data))
	}
	drop, learnable := o.observeData(data)
	if learnable {
		o.shape.learn(data, &o.rec)
	}
	o.rec.on = false
	return drop
}

// observeData reads the data of one event (not [DONE]) in full. It reports
// whether the event is to be dropped, and whether its only effect was to
// count the strings o.rec noted, so that its shape may be learned.
func (o *SSEObserver) observeData(data []byte) (drop, learnable bool) {
	// The fewer keys, the faster the scan: the stream's id, object,
	// created and model are read until they are known.
	var v [6][]byte
	keys := []string{"choices", "usage", "id", "object", "created", "model"}
	if o.hasMeta {
		keys = keys[:2]
	}
	if jsonscan.Extract(data, keys, v[:]) != nil {
		return false, false
	}
	if !o.hasMeta && v[2] != nil {
		o.remember(v[2], v[3], v[4], v[5])
	}
	hasUsage := false
	if u, ok := openAIUsage(v[1]); ok {
		o.reported, o.hasUsage, hasUsage = u, true, true
	}
	choices := v[0]
	if len(choices) == 0 || choices[0] != '[' {
		return false, false
	}
	if isEmptyArray(choices) {
		return hasUsage && !o.clientUsage, false
	}
	// Nearly every chunk has one choice: read it without a second pass.
	if one := choices[1 : len(choices)-1]; !o.choice(one) {
		_ = jsonscan.Each(choices, func(c []byte) bool { o.choice(c); return true })
	}
	// Once the meta is known, what else the chunk did (completion,
	// maxIndex) stays done; a usage report must be read every time.
	return false, o.hasMeta && !hasUsage
}

// eventData returns the data of event, which is either the data itself or
// the event's lines (only "data" fields are read; several are joined by
// "\n" as EventSource does).
func (o *SSEObserver) eventData(event []byte) []byte {
	event = bytes.TrimSpace(event)
	if len(event) == 0 || event[0] == '{' || event[0] == '[' {
		return event
	}
	var data []byte
	lines := 0
	for len(event) > 0 {
		var line []byte
		line, event, _ = bytes.Cut(event, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		rest, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		rest = bytes.TrimPrefix(rest, []byte(" "))
		switch lines {
		case 0:
			data = rest
		case 1:
			o.data = append(append(append(o.data[:0], data...), '\n'), rest...)
			data = o.data
		default:
			o.data = append(append(o.data, '\n'), rest...)
			data = o.data
		}
		lines++
	}
	return bytes.TrimSpace(data)
}

// choice reads one element of "choices". It reports false when c is not
// one JSON object.
func (o *SSEObserver) choice(c []byte) bool {
	var v [3][]byte
	if jsonscan.Extract(c, []string{"delta", "text", "index"}, v[:]) != nil {
		return false
	}
	if i, ok := readCount(v[2]); ok && i > 0 && i < maxCutChoices {
		o.maxIndex = max(o.maxIndex, int(i))
	}
	if v[1] != nil { // text completion
		o.completion = true
		o.addString(v[1])
		return true
	}
	delta := v[0]
	if len(delta) == 0 || delta[0] != '{' {
		return true
	}
	var d [4][]byte
	if jsonscan.Extract(delta, []string{"content", "reasoning_content", "reasoning", "tool_calls"}, d[:]) != nil {
		return true
	}
	for _, s := range d[:3] {
		o.addString(s)
	}
	if tc := d[3]; len(tc) > 0 && tc[0] == '[' {
		_ = jsonscan.Each(tc, o.toolCall)
	}
	return true
}

// toolCall counts the name and argument text of a streamed tool call.
func (o *SSEObserver) toolCall(tc []byte) bool {
	var fn [1][]byte
	if tc[0] != '{' || jsonscan.Extract(tc, []string{"function"}, fn[:]) != nil || len(fn[0]) == 0 || fn[0][0] != '{' {
		return true
	}
	var v [2][]byte
	if jsonscan.Extract(fn[0], []string{"name", "arguments"}, v[:]) == nil {
		o.addString(v[0])
		o.addString(v[1])
	}
	return true
}

// addString counts the text of a raw JSON string; other values are ignored.
func (o *SSEObserver) addString(raw []byte) {
	o.rec.note(raw)
	o.scratch = addString(&o.text, o.scratch, raw)
}

// addString decodes the JSON string raw into scratch and adds it to t.
func addString(t *textCounter, scratch, raw []byte) []byte {
	if len(raw) < 2 || raw[0] != '"' {
		return scratch
	}
	if t.full() || bytes.IndexByte(raw, '\\') < 0 {
		// Once the sample is taken only the length counts; escapes
		// make it a little longer than the text.
		t.add(raw[1 : len(raw)-1])
		return scratch
	}
	scratch, err := jsonscan.AppendUnquote(scratch[:0], raw)
	if err == nil {
		t.add(scratch)
	}
	return scratch
}

// remember keeps the stream's id, object kind, creation time and model.
func (o *SSEObserver) remember(id, object, created, model []byte) {
	if len(id) == 0 || id[0] != '"' || len(id) > maxRemembered || len(model) > maxRemembered {
		return
	}
	o.hasMeta = true
	o.meta = append(o.meta[:0], id...)
	o.idLen = len(id)
	if len(model) > 0 && model[0] == '"' {
		o.meta = append(o.meta, model...)
	}
	if n, ok := readCount(created); ok {
		o.created = n
	}
	if string(object) == `"text_completion"` {
		o.completion = true
	}
}

// Usage is the usage so far: the backend's last report, or else the prompt
// estimate and a cheap running count of the completion text (Estimated).
// It costs a few nanoseconds, so a relay may check it after every event.
func (o *SSEObserver) Usage() Usage {
	if o.hasUsage {
		return o.reported
	}
	return Usage{PromptTokens: o.prompt, CompletionTokens: o.text.running(), Estimated: true}
}

// Final is the usage to settle once the stream is over (finished, cut or
// abandoned). It is Usage, except that without a backend report the
// completion is counted with the tokenizer on the first 4 KiB of text and
// scaled to the rest (up to about 0.4 ms, once).
func (o *SSEObserver) Final() Usage {
	if o.hasUsage {
		return o.reported
	}
	return Usage{PromptTokens: o.prompt, CompletionTokens: o.text.final(), Estimated: true}
}

// Done reports whether the stream's "data: [DONE]" was seen.
func (o *SSEObserver) Done() bool { return o.done }

func isEmptyArray(raw []byte) bool {
	return len(raw) >= 2 && raw[0] == '[' && len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0
}
