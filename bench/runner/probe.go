package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxProbeBody bounds how much of an answer a check call reads.
const maxProbeBody = 1 << 20

// chatBody is the request body of both scenarios; wrk sends the same one from chat.lua.
func chatBody(model string, stream bool) string {
	extra := ""
	if stream {
		extra = `,"stream":true`
	}
	return `{"model":"` + model + `","messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16` + extra + `}`
}

// probe makes one chat call to baseURL and checks it the way chat.lua checks every response:
// status 200, a "choices" field, and for a stream more than chunks "data:" events ending in [DONE].
func probe(ctx context.Context, client *http.Client, baseURL, auth, model string, stream bool, chunks int) error {
	_, err := probeCall(ctx, client, baseURL, auth, model, stream, chunks)
	return err
}

// probeCall is probe that also returns the answer's headers.
func probeCall(ctx context.Context, client *http.Client, baseURL, auth, model string, stream bool, chunks int) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/chat/completions",
		strings.NewReader(chatBody(model, stream)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.Header, checkAnswer(resp.StatusCode, body, stream, chunks)
}

// checkAnswer applies the response checks of chat.lua to one answer.
func checkAnswer(status int, body []byte, stream bool, chunks int) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %s", status, snippet(body))
	}
	if !stream {
		if !bytes.Contains(body, []byte(`"choices"`)) {
			return fmt.Errorf("answer has no \"choices\": %s", snippet(body))
		}
		return nil
	}
	if !bytes.Contains(body, []byte("data: [DONE]")) {
		return fmt.Errorf("stream does not end with data: [DONE]: %s", snippet(body))
	}
	if n := bytes.Count(body, []byte("data: ")); n <= chunks {
		return fmt.Errorf("stream has %d data events, want more than %d", n, chunks)
	}
	return nil
}

// snippet shortens an answer for an error message.
func snippet(b []byte) string {
	const limit = 200
	s := strings.TrimSpace(string(b))
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}
