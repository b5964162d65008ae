package admin

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The OpenAPI document is built from two sources: the operations table in openapi_ops.go, written
// by hand so that a test can compare it with the routes the server really has, and the schemas,
// derived from the Go types the handlers decode and encode, so that they cannot drift from them.

// serveOpenAPI answers GET /admin/v1/openapi.json to any authenticated caller.
func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if _, err := callerOf(r); err != nil {
		a.failNative(w, r, err, nil)
		return
	}
	doc, err := a.openapi()
	if err != nil {
		a.failNative(w, r, err, nil)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(doc)
}

// OpenAPI returns the OpenAPI 3.0.3 document of the management API, as served at
// /admin/v1/openapi.json.
func (a *API) OpenAPI() ([]byte, error) { return a.openapi() }

// buildOpenAPI builds the document: paths from docOperations, schemas from docSchemas.
func buildOpenAPI() ([]byte, error) {
	g := schemaGen{names: map[reflect.Type]string{}}
	for _, s := range docSchemas() {
		g.names[reflect.TypeOf(s.v)] = s.name
	}
	schemas := map[string]any{}
	for _, s := range docSchemas() {
		schemas[s.name] = g.define(reflect.TypeOf(s.v), s.about)
	}
	paths := map[string]map[string]any{}
	for _, op := range docOperations() {
		if paths[op.path] == nil {
			paths[op.path] = map[string]any{}
		}
		paths[op.path][strings.ToLower(op.method)] = op.build()
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Warden management API",
			"version": "1",
			"description": "The native REST API under /admin/v1 and the LiteLLM-compatible /key, /team, /user and " +
				"/spend endpoints. Authenticate with an API key as a bearer token; each route checks the caller's role.",
		},
		"security": []any{map[string]any{"bearer": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "A Warden API key (sk-...) or the master key"}},
			"schemas": schemas,
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// operation is one documented route.
type operation struct {
	method, path, tag, summary string
	query                      []string // query parameters
	body                       string   // schema of the request body, "" for none
	status                     int      // status of success
	answer                     string   // schema of the answer, "" for none
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (op operation) build() map[string]any {
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range op.query {
		params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
	}
	success := map[string]any{"description": http.StatusText(op.status)}
	if op.answer != "" {
		success["content"] = jsonContent(op.answer)
	}
	failure := func(s int) map[string]any {
		return map[string]any{"description": http.StatusText(s), "content": jsonContent("Error")}
	}
	responses := map[string]any{strconv.Itoa(op.status): success, "400": failure(400), "401": failure(401), "403": failure(403)}
	if strings.Contains(op.path, "{") || op.method != "GET" {
		responses["404"] = failure(404)
	}
	if op.method == "POST" || op.method == "PATCH" {
		responses["409"] = failure(409)
	}
	out := map[string]any{"summary": op.summary, "tags": []string{op.tag}, "responses": responses,
		"operationId": operationID(op.method, op.path)}
	if params != nil {
		out["parameters"] = params
	}
	if op.body != "" {
		out["requestBody"] = map[string]any{"required": op.method != "POST" || !strings.HasSuffix(op.path, "regenerate"),
			"content": jsonContent(op.body)}
	}
	return out
}

func jsonContent(schema string) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": ref(schema)}}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// operationID is a unique id such as get_admin_v1_keys_id.
func operationID(method, path string) string {
	return strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "").Replace(path)
}

// schemaGen derives JSON schemas from Go types; named types become references.
type schemaGen struct {
	names map[reflect.Type]string
}

// define is the schema of the named type t itself (not a reference to it).
func (g schemaGen) define(t reflect.Type, about string) map[string]any {
	s := g.inline(t)
	if about != "" {
		s["description"] = about
	}
	return s
}

// of is the schema of t: a reference when t is named in the document, else inline.
func (g schemaGen) of(t reflect.Type) map[string]any {
	if name, ok := g.names[t]; ok {
		return ref(name)
	}
	return g.inline(t)
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage(nil))
)

func (g schemaGen) inline(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"type": "object", "additionalProperties": true}
	case t.Kind() == reflect.Pointer:
		return nullable(g.of(t.Elem()))
	case t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "opt["):
		v, _ := t.FieldByName("V")
		return nullable(g.of(v.Type))
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map, reflect.Interface:
		return map[string]any{"type": "object", "additionalProperties": true}
	case reflect.Struct:
		props := map[string]any{}
		g.fields(t, props)
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}

// fields adds the JSON fields of struct t to props, flattening embedded structs. A field's doc tag
// becomes its description.
func (g schemaGen) fields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			g.fields(f.Type, props)
		case !f.IsExported():
		default:
			if name == "" {
				name = f.Name
			}
			s := g.of(f.Type)
			if doc := f.Tag.Get("doc"); doc != "" {
				if _, isRef := s["$ref"]; isRef { // OpenAPI 3.0 ignores siblings of a $ref
					s = map[string]any{"allOf": []any{s}}
				}
				s["description"] = doc
			}
			props[name] = s
		}
	}
}

// nullable marks s as accepting null (OpenAPI 3.0); a reference is wrapped to keep the mark.
func nullable(s map[string]any) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "nullable": true}
	}
	s["nullable"] = true
	return s
}
