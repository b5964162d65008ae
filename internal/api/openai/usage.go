package openai

import (
	"github.com/warden-gw/warden/internal/api/jsonscan"
)

// SetIncludeUsage returns a copy of a streaming request body with
// stream_options.include_usage set to true, keeping any other
// stream_options, so the backend reports token usage in a final chunk
// (one whose "choices" is empty). A caller that did not ask for usage
// should not be sent that chunk.
func SetIncludeUsage(body []byte) ([]byte, error) {
	var vals [1][]byte
	if err := jsonscan.Extract(body, []string{"stream_options"}, vals[:]); err != nil {
		return nil, jsonError(err)
	}
	opts := []byte(`{"include_usage":true}`)
	if cur := vals[0]; cur != nil && !isNull(cur) {
		if cur[0] != '{' {
			return nil, &ParseError{Param: "stream_options", Msg: "stream_options must be an object"}
		}
		var err error
		if opts, err = jsonscan.SetTopLevelRaw(cur, "include_usage", []byte("true")); err != nil {
			return nil, &ParseError{Param: "stream_options", Msg: err.Error(), Err: err}
		}
	}
	return jsonscan.SetTopLevelRaw(body, "stream_options", opts)
}
