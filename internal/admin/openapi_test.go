package admin_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// documentedPrefixes are the path prefixes whose routes the OpenAPI document must describe.
var documentedPrefixes = []string{"/admin/v1/", "/key/", "/team/", "/user/", "/spend/"}

// wildcard matches a ServeMux wildcard: {name}, {name...} or {$}.
var wildcard = regexp.MustCompile(`\{([a-z_]*)(\.\.\.)?\}|\{\$\}`)

// normalize writes a route in the document's syntax: "GET /a/{id}" (ServeMux's {id...} is {id}).
func normalize(route string) string {
	return wildcard.ReplaceAllString(route, "{$1}")
}

func TestOpenAPIDocumentDescribesExactlyTheRoutes(t *testing.T) {
	w := start(t)
	user := newUser(t, w, "bob", "pending", nil) // any authenticated caller may read it
	status, raw, hdr := w.Do(t, "GET", "/admin/v1/openapi.json", user, nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s %s", status, hdr.Get("Content-Type"), raw)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Info       struct{ Title, Version string }      `json:"info"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]any `json:"schemas"`
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info.Title == "" || doc.Info.Version == "" || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json lacks openapi, info or paths: %.300s", raw)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("no bearer security scheme: %+v", doc.Components.SecuritySchemes)
	}

	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, route := range w.Server.Routes() {
		method, path, ok := strings.Cut(route, " ")
		if ok && slices.ContainsFunc(documentedPrefixes, func(p string) bool { return strings.HasPrefix(path, p) }) {
			served[normalize(method+" "+path)] = true
		}
	}
	if len(served) < 40 {
		t.Fatalf("only %d management routes found: %v", len(served), slices.Sorted(maps.Keys(served)))
	}
	for _, r := range slices.Sorted(maps.Keys(served)) {
		if !documented[r] {
			t.Errorf("route %q is not in the OpenAPI document", r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(documented)) {
		if !served[r] {
			t.Errorf("the OpenAPI document describes %q, which the server does not have", r)
		}
	}

	// Every reference resolves, and every write with a body and every answer is by reference.
	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if doc.Components.Schemas[ref[1]] == nil {
			t.Errorf("reference to a missing schema %s", ref[1])
		}
	}
	for _, route := range []string{"post /admin/v1/keys", "patch /admin/v1/users/{id}", "post /team/new"} {
		method, path, _ := strings.Cut(route, " ")
		op := doc.Paths[path][method]
		body, _ := json.Marshal(op["requestBody"])
		if !strings.Contains(string(body), "#/components/schemas/") {
			t.Errorf("%s: request body not by reference: %s", route, body)
		}
	}
}

func TestOpenAPIDocumentNeedsAKey(t *testing.T) {
	w := start(t)
	if s, _, raw := do(t, w, "GET", "/admin/v1/openapi.json", "", nil); s != http.StatusUnauthorized {
		t.Fatalf("without a key: %d %s", s, raw)
	}
}

// The schemas follow the Go types: a native field appears under its native name.
func TestOpenAPISchemasFollowTheWireNames(t *testing.T) {
	w := start(t)
	_, raw, _ := w.Do(t, "GET", "/admin/v1/openapi.json", master, nil)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Key":                {"id", "alias", "user_id", "team_id", "models", "endpoints", "limits", "expires_at"},
		"KeyCreate":          {"user_id", "team_id", "alias", "models", "endpoints", "duration", "limits"},
		"LimitsInput":        {"max_budget", "budget_duration", "rpm_limit", "tpm_limit", "max_parallel_requests", "max_tokens_budget"},
		"UserPatch":          {"email", "name", "role", "blocked", "limits"},
		"LiteLLMKeyGenerate": {"key_alias", "allowed_routes", "max_budget", "rpm_limit"},
		"EventPage":          {"items", "total", "next_offset", "events"},
	}
	for name, fields := range want {
		for _, f := range fields {
			if _, ok := doc.Components.Schemas[name].Properties[f]; !ok {
				t.Errorf("schema %s has no property %q: %v", name, f, slices.Sorted(maps.Keys(doc.Components.Schemas[name].Properties)))
			}
		}
	}
}
