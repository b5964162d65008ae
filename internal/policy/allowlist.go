package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Allowlist is a parsed model allowlist: exact names, patterns with '*', and
// the contents of named model groups. The zero Allowlist, like one parsed from
// an empty list or from "*", allows every model. An Allowlist is immutable and
// safe for concurrent use.
type Allowlist struct {
	l *list // nil: every model
}

// list is a restricted allowlist.
type list struct {
	exact    map[string]struct{}
	patterns []string
	items    []item   // every name and pattern in entry order, for Subset
	entries  []string // as given, for Entries and String
}

// item is one exact name or pattern and the entry that brought it in.
type item struct {
	value string
	from  string // the entry: the value itself, or a group name
}

// Allows reports whether the allowlist admits model.
func (a Allowlist) Allows(model string) bool {
	if a.l == nil {
		return true
	}
	if _, ok := a.l.exact[model]; ok {
		return true
	}
	for _, p := range a.l.patterns {
		if match(p, model) {
			return true
		}
	}
	return false
}

// All reports whether the allowlist admits every model.
func (a Allowlist) All() bool { return a.l == nil }

// Entries returns the entries the allowlist was parsed from, or nil when it
// admits every model.
func (a Allowlist) Entries() []string {
	if a.l == nil {
		return nil
	}
	return slices.Clone(a.l.entries)
}

// String lists the entries, or "*" for all models.
func (a Allowlist) String() string {
	if a.l == nil {
		return "*"
	}
	return strings.Join(a.l.entries, ", ")
}

// EntryError is a problem with one entry of a models list.
type EntryError struct {
	Index   int    // position of the entry in the list, from 0
	Entry   string // the entry as given
	Problem string // "unknown model", "unknown model group", "bad pattern", ...
	Hint    string // how to fix it, or ""
}

// Error reads like `unknown model "llama9" in models`.
func (e *EntryError) Error() string { return e.message("in models") }

// message describes the problem as found where (such as "in models").
func (e *EntryError) message(where string) string {
	var msg string
	if e.Entry == "" {
		msg = fmt.Sprintf("%s %s (position %d)", e.Problem, where, e.Index+1)
	} else {
		msg = fmt.Sprintf("%s %s %s", e.Problem, quote(e.Entry), where)
	}
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// Groups holds the named model groups of the configuration (model_groups). A
// nil *Groups has no groups. Groups is immutable and safe for concurrent use.
type Groups struct {
	m map[string][]string
}

// NewGroups checks and copies the configuration's model groups. Group names are
// 1 to 64 letters, digits, "_", "-" and "."; each group lists at least one
// model name or pattern, and may not name another group.
func NewGroups(groups map[string][]string) (*Groups, error) {
	g := &Groups{m: make(map[string][]string, len(groups))}
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		entries := groups[name]
		if !ValidGroupName(name) {
			return nil, fmt.Errorf("model group name %s: must be 1 to 64 letters, digits, \"_\", \"-\" and \".\"", quote(name))
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("model group %s must list at least one model", quote(name))
		}
		if len(entries) > MaxEntries {
			return nil, fmt.Errorf("model group %s has more than %d entries", quote(name), MaxEntries)
		}
		for i, e := range entries {
			if err := checkEntry(i, e); err != nil {
				return nil, errors.New(err.message("in model group " + quote(name)))
			}
			if _, isGroup := groups[e]; isGroup || strings.HasPrefix(e, "@") {
				return nil, fmt.Errorf("entry %s in model group %s names a group: a group may not name another group, list its models", quote(e), quote(name))
			}
		}
		g.m[name] = slices.Clone(entries)
	}
	return g, nil
}

// ValidGroupName reports whether s is a valid model group name.
func ValidGroupName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// lookup returns the entries of the group an entry names. A bare name that is
// a group's name is that group (as in LiteLLM's access groups); "@name" must be
// a group, so that a misspelt group is an error even where model names are not
// known. isRef reports an "@" reference.
func (g *Groups) lookup(entry string) (entries []string, isGroup, isRef bool) {
	name, isRef := strings.CutPrefix(entry, "@")
	if g != nil {
		entries, isGroup = g.m[name]
	}
	return entries, isGroup, isRef
}

// Parse builds an Allowlist from a models list. Each entry is an exact model
// name, a pattern with '*' anywhere ("llama3.1-*", "*-coder-*"), a group name
// (or "@name"), or "*" for every model; an empty list also means every model.
// The error, an *EntryError, names the first bad entry: an empty entry, a bad
// pattern, an unknown "@group", or too many entries.
func (g *Groups) Parse(entries []string) (Allowlist, error) {
	if len(entries) > MaxEntries {
		return Allowlist{}, &EntryError{Index: MaxEntries, Problem: "too many entries", Hint: fmt.Sprintf("at most %d; use a pattern or a model group", MaxEntries)}
	}
	l := &list{exact: map[string]struct{}{}, entries: slices.Clone(entries)}
	all := len(entries) == 0
	for i, e := range entries {
		if err := checkEntry(i, e); err != nil {
			return Allowlist{}, err
		}
		members, isGroup, isRef := g.lookup(e)
		switch {
		case isRef && !isGroup:
			return Allowlist{}, &EntryError{Index: i, Entry: e, Problem: "unknown model group", Hint: g.known()}
		case isGroup:
			for _, m := range members {
				all = l.add(m, e) || all
			}
		default:
			all = l.add(e, e) || all
		}
	}
	if all {
		return Allowlist{}, nil
	}
	return Allowlist{l: l}, nil
}

// checkEntry returns an *EntryError when entry is not a well-formed name or pattern.
func checkEntry(i int, entry string) *EntryError {
	switch {
	case entry == "":
		return &EntryError{Index: i, Problem: "empty entry"}
	case len(entry) > MaxEntryLen:
		return &EntryError{Index: i, Entry: entry, Problem: "entry too long", Hint: fmt.Sprintf("at most %d bytes", MaxEntryLen)}
	case !utf8.ValidString(entry) || strings.IndexFunc(entry, notPrintable) >= 0:
		return &EntryError{Index: i, Entry: entry, Problem: "bad model name", Hint: "no spaces or control characters"}
	case strings.Contains(entry, "**"):
		return &EntryError{Index: i, Entry: entry, Problem: "bad pattern", Hint: `write a single "*"`}
	}
	return nil
}

// known lists the group names for an "unknown model group" hint.
func (g *Groups) known() string {
	if g == nil || len(g.m) == 0 {
		return "no model groups are configured"
	}
	return "configured groups: " + strings.Join(slices.Sorted(maps.Keys(g.m)), ", ")
}

// add adds one name or pattern brought in by entry from, and reports whether
// it is "*" (every model).
func (l *list) add(v, from string) bool {
	switch {
	case v == "*":
		return true
	case isPattern(v):
		if slices.Contains(l.patterns, v) {
			return false
		}
		l.patterns = append(l.patterns, v)
	default:
		if _, dup := l.exact[v]; dup {
			return false
		}
		l.exact[v] = struct{}{}
	}
	l.items = append(l.items, item{value: v, from: from})
	return false
}

// ParseAllowlist is Parse without model groups.
func ParseAllowlist(entries []string) (Allowlist, error) {
	var g *Groups
	return g.Parse(entries)
}

// Validate checks a models list as a key or team is created or updated: on top
// of Parse's checks, every entry that is neither a pattern nor a group must be
// a model for which knownModels returns true, so that a typo is refused with
// `unknown model "llama9" in models` instead of silently allowing nothing.
// A nil knownModels accepts every name.
func (g *Groups) Validate(entries []string, knownModels func(string) bool) error {
	if _, err := g.Parse(entries); err != nil {
		return err
	}
	if knownModels == nil {
		return nil
	}
	for i, e := range entries {
		if _, isGroup, _ := g.lookup(e); isGroup || isPattern(e) {
			continue
		}
		if !knownModels(e) {
			return &EntryError{Index: i, Entry: e, Problem: "unknown model"}
		}
	}
	return nil
}
