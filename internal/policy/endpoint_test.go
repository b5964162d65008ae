package policy

import (
	"strings"
	"testing"
)

func TestEndpointAllowed(t *testing.T) {
	chatOnly := []string{"/v1/chat/completions", "/v1/models"}
	ollama := []string{"/api/*"}
	tests := []struct {
		allowed []string
		path    string
		want    bool
	}{
		{nil, "/v1/chat/completions", true},
		{nil, "/anything//odd", true},
		{chatOnly, "/v1/chat/completions", true},
		{chatOnly, "/v1/models", true},
		{chatOnly, "/v1/completions", false},
		{chatOnly, "/v1/embeddings", false},
		{chatOnly, "/api/tags", false}, // listing endpoints are endpoints too
		{chatOnly, "/v1/chat/completions/", false},
		{chatOnly, "/v1/chat//completions", false},
		{chatOnly, "/v1/chat/completions/../completions", false},
		{chatOnly, "/v1/embeddings/../chat/completions", false},
		{chatOnly, "/v1/./models", false},
		{chatOnly, "/V1/MODELS", false},
		{chatOnly, "v1/models", false},
		{chatOnly, "", false},
		{ollama, "/api/chat", true},
		{ollama, "/api/tags", true},
		{ollama, "/api/x/y", true},
		{ollama, "/api", false},
		{ollama, "/api/", false},
		{ollama, "/apix/chat", false},
		{ollama, "/v1/models", false},
		{ollama, "/api/../admin/v1/keys", false},
		{[]string{"/*"}, "/v1/models", true},
		{[]string{"/*"}, "/", false},
		{[]string{"/v1/models", "/api/*"}, "/api/generate", true},
	}
	for _, tt := range tests {
		if got := EndpointAllowed(tt.allowed, tt.path); got != tt.want {
			t.Errorf("EndpointAllowed(%q, %q) = %v, want %v", tt.allowed, tt.path, got, tt.want)
		}
	}
}

func TestValidateEndpoints(t *testing.T) {
	for _, ok := range [][]string{nil, {"/v1/models", "/api/*", "/*", "/"}} {
		if err := ValidateEndpoints(ok); err != nil {
			t.Errorf("ValidateEndpoints(%q) = %v", ok, err)
		}
	}
	tests := []struct {
		entries []string
		want    string
	}{
		{[]string{"/v1/models", ""}, "empty endpoint in allowed_routes (position 2)"},
		{[]string{"v1/models"}, `bad endpoint "v1/models" in allowed_routes: must start with "/"`},
		{[]string{"/v1/*/completions"}, `bad endpoint "/v1/*/completions" in allowed_routes: "*" is allowed only as a final "/*"`},
		{[]string{"/v1*"}, `"*" is allowed only as a final "/*"`},
		{[]string{"/v1/models/"}, `bad endpoint "/v1/models/" in allowed_routes: must be a clean path`},
		{[]string{"/v1/../admin"}, "must be a clean path"},
		{[]string{"/v1//*"}, "must be a clean path"},
		{[]string{"/v1/chat completions"}, "no spaces or control characters"},
		{[]string{"/" + strings.Repeat("a", MaxEntryLen)}, "longer than 256 bytes"},
		{make([]string, MaxEntries+1), "too many endpoints"},
	}
	for _, tt := range tests {
		err := ValidateEndpoints(tt.entries)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ValidateEndpoints(%.40q) = %v, want %q", tt.entries, err, tt.want)
		}
	}
}
