package ollama

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What the *ToOpenAI functions do with Ollama fields that have no OpenAI
// equivalent:
//   - options other than temperature, top_p, seed, stop, num_predict,
//     frequency_penalty and presence_penalty are dropped, as are keep_alive,
//     think, truncate, shift, logprobs and generate's context;
//   - generate's suffix, template and raw mode are refused (a chat endpoint
//     cannot honour them) rather than silently ignored;
//   - images become OpenAI image_url content parts with data: URLs; they must
//     be PNG, JPEG, GIF or WebP.

// chatRequest is the part of Ollama's /api/chat body that is translated.
type chatRequest struct {
	Model     string                     `json:"model"`
	Messages  []message                  `json:"messages"`
	Stream    *bool                      `json:"stream"`
	Format    json.RawMessage            `json:"format"`
	Tools     json.RawMessage            `json:"tools"`
	Options   map[string]json.RawMessage `json:"options"`
	KeepAlive json.RawMessage            `json:"keep_alive"`
}

type message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	Images     []string   `json:"images"`
	ToolCalls  []toolCall `json:"tool_calls"`
	ToolName   string     `json:"tool_name"`
	ToolCallID string     `json:"tool_call_id"`
}

type toolCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type generateRequest struct {
	Model     string                     `json:"model"`
	Prompt    string                     `json:"prompt"`
	Suffix    string                     `json:"suffix"`
	System    string                     `json:"system"`
	Template  string                     `json:"template"`
	Raw       bool                       `json:"raw"`
	Stream    *bool                      `json:"stream"`
	Format    json.RawMessage            `json:"format"`
	Images    []string                   `json:"images"`
	Options   map[string]json.RawMessage `json:"options"`
	KeepAlive json.RawMessage            `json:"keep_alive"`
}

type embedRequest struct {
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Dimensions int             `json:"dimensions"`
}

type embeddingsRequest struct {
	Model  string `json:"model"`
	Prompt string `json:"prompt"`
}

// oaChatRequest is the /v1/chat/completions body sent upstream.
type oaChatRequest struct {
	Model            string           `json:"model"`
	Messages         []oaMessage      `json:"messages"`
	Stream           bool             `json:"stream"`
	StreamOptions    *oaStreamOptions `json:"stream_options,omitempty"`
	Temperature      *float64         `json:"temperature,omitempty"`
	TopP             *float64         `json:"top_p,omitempty"`
	Seed             *int64           `json:"seed,omitempty"`
	Stop             []string         `json:"stop,omitempty"`
	MaxTokens        *int64           `json:"max_tokens,omitempty"`
	FrequencyPenalty *float64         `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64         `json:"presence_penalty,omitempty"`
	ResponseFormat   json.RawMessage  `json:"response_format,omitempty"`
	Tools            json.RawMessage  `json:"tools,omitempty"`
}

type oaStreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type oaMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []oaToolCall    `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

type oaToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type oaEmbedRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions,omitempty"`
}

// ChatToOpenAI translates an Ollama /api/chat body into an OpenAI
// /v1/chat/completions body for upstreamModel. Streaming stays as requested
// (default true) and, when on, always asks for usage. A request with no
// messages is answered by Ollama itself (it only loads the model): for it
// the error is a *LocalAnswer holding that answer.
func ChatToOpenAI(body []byte, upstreamModel string) ([]byte, error) {
	var in chatRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Messages) == 0 {
		return nil, localLoad(StreamChat, in.Model, in.KeepAlive)
	}
	out := oaChatRequest{Model: upstreamModel}
	setStream(&out, in.Stream)
	ids := map[string]string{} // tool name -> id of its latest call, for tool results
	for i, m := range in.Messages {
		om, err := translateMessage(i, m, ids)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, om)
	}
	if err := applyCommon(&out, in.Options, in.Format); err != nil {
		return nil, err
	}
	if tools := bytes.TrimSpace(in.Tools); len(tools) > 0 && string(tools) != "null" {
		if tools[0] != '[' {
			return nil, badRequest("tools must be an array")
		}
		out.Tools = tools
	}
	return encode(out)
}

// GenerateToOpenAI translates an Ollama /api/generate body into an OpenAI
// /v1/chat/completions body: system and prompt (with its images) become a
// system and a user message. An empty prompt only loads the model in
// Ollama: for it the error is a *LocalAnswer.
func GenerateToOpenAI(body []byte, upstreamModel string) ([]byte, error) {
	var in generateRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Suffix != "":
		return nil, badRequest("suffix is not supported for this model")
	case in.Template != "":
		return nil, badRequest("template is not supported for this model")
	case in.Raw:
		return nil, badRequest("raw mode is not supported for this model")
	case in.Prompt == "" && len(in.Images) == 0:
		return nil, localLoad(StreamGenerate, in.Model, in.KeepAlive)
	}
	out := oaChatRequest{Model: upstreamModel}
	setStream(&out, in.Stream)
	if in.System != "" {
		out.Messages = append(out.Messages, oaMessage{Role: "system", Content: jsonString(in.System)})
	}
	user, err := translateMessage(0, message{Role: "user", Content: in.Prompt, Images: in.Images}, nil)
	if err != nil {
		return nil, err
	}
	out.Messages = append(out.Messages, user)
	if err := applyCommon(&out, in.Options, in.Format); err != nil {
		return nil, err
	}
	return encode(out)
}

// EmbedToOpenAI translates an Ollama /api/embed body into an OpenAI
// /v1/embeddings body. Empty input is answered by Ollama itself with no
// embeddings: for it the error is a *LocalAnswer.
func EmbedToOpenAI(body []byte, upstreamModel string) ([]byte, error) {
	var in embedRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	input, err := embedInput(in.Input)
	if err != nil {
		return nil, err
	}
	if input == nil {
		return nil, &LocalAnswer{Body: embedEmpty(in.Model)}
	}
	if in.Dimensions < 0 {
		return nil, badRequest("dimensions must not be negative")
	}
	return encode(oaEmbedRequest{Model: upstreamModel, Input: input, EncodingFormat: "float", Dimensions: in.Dimensions})
}

// EmbeddingsToOpenAI translates a legacy Ollama /api/embeddings body
// ({"prompt": "..."}) into an OpenAI /v1/embeddings body. An empty prompt
// is answered by Ollama itself: for it the error is a *LocalAnswer.
func EmbeddingsToOpenAI(body []byte, upstreamModel string) ([]byte, error) {
	var in embeddingsRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Prompt == "" {
		return nil, &LocalAnswer{Body: []byte(`{"embedding":[]}` + "\n")}
	}
	return encode(oaEmbedRequest{Model: upstreamModel, Input: jsonString(in.Prompt), EncodingFormat: "float"})
}

// embedInput checks Ollama's input (a string or an array of strings) and
// returns it as JSON, or nil when there is nothing to embed.
func embedInput(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return nil, err
		}
		return jsonString(s), nil
	case '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, badRequest("invalid input type")
		}
		if len(list) == 0 {
			return nil, nil
		}
		return encode(list)
	}
	return nil, badRequest("invalid input type")
}

// setStream keeps Ollama's default (stream unless told otherwise) and asks
// a streaming backend for usage, which the final Ollama frame reports.
func setStream(out *oaChatRequest, stream *bool) {
	out.Stream = stream == nil || *stream
	if out.Stream {
		out.StreamOptions = &oaStreamOptions{IncludeUsage: true}
	}
}

// translateMessage maps one Ollama message. ids maps tool names to the id of
// their latest call so that tool results can name the call they answer.
func translateMessage(i int, m message, ids map[string]string) (oaMessage, error) {
	out := oaMessage{Role: strings.ToLower(m.Role)}
	for j, tc := range m.ToolCalls {
		args, err := toolArguments(tc.Function.Arguments)
		if err != nil {
			return out, badRequest(fmt.Sprintf("messages[%d].tool_calls[%d].function.arguments must be an object", i, j))
		}
		id := tc.ID
		if id == "" {
			id = fmt.Sprintf("call_%d_%d", i, j)
		}
		if ids != nil {
			ids[tc.Function.Name] = id
		}
		oc := oaToolCall{ID: id, Type: "function"}
		oc.Function.Name = tc.Function.Name
		oc.Function.Arguments = args
		out.ToolCalls = append(out.ToolCalls, oc)
	}
	if out.Role == "tool" {
		out.ToolCallID = m.ToolCallID
		if out.ToolCallID == "" && ids != nil {
			out.ToolCallID = ids[m.ToolName]
		}
	}
	switch {
	case len(m.Images) > 0:
		content, err := contentParts(i, m.Content, m.Images)
		if err != nil {
			return out, err
		}
		out.Content = content
	case m.Content == "" && len(out.ToolCalls) > 0:
		out.Content = json.RawMessage("null")
	default:
		out.Content = jsonString(m.Content)
	}
	return out, nil
}

// toolArguments turns Ollama's arguments object into OpenAI's JSON string.
func toolArguments(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", nil
	}
	if raw[0] != '{' {
		return "", errors.New("not an object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// applyCommon maps options and format, shared by chat and generate.
func applyCommon(out *oaChatRequest, opts map[string]json.RawMessage, format json.RawMessage) error {
	if err := applyOptions(out, opts); err != nil {
		return err
	}
	rf, err := responseFormat(format)
	if err != nil {
		return err
	}
	out.ResponseFormat = rf
	return nil
}

func applyOptions(out *oaChatRequest, opts map[string]json.RawMessage) error {
	var err error
	float := func(name string) *float64 {
		raw, ok := opts[name]
		if !ok || err != nil || isNullRaw(raw) {
			return nil
		}
		var v float64
		if e := json.Unmarshal(raw, &v); e != nil {
			err = badRequest(fmt.Sprintf("option %q must be a number", name))
			return nil
		}
		return &v
	}
	integer := func(name string) *int64 {
		f := float(name)
		if f == nil {
			return nil
		}
		if *f != float64(int64(*f)) {
			err = badRequest(fmt.Sprintf("option %q must be an integer", name))
			return nil
		}
		v := int64(*f)
		return &v
	}
	out.Temperature = float("temperature")
	out.TopP = float("top_p")
	out.FrequencyPenalty = float("frequency_penalty")
	out.PresencePenalty = float("presence_penalty")
	out.Seed = integer("seed")
	if n := integer("num_predict"); n != nil && *n > 0 { // -1 and -2 mean "no limit"
		out.MaxTokens = n
	}
	if err != nil {
		return err
	}
	if raw, ok := opts["stop"]; ok && !isNullRaw(raw) {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			out.Stop = []string{one}
		} else if json.Unmarshal(raw, &out.Stop) != nil {
			return badRequest(`option "stop" must be an array of strings`)
		}
	}
	return nil
}

// responseFormat maps Ollama's format ("json" or a JSON schema object).
func responseFormat(format json.RawMessage) (json.RawMessage, error) {
	format = bytes.TrimSpace(format)
	switch {
	case len(format) == 0 || string(format) == "null" || string(format) == `""`:
		return nil, nil
	case string(format) == `"json"`:
		return json.RawMessage(`{"type":"json_object"}`), nil
	case format[0] == '{':
		var buf bytes.Buffer
		buf.WriteString(`{"type":"json_schema","json_schema":{"name":"response","schema":`)
		if err := json.Compact(&buf, format); err != nil {
			return nil, badRequest("invalid format")
		}
		buf.WriteString(`}}`)
		return buf.Bytes(), nil
	}
	return nil, badRequest(`invalid format: must be "json" or a JSON schema object`)
}

func isNullRaw(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// localLoad builds the answer Ollama gives itself to a request with nothing
// to generate: it loads (or, with keep_alive 0, unloads) the model.
func localLoad(kind StreamKind, model string, keepAlive json.RawMessage) *LocalAnswer {
	reason := "load"
	if keepAliveZero(keepAlive) {
		reason = "unload"
	}
	return &LocalAnswer{Body: appendDone(nil, kind, model, time.Now(), reason, Usage{}, timings{})}
}

func keepAliveZero(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch t := v.(type) {
	case float64:
		return t == 0
	case string:
		d, err := time.ParseDuration(t)
		if err != nil {
			n, nerr := strconv.ParseFloat(t, 64)
			return nerr == nil && n == 0
		}
		return d == 0
	}
	return false
}

// decode unmarshals an Ollama body, turning encoding/json's messages into
// ones that name the field in the request's own terms.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("missing request body")
	}
	err := json.Unmarshal(body, v)
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field != "":
		return badRequest(fmt.Sprintf("%s must be %s", te.Field, kindName(te.Type.Kind().String())))
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, strings.TrimPrefix(err.Error(), "json: ")))
	}
	return badRequest(strings.TrimPrefix(err.Error(), "json: "))
}

func kindName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, badRequest(err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func jsonString(s string) json.RawMessage {
	b, _ := encode(s)
	return b
}
