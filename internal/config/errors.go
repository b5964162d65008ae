package config

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FieldError is one problem in a configuration, located by source, line and field path.
type FieldError struct {
	Source string // file name, "env WARDEN_X" for an environment override, or "" if unknown
	Line   int    // 1-based line in Source; 0 if not known
	Path   string // field path such as "backends[1].kind"; "" for the whole document
	Msg    string
}

// Error formats the problem as "source:line: path: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors holds every problem found in a configuration. Its Error method lists
// them one per line.
type Errors []*FieldError

// maxListedErrors bounds the length of Errors.Error; maxErrors bounds how many
// errors decoding and validation each collect.
const (
	maxListedErrors = 50
	maxErrors       = 1000
)

// Error lists the problems one per line (at most 50, then a count of the rest).
func (e Errors) Error() string {
	lines := make([]string, 0, min(len(e), maxListedErrors+1))
	for i, fe := range e {
		if i == maxListedErrors {
			lines = append(lines, fmt.Sprintf("... and %d more errors", len(e)-i))
			break
		}
		lines = append(lines, fe.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors, for errors.As and errors.Is.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// err returns e as an error, or nil when it is empty.
func (e Errors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// sorted orders errors by source (file first, then environment) and line, keeping
// the order of errors on the same line.
func (e Errors) sorted(file string) Errors {
	rank := func(fe *FieldError) int {
		switch {
		case fe.Source == file && file != "":
			return 0
		case strings.HasPrefix(fe.Source, envSourcePrefix):
			return 1
		default:
			return 2
		}
	}
	slices.SortStableFunc(e, func(a, b *FieldError) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	return e
}

// origin says where a field's value came from.
type origin struct {
	source string // file name or "env WARDEN_X"
	line   int
}

const envSourcePrefix = "env "

// sources records where each field path of a Config came from and which paths
// already failed to decode (so validation does not report them twice).
type sources struct {
	file string
	at   map[string]origin
	bad  map[string]bool
}

func newSources(file string) *sources {
	return &sources{file: file, at: map[string]origin{}, bad: map[string]bool{}}
}

// clone copies s so that a Config copy can be changed without affecting the original.
func (s *sources) clone() *sources {
	if s == nil {
		return newSources("")
	}
	return &sources{file: s.file, at: maps.Clone(s.at), bad: maps.Clone(s.bad)}
}

// locate returns the origin of path, or of its nearest recorded ancestor.
func (s *sources) locate(path string) origin {
	if s == nil {
		return origin{}
	}
	for p := path; ; p = parentPath(p) {
		if o, ok := s.at[p]; ok {
			return o
		}
		if p == "" {
			break
		}
	}
	if s.file != "" {
		return origin{source: s.file}
	}
	return origin{}
}

// errorAt builds a FieldError for path located by s.
func (s *sources) errorAt(path, format string, args ...any) *FieldError {
	o := s.locate(path)
	return &FieldError{Source: o.source, Line: o.line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// parentPath returns "backends[1]" for "backends[1].kind", "backends" for
// "backends[1]", and "" for "listen".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func fieldPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}
