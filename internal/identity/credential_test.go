package identity

import (
	"encoding/base64"
	"net/http/httptest"
	"testing"
)

func TestCredential(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"bearer", map[string]string{"Authorization": "Bearer sk-wd-abc"}, "sk-wd-abc"},
		{"bearer lower case", map[string]string{"Authorization": "bearer sk-wd-abc"}, "sk-wd-abc"},
		{"bearer upper case", map[string]string{"Authorization": "BEARER sk-wd-abc"}, "sk-wd-abc"},
		{"bearer extra spaces", map[string]string{"Authorization": "Bearer   sk-wd-abc  "}, "sk-wd-abc"},
		{"bearer without key", map[string]string{"Authorization": "Bearer"}, ""},
		{"x-api-key", map[string]string{"X-Api-Key": "sk-wd-abc"}, "sk-wd-abc"},
		{"x-api-key trimmed", map[string]string{"X-Api-Key": "  sk-wd-abc "}, "sk-wd-abc"},
		{"basic password", map[string]string{"Authorization": basic("alice:sk-wd-abc")}, "sk-wd-abc"},
		{"basic lower case scheme", map[string]string{"Authorization": "basic " + base64.StdEncoding.EncodeToString([]byte("u:sk-wd-abc"))}, "sk-wd-abc"},
		{"basic empty user", map[string]string{"Authorization": basic(":sk-wd-abc")}, "sk-wd-abc"},
		{"basic password with colon", map[string]string{"Authorization": basic("u:a:b")}, "a:b"},
		{"basic without colon", map[string]string{"Authorization": basic("sk-wd-abc")}, ""},
		{"basic empty password", map[string]string{"Authorization": basic("alice:")}, ""},
		{"basic not base64", map[string]string{"Authorization": "Basic !!!not-base64!!!"}, ""},
		{"basic empty", map[string]string{"Authorization": "Basic "}, ""},
		{"digest scheme", map[string]string{"Authorization": "Digest username=x"}, ""},
		{"token without scheme", map[string]string{"Authorization": "sk-wd-abc"}, ""},
		{"bearer wins over x-api-key", map[string]string{"Authorization": "Bearer one", "X-Api-Key": "two"}, "one"},
		{"nothing", nil, ""},
		{"empty x-api-key", map[string]string{"X-Api-Key": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/models", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if got := Credential(r); got != tt.want {
				t.Fatalf("Credential = %q, want %q", got, tt.want)
			}
		})
	}
}
