package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Size bounds enforced before anything is written.
const (
	MaxIDLen       = 128      // user, key, team ids and setting names
	MaxTextLen     = 320      // email, name, alias, hint, role
	MaxModels      = 1000     // entries in Key.Models and Team.Models
	MaxEndpoints   = 100      // entries in Key.Endpoints
	MaxMetadataLen = 64 << 10 // bytes of Key.Metadata, User.Metadata, Team.Metadata and Event.Change
	MaxSettingLen  = 1 << 20  // bytes of a setting value
	HashLen        = 32       // bytes of Key.Hash
)

var roles = map[string]bool{RoleAdmin: true, RoleUser: true, RolePending: true, RoleAuditor: true}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkID(field, id string) error {
	switch {
	case id == "":
		return invalid("%s is empty", field)
	case len(id) > MaxIDLen:
		return invalid("%s is longer than %d bytes", field, MaxIDLen)
	case !utf8.ValidString(id):
		return invalid("%s is not valid UTF-8", field)
	}
	return nil
}

func checkOptionalID(field, id string) error {
	if id == "" {
		return nil
	}
	return checkID(field, id)
}

func checkText(field, s string) error {
	switch {
	case len(s) > MaxTextLen:
		return invalid("%s is longer than %d bytes", field, MaxTextLen)
	case !utf8.ValidString(s):
		return invalid("%s is not valid UTF-8", field)
	}
	return nil
}

// normUser validates u and returns it with times in stored form.
func normUser(u User, now time.Time) (User, error) {
	if err := checkID("user id", u.ID); err != nil {
		return u, err
	}
	if err := checkText("email", u.Email); err != nil {
		return u, err
	}
	if err := checkText("name", u.Name); err != nil {
		return u, err
	}
	if !roles[u.Role] {
		return u, invalid("role %q is not one of admin, user, pending, auditor", trunc(u.Role))
	}
	if err := checkLimits(u.Limits); err != nil {
		return u, err
	}
	meta, err := normMetadata(u.Metadata)
	if err != nil {
		return u, err
	}
	u.Metadata = meta
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.CreatedAt, u.LastSeen = normTime(u.CreatedAt), normTime(u.LastSeen)
	return u, nil
}

// normKey validates k and returns it with times, models and metadata in stored form.
func normKey(k Key, now time.Time) (Key, error) {
	if len(k.Hash) != HashLen {
		return k, invalid("key hash is %d bytes, want %d", len(k.Hash), HashLen)
	}
	if err := checkText("hint", k.Hint); err != nil {
		return k, err
	}
	if err := checkOptionalID("user id", k.UserID); err != nil {
		return k, err
	}
	switch {
	case len(k.PrevHash) == 0 && !k.PrevHashExpiresAt.IsZero():
		return k, invalid("previous hash expiry set without a previous hash")
	case len(k.PrevHash) == 0:
		k.PrevHash = nil
	case len(k.PrevHash) != HashLen:
		return k, invalid("previous key hash is %d bytes, want %d", len(k.PrevHash), HashLen)
	case k.PrevHashExpiresAt.IsZero():
		return k, invalid("previous key hash set without an expiry")
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now
	}
	k.CreatedAt, k.LastUsedAt, k.PrevHashExpiresAt = normTime(k.CreatedAt), normTime(k.LastUsedAt), normTime(k.PrevHashExpiresAt)
	return normKeyMutable(k)
}

// normKeyMutable validates and normalizes the fields UpdateKey replaces.
func normKeyMutable(k Key) (Key, error) {
	if err := checkID("key id", k.ID); err != nil {
		return k, err
	}
	if err := checkText("alias", k.Alias); err != nil {
		return k, err
	}
	if err := checkOptionalID("team id", k.TeamID); err != nil {
		return k, err
	}
	models, err := normModels(k.Models)
	if err != nil {
		return k, err
	}
	k.Models = models
	if len(k.Endpoints) > MaxEndpoints {
		return k, invalid("key has %d endpoints, at most %d allowed", len(k.Endpoints), MaxEndpoints)
	}
	for _, e := range k.Endpoints {
		if err := checkID("endpoint", e); err != nil {
			return k, err
		}
	}
	if len(k.Endpoints) == 0 {
		k.Endpoints = nil
	}
	if err := checkLimits(k.Limits); err != nil {
		return k, err
	}
	if k.Metadata, err = normMetadata(k.Metadata); err != nil {
		return k, err
	}
	k.ExpiresAt = normTime(k.ExpiresAt)
	return k, nil
}

// normModels checks a model allowlist and returns nil for an empty one.
func normModels(models []string) ([]string, error) {
	if len(models) > MaxModels {
		return nil, invalid("%d models, at most %d allowed", len(models), MaxModels)
	}
	for _, m := range models {
		if err := checkID("model name", m); err != nil {
			return nil, err
		}
	}
	if len(models) == 0 {
		return nil, nil
	}
	return models, nil
}

// checkRotate checks RotateKey's arguments.
func checkRotate(id string, newHash []byte, newHint string) error {
	if err := checkID("key id", id); err != nil {
		return err
	}
	if len(newHash) != HashLen {
		return invalid("key hash is %d bytes, want %d", len(newHash), HashLen)
	}
	return checkText("hint", newHint)
}

// normMetadata returns m compacted, or {} when empty. It must be a JSON object.
func normMetadata(m json.RawMessage) (json.RawMessage, error) {
	return normJSONObject("metadata", m)
}

// normJSONObject returns m compacted, or {} when empty. It must be a JSON object of at most MaxMetadataLen bytes.
func normJSONObject(field string, m json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(m)) == 0 {
		return json.RawMessage("{}"), nil
	}
	if len(m) > MaxMetadataLen {
		return nil, invalid("%s is longer than %d bytes", field, MaxMetadataLen)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, m); err != nil {
		return nil, invalid("%s is not valid JSON", field)
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, invalid("%s is not a JSON object", field)
	}
	return buf.Bytes(), nil
}

func checkSetting(name, value string) error {
	if err := checkID("setting name", name); err != nil {
		return err
	}
	if len(value) > MaxSettingLen {
		return invalid("setting value is longer than %d bytes", MaxSettingLen)
	}
	if !utf8.ValidString(value) {
		return invalid("setting value is not valid UTF-8")
	}
	return nil
}

// page applies the List defaults and bounds.
func page(limit, offset int) (int, int, error) {
	if limit < 0 || offset < 0 {
		return 0, 0, invalid("limit and offset must not be negative")
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), offset, nil
}

// normTime returns t in UTC truncated to TimePrecision; the zero time stays zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(TimePrecision)
}

// uniqueSorted returns the distinct non-empty ids, sorted (a stable lock order for batch writes).
func uniqueSorted(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// trunc shortens s for an error message.
func trunc(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
