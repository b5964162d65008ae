package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	oa "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		status           int
		code, msg, typ   string
		wantCodeIsString bool
	}{
		{400, "", "model is required", "invalid_request_error", false},
		{401, "invalid_api_key", "invalid API key", "authentication_error", true},
		{403, "model_not_allowed", "model \"x\" is not allowed for this key", "permission_error", true},
		{404, "model_not_found", "no such model", "invalid_request_error", true},
		{413, "", "body too large", "invalid_request_error", false},
		{422, "", "unprocessable", "invalid_request_error", false},
		{429, "rate_limit_exceeded", "slow down", "rate_limit_error", true},
		{500, "", "internal error", "server_error", false},
		{502, "", "upstream failed", "server_error", false},
		{503, "", "no healthy backend", "server_error", false},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		WriteError(rec, tt.status, tt.code, tt.msg)
		if rec.Code != tt.status {
			t.Errorf("status %d: wrote %d", tt.status, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("status %d: Content-Type %q", tt.status, ct)
		}
		var body struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Param   *string `json:"param"`
				Code    *string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("status %d: %v in %s", tt.status, err, rec.Body)
		}
		e := body.Error
		if e.Message != tt.msg || e.Type != tt.typ || e.Param != nil {
			t.Errorf("status %d: got %+v", tt.status, e)
		}
		if (e.Code != nil) != tt.wantCodeIsString || (e.Code != nil && *e.Code != tt.code) {
			t.Errorf("status %d: code = %v, want %q", tt.status, e.Code, tt.code)
		}
	}
}

// The official SDK must surface our message, type and code.
func TestWriteErrorReadByOpenAIClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusForbidden, "model_not_allowed", `model "gpt-x" is not allowed`)
	}))
	defer srv.Close()
	client := oa.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey("sk-test"), option.WithMaxRetries(0))
	_, err := client.Chat.Completions.New(context.Background(), oa.ChatCompletionNewParams{
		Model:    "gpt-x",
		Messages: []oa.ChatCompletionMessageParamUnion{oa.UserMessage("hi")},
	})
	var apiErr *oa.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want *openai.Error", err)
	}
	if apiErr.StatusCode != 403 || apiErr.Message != `model "gpt-x" is not allowed` || apiErr.Type != "permission_error" || apiErr.Code != "model_not_allowed" {
		t.Errorf("client saw %d %q %q %q", apiErr.StatusCode, apiErr.Message, apiErr.Type, apiErr.Code)
	}
}
