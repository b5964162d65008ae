package review

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// WriteTable writes the report for people: a summary line, then one aligned table per kind.
// Values holding control or unprintable characters are shown quoted, so no value can move the cursor,
// break a row or inject terminal escapes.
func (r Report) WriteTable(w io.Writer) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Access review generated %s: %s\n", r.GeneratedAt.UTC().Format(time.RFC3339),
		plural(int64(len(r.Findings)), "finding"))
	for _, kind := range r.kinds() {
		group := slices.DeleteFunc(slices.Clone(r.Findings), func(f Finding) bool { return f.Kind != kind })
		fmt.Fprintf(&buf, "\n%s (%d)\n", cell(kind), len(group))
		if len(group) == 0 {
			buf.WriteString("  none\n")
			continue
		}
		keyed := strings.HasPrefix(kind, "key_")
		tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		if keyed {
			fmt.Fprint(tw, "  KEY\t")
		} else {
			fmt.Fprint(tw, "  ")
		}
		fmt.Fprint(tw, "USER\tTEAM\tSINCE\tDETAIL\n")
		for _, f := range group {
			if keyed {
				fmt.Fprintf(tw, "  %s\t", cell(f.KeyID))
			} else {
				fmt.Fprint(tw, "  ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(f.UserID), cell(f.TeamID), since(f.Since, time.RFC3339), cell(f.Detail))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("review: table: %w", err)
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("review: table: %w", err)
	}
	return nil
}

// kinds returns Kinds followed by any other kind the findings hold, sorted.
func (r Report) kinds() []string {
	kinds := Kinds()
	var extra []string
	for _, f := range r.Findings {
		if !slices.Contains(kinds, f.Kind) && !slices.Contains(extra, f.Kind) {
			extra = append(extra, f.Kind)
		}
	}
	slices.Sort(extra)
	return append(kinds, extra...)
}

// cell renders a value for the table: "-" when empty, quoted when it holds anything but printable text.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	if strings.IndexFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// since formats t in layout (UTC), or "" when it is zero.
func since(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}
