package review

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// Metadata tags every key must carry as non-empty strings.
const (
	TagOwner         = "owner"
	TagJustification = "justification"
)

// reviewKeys appends the findings of every key in st to fs.
func reviewKeys(ctx context.Context, st store.Store, opt Options, fs []Finding) ([]Finding, error) {
	err := pages(ctx, opt.pageSize, func(offset int) ([]store.Key, error) {
		return st.ListKeys(ctx, store.KeyFilter{Limit: opt.pageSize, Offset: offset})
	}, func(ks []store.Key) error {
		for _, k := range ks {
			fs = append(fs, keyFindings(k, opt)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("review: keys: %w", err)
	}
	return fs, nil
}

// keyFindings returns what is wrong with one key, in Kinds order.
func keyFindings(k store.Key, opt Options) []Finding {
	var fs []Finding
	at := func(kind, detail string, since time.Time) Finding {
		return Finding{Kind: kind, KeyID: k.ID, UserID: k.UserID, TeamID: k.TeamID, Detail: detail + keyState(k, opt),
			Since: since}
	}
	lastUse, what := k.LastUsedAt, "last used "
	if lastUse.IsZero() {
		lastUse, what = k.CreatedAt, "never used; created "
	}
	if idle := opt.Now.Sub(lastUse); idle >= opt.UnusedFor {
		fs = append(fs, at(KindKeyUnused, what+age(idle)+" ago", lastUse))
	}
	if old := opt.Now.Sub(k.CreatedAt); old >= opt.RotateAfter {
		fs = append(fs, at(KindKeyRotationDue, "created "+age(old)+" ago; rotate after "+age(opt.RotateAfter), k.CreatedAt))
	}
	tags := parseTags(k.Metadata)
	for _, c := range []struct{ kind, tag string }{
		{KindKeyMissingOwner, TagOwner}, {KindKeyMissingJustification, TagJustification},
	} {
		if problem := tags.check(c.tag); problem != "" {
			fs = append(fs, at(c.kind, problem, k.CreatedAt))
		}
	}
	return fs
}

// keyState notes in a detail that a key cannot be used now, so a reviewer can weigh the finding.
func keyState(k store.Key, opt Options) string {
	var s []string
	if k.Blocked {
		s = append(s, "blocked")
	}
	if !k.ExpiresAt.IsZero() && !k.ExpiresAt.After(opt.Now) {
		s = append(s, "expired")
	}
	if len(s) == 0 {
		return ""
	}
	return " (key " + strings.Join(s, ", ") + ")"
}

// tags is a key's metadata object; bad is set when the metadata is not a JSON object.
type tags struct {
	m   map[string]json.RawMessage
	bad bool
}

func parseTags(meta json.RawMessage) tags {
	var t tags
	if len(meta) == 0 {
		return t
	}
	if err := json.Unmarshal(meta, &t.m); err != nil {
		t.bad = true
	}
	return t
}

// check returns why tag is not a non-empty string, or "" when it is one.
func (t tags) check(tag string) string {
	if t.bad {
		return "metadata is not a JSON object"
	}
	raw, ok := t.m[tag]
	if !ok {
		return "no " + tag + " tag"
	}
	var v string
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
		return tag + " tag is not a string"
	}
	if strings.TrimSpace(v) == "" {
		return tag + " tag is empty"
	}
	return ""
}
