package openai

import "testing"

func TestSetIncludeUsage(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"model":"m","stream":true}`, `{"stream_options":{"include_usage":true},"model":"m","stream":true}`},
		{`{"model":"m","stream_options":null}`, `{"model":"m","stream_options":{"include_usage":true}}`},
		{`{"model":"m","stream_options":{"include_usage":false,"continuous_usage_stats":true}}`,
			`{"model":"m","stream_options":{"include_usage":true,"continuous_usage_stats":true}}`},
		{`{"model":"m","stream_options":{"x":1}}`, `{"model":"m","stream_options":{"include_usage":true,"x":1}}`},
	}
	for _, tt := range tests {
		got, err := SetIncludeUsage([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
		req, err := ParseRequest(got)
		if err != nil || !req.IncludeUsage {
			t.Errorf("%s: re-parse %+v %v", got, req, err)
		}
	}
	for _, bad := range []string{`{"stream_options":[1]}`, `{"model":}`, `[]`} {
		if _, err := SetIncludeUsage([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
