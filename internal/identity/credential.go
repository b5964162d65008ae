package identity

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// Credential extracts the API key a request presents: "Authorization: Bearer K", "x-api-key: K",
// or K as the password of HTTP Basic auth. It returns "" when none is present.
func Credential(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, rest, _ := strings.Cut(auth, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			return rest
		case strings.EqualFold(scheme, "Basic"):
			raw, err := base64.StdEncoding.DecodeString(rest)
			if err != nil {
				return ""
			}
			_, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return ""
			}
			return pass
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-Api-Key"))
}
