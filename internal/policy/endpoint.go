package policy

import (
	"fmt"
	"path"
	"strings"
)

// EndpointAllowed reports whether a key limited to the endpoint paths in
// allowed may call path (like Open WebUI's API_KEYS_ALLOWED_ENDPOINTS). An
// empty allowed means no limit. Each entry is an exact path ("/v1/models"), or
// a prefix ending in "/*" ("/api/*" allows "/api/chat" but not "/api"). Listing
// endpoints (/v1/models, /api/tags) are endpoints like any other. path is the
// request's decoded URL path; one that is not clean ("//", "/./", "/../", a
// trailing "/") is refused whenever allowed is not empty, so that no spelling
// of a path escapes the list. It does not allocate.
func EndpointAllowed(allowed []string, urlPath string) bool {
	if len(allowed) == 0 {
		return true
	}
	if !strings.HasPrefix(urlPath, "/") || path.Clean(urlPath) != urlPath {
		return false
	}
	for _, e := range allowed {
		if prefix, ok := strings.CutSuffix(e, "/*"); ok {
			if len(urlPath) > len(prefix)+1 && urlPath[len(prefix)] == '/' && strings.HasPrefix(urlPath, prefix) {
				return true
			}
		} else if e == urlPath {
			return true
		}
	}
	return false
}

// ValidateEndpoints checks an endpoint list as a key is created or updated:
// each entry is a clean absolute path, optionally ending in "/*", with no other
// '*', no spaces or control characters, and at most MaxEntryLen bytes. The
// error names the first bad entry.
func ValidateEndpoints(entries []string) error {
	if len(entries) > MaxEntries {
		return fmt.Errorf("too many endpoints in allowed_routes: at most %d", MaxEntries)
	}
	for i, e := range entries {
		if msg := endpointProblem(e); msg != "" {
			if e == "" {
				return fmt.Errorf("empty endpoint in allowed_routes (position %d)", i+1)
			}
			return fmt.Errorf("bad endpoint %s in allowed_routes: %s", quote(e), msg)
		}
	}
	return nil
}

func endpointProblem(e string) string {
	p, _ := strings.CutSuffix(e, "/*")
	switch {
	case e == "":
		return "empty"
	case len(e) > MaxEntryLen:
		return fmt.Sprintf("longer than %d bytes", MaxEntryLen)
	case strings.IndexFunc(e, notPrintable) >= 0:
		return "no spaces or control characters"
	case !strings.HasPrefix(e, "/"):
		return `must start with "/"`
	case strings.Contains(p, "*"):
		return `"*" is allowed only as a final "/*"`
	case p != "" && path.Clean(p) != p:
		return `must be a clean path (no "//", ".", ".." or trailing "/")`
	}
	return ""
}
