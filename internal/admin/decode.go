package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// litellmFields are LiteLLM request fields Warden does not support. A request may carry one with
// LiteLLM's empty default (null, [], {}, 0, false, "") and it is ignored, so that SDKs and UIs that
// send every field keep working; any other value is refused by name.
var litellmFields = map[string]bool{
	"aliases": true, "config": true, "permissions": true, "model_max_budget": true, "model_rpm_limit": true,
	"model_tpm_limit": true, "soft_budget": true, "spend": true, "allowed_cache_controls": true,
	"budget_id": true, "organization_id": true, "project_id": true, "agent_id": true, "access_group_ids": true,
	"guardrails": true, "policies": true, "prompts": true, "enforced_params": true, "object_permission": true,
	"router_settings": true, "allowed_passthrough_routes": true, "allowed_vector_store_indexes": true,
	"rpm_limit_type": true, "tpm_limit_type": true, "auto_rotate": true, "rotation_interval": true,
	"temp_budget_increase": true, "temp_budget_expiry": true, "send_invite_email": true, "password": true,
	"sso_user_id": true, "organizations": true, "model_aliases": true, "tags": true,
	"team_member_budget": true, "team_member_budget_duration": true, "team_member_rpm_limit": true,
	"team_member_tpm_limit": true, "team_member_key_duration": true, "team_member_permissions": true,
	"secret_manager_settings": true, "admins": true, "members": true, "key_type": true, "key": true,
	"new_key": true, "new_master_key": true, "max_budget_in_team": true, "model_spend": true,
	"created_by": true, "updated_by": true, "budget_reset_at": true, "include_created_by_keys": true,
}

// decode reads a JSON object into v whatever the Content-Type says (curl -d sends form encoding),
// refusing unknown fields by name, trailing data and oversized bodies. A known LiteLLM field that v
// does not hold is dropped when its value is LiteLLM's empty default.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, true)
}

// decodeNative is decode for the native API: every field v does not hold is refused by name, and
// an error names fields as the native API does.
func decodeNative(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decodeBody(w, r, v, false); err != nil {
		return nativeNamed{err}
	}
	return nil
}

// nativeNamed marks an error whose field names are already the native API's.
type nativeNamed struct{ error }

func (n nativeNamed) Unwrap() error { return n.error }

func decodeBody(w http.ResponseWriter, r *http.Request, v any, tolerant bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{http.StatusRequestEntityTooLarge, "request_too_large", "request body over 1 MiB"}
		}
		return badRequest("could not read the request body")
	}
	if tolerant {
		if body, err = dropEmptyDefaults(body, v); err != nil {
			return err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("%s", describeJSONError(body, err))
	}
	if dec.More() {
		return badRequest("unexpected data after the JSON object")
	}
	return nil
}

// dropEmptyDefaults removes tolerated LiteLLM fields with empty values that v has no field for. A
// body that is not a JSON object is returned unchanged, for the strict decoder to describe.
func dropEmptyDefaults(body []byte, v any) ([]byte, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if dec.Decode(&obj) != nil || dec.More() || obj == nil {
		return body, nil
	}
	fields := jsonFields(reflect.TypeOf(v))
	dropped := false
	for name, raw := range obj {
		if fields[name] || !litellmFields[name] {
			continue
		}
		if !emptyDefault(raw) {
			return nil, badRequest("field %q is not supported by Warden", name)
		}
		delete(obj, name)
		dropped = true
	}
	if !dropped {
		return body, nil
	}
	return json.Marshal(obj)
}

// jsonFields returns the JSON names of the fields of the struct t points to (embedded ones included).
func jsonFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for n := range jsonFields(f.Type) {
				out[n] = true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}

// emptyDefault reports whether raw is null, [], {}, 0, false or "".
func emptyDefault(raw json.RawMessage) bool {
	var x any
	if json.Unmarshal(raw, &x) != nil {
		return false
	}
	switch v := x.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func describeJSONError(body []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae.msg
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		if te.Field == "" {
			return "the request body must be a JSON object"
		}
		field := strings.ReplaceAll(te.Field, "limitFields.", "") // an embedded struct is no part of the name
		return fmt.Sprintf("field %q must be %s, not %s", field, kindName(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("field %s is not supported by Warden", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF):
		if len(bytes.TrimSpace(body)) == 0 {
			return "the request body is empty; send a JSON object"
		}
	}
	return "invalid JSON: " + err.Error()
}

func kindName(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	case "float64", "int", "int64":
		return "a number"
	}
	return "a " + k
}

// opt is a request field that tells absent (Set false) from null (Null true) from a value.
type opt[T any] struct {
	Set, Null bool
	V         T
}

func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// has reports whether the field carries a value (neither absent nor null).
func (o opt[T]) has() bool { return o.Set && !o.Null }

// posted wraps a LiteLLM-style POST handler: it finds the caller and decodes the JSON body into a
// Req (unknown fields refused by name) before act runs; act answers.
func posted[Req any](a *API, act func(w http.ResponseWriter, r *http.Request, c caller, req Req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := callerOf(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var req Req
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
		act(w, r, c, req)
	}
}
