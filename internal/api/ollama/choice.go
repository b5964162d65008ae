package ollama

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// maxToolCallBytes bounds the tool-call arguments collected from one answer.
const maxToolCallBytes = 4 << 20

// maxErrorMessage bounds an upstream error message passed on to a caller.
const maxErrorMessage = 1024

// chunk is what Warden reads from one OpenAI response object or stream chunk.
type chunk struct {
	content, thinking []byte // raw JSON strings; nil when absent, null or empty
	toolCalls         []byte // raw JSON array; nil when absent
	finish            string
	hasFinish         bool
	hasChoice         bool
	usage             Usage
	hasUsage          bool
	errMsg            string // set when the object is an error
}

// readChunk reads an OpenAI chat.completion or chat.completion.chunk. Only
// the choice with index 0 counts.
func readChunk(data []byte) (chunk, error) {
	var c chunk
	var vals [5][]byte
	if err := jsonscan.Extract(data, []string{"choices", "usage", "error", "object", "message"}, vals[:]); err != nil {
		return c, err
	}
	choices, usage, errRaw, object, message := vals[0], vals[1], vals[2], vals[3], vals[4]
	if errRaw != nil && !isNull(errRaw) {
		c.errMsg = errorText(errRaw)
		if c.errMsg == "" {
			c.errMsg = "upstream error"
		}
		return c, nil
	}
	if string(object) == `"error"` {
		if c.errMsg = stringValue(message); c.errMsg == "" {
			c.errMsg = "upstream error"
		}
		return c, nil
	}
	if usage != nil && usage[0] == '{' {
		var u [2][]byte
		if err := jsonscan.Extract(usage, []string{"prompt_tokens", "completion_tokens"}, u[:]); err != nil {
			return c, err
		}
		c.usage.PromptTokens, c.usage.CompletionTokens = count(u[0]), count(u[1])
		c.hasUsage = true
	}
	if choices == nil || isNull(choices) {
		return c, nil
	}
	if choices[0] != '[' {
		return c, errors.New(`"choices" is not an array`)
	}
	var choice []byte
	err := jsonscan.Each(choices, func(e []byte) bool {
		var idx [1][]byte
		if e[0] != '{' || jsonscan.Extract(e, []string{"index"}, idx[:]) != nil {
			return true
		}
		if idx[0] == nil || string(idx[0]) == "0" {
			choice = e
			return false
		}
		return true
	})
	if err != nil || choice == nil {
		return c, err
	}
	c.hasChoice = true
	return c, readChoice(&c, choice)
}

func readChoice(c *chunk, choice []byte) error {
	var v [4][]byte
	if err := jsonscan.Extract(choice, []string{"index", "delta", "message", "finish_reason"}, v[:]); err != nil {
		return err
	}
	if f := v[3]; f != nil && !isNull(f) {
		s, err := jsonscan.Unquote(f)
		if err != nil {
			return errors.New(`"finish_reason" is not a string`)
		}
		c.finish, c.hasFinish = s, true
	}
	body := v[1] // stream delta
	if body == nil || isNull(body) {
		body = v[2] // complete message
	}
	if body == nil || isNull(body) {
		return nil
	}
	if body[0] != '{' {
		return errors.New("choice message is not an object")
	}
	var m [4][]byte
	if err := jsonscan.Extract(body, []string{"content", "reasoning_content", "reasoning", "tool_calls"}, m[:]); err != nil {
		return err
	}
	var err error
	if c.content, err = textValue(m[0]); err != nil {
		return fmt.Errorf("content: %w", err)
	}
	if c.thinking, err = textValue(m[1]); err != nil {
		return fmt.Errorf("reasoning_content: %w", err)
	}
	if c.thinking == nil {
		if c.thinking, err = textValue(m[2]); err != nil {
			return fmt.Errorf("reasoning: %w", err)
		}
	}
	if tc := m[3]; tc != nil && !isNull(tc) {
		if tc[0] != '[' {
			return errors.New(`"tool_calls" is not an array`)
		}
		c.toolCalls = tc
	}
	return nil
}

// textValue returns a JSON string as is, null or "" as nil, and the text
// parts of an array of content parts joined into one JSON string.
func textValue(raw []byte) ([]byte, error) {
	switch {
	case raw == nil || isNull(raw) || string(raw) == `""`:
		return nil, nil
	case raw[0] == '"':
		return raw, nil
	case raw[0] != '[':
		return nil, errors.New("not a string")
	}
	var text []byte
	err := jsonscan.Each(raw, func(part []byte) bool {
		var v [1][]byte
		if part[0] == '{' && jsonscan.Extract(part, []string{"text"}, v[:]) == nil && v[0] != nil {
			text, _ = jsonscan.AppendUnquote(text, v[0])
		}
		return true
	})
	if err != nil || len(text) == 0 {
		return nil, err
	}
	return jsonscan.AppendString(nil, string(text)), nil
}

func isNull(raw []byte) bool { return string(raw) == "null" }

// count reads a non-negative integer token count; anything else is 0.
func count(raw []byte) int {
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// stringValue decodes a JSON string, or returns "" for anything else.
func stringValue(raw []byte) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	s, _ := jsonscan.Unquote(raw)
	return s
}

// errorText reads the message of an OpenAI-style "error" value: an object
// with "message", or a plain string.
func errorText(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		return clip(stringValue(raw))
	}
	var v [1][]byte
	if raw[0] != '{' || jsonscan.Extract(raw, []string{"message"}, v[:]) != nil {
		return ""
	}
	return clip(stringValue(v[0]))
}

// clip bounds a message at a rune boundary.
func clip(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	cut := maxErrorMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// toolCalls collects tool calls from a complete message or from stream
// deltas, where one call's arguments arrive in pieces under its index.
type toolCalls struct {
	calls []pendingCall
	size  int
}

type pendingCall struct {
	index    int
	id, name string
	args     []byte // the arguments JSON text, unescaped from OpenAI's string
}

func (t *toolCalls) add(raw []byte) error {
	pos := 0
	var err error
	jerr := jsonscan.Each(raw, func(e []byte) bool {
		err = t.addOne(e, pos)
		pos++
		return err == nil
	})
	if jerr != nil {
		return jerr
	}
	return err
}

func (t *toolCalls) addOne(e []byte, pos int) error {
	if e[0] != '{' {
		return errors.New("tool call is not an object")
	}
	var v [3][]byte
	if err := jsonscan.Extract(e, []string{"index", "id", "function"}, v[:]); err != nil {
		return err
	}
	index := pos
	if v[0] != nil {
		n, err := strconv.Atoi(string(v[0]))
		if err != nil || n < 0 {
			return errors.New("tool call index is not a non-negative integer")
		}
		index = n
	}
	call := t.find(index)
	if id := stringValue(v[1]); id != "" {
		call.id = id
	}
	fn := v[2]
	if fn == nil || isNull(fn) {
		return nil
	}
	if fn[0] != '{' {
		return errors.New("tool call function is not an object")
	}
	var f [2][]byte
	if err := jsonscan.Extract(fn, []string{"name", "arguments"}, f[:]); err != nil {
		return err
	}
	if name := stringValue(f[0]); name != "" {
		call.name = name
	}
	switch args := f[1]; {
	case args == nil || isNull(args):
	case args[0] == '"':
		before := len(call.args)
		var err error
		if call.args, err = jsonscan.AppendUnquote(call.args, args); err != nil {
			return err
		}
		t.size += len(call.args) - before
	default: // some servers send the object itself
		call.args = append(call.args, args...)
		t.size += len(args)
	}
	if t.size > maxToolCallBytes {
		return fmt.Errorf("tool call arguments larger than %d bytes", maxToolCallBytes)
	}
	return nil
}

func (t *toolCalls) find(index int) *pendingCall {
	for i := range t.calls {
		if t.calls[i].index == index {
			return &t.calls[i]
		}
	}
	t.calls = append(t.calls, pendingCall{index: index})
	return &t.calls[len(t.calls)-1]
}

// appendJSON writes the calls in Ollama's shape; arguments must be a JSON
// object (an empty string stands for {}).
func (t *toolCalls) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, '[')
	for i, c := range t.calls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		if c.id != "" {
			dst = append(dst, `"id":`...)
			dst = jsonscan.AppendString(dst, c.id)
			dst = append(dst, ',')
		}
		dst = append(dst, `"function":{"index":`...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, `,"name":`...)
		dst = jsonscan.AppendString(dst, c.name)
		dst = append(dst, `,"arguments":`...)
		args := bytes.TrimSpace(c.args)
		if len(args) == 0 {
			args = []byte("{}")
		}
		if args[0] != '{' || jsonscan.ValidObject(args) != nil {
			return nil, fmt.Errorf("upstream tool call %q has arguments that are not a JSON object", c.name)
		}
		dst = append(dst, args...)
		dst = append(dst, "}}"...)
	}
	return append(dst, ']'), nil
}
