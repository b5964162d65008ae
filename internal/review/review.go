// Package review finds access that needs a second look: stale, old or unowned keys, users in no team, and every admin.
package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// Kinds of finding, in the order a Report lists them.
const (
	KindKeyUnused               = "key_unused"                // no use for Options.UnusedFor (never used and that old)
	KindKeyRotationDue          = "key_rotation_due"          // created Options.RotateAfter ago or more
	KindKeyMissingOwner         = "key_missing_owner"         // metadata tag "owner" missing or not a non-empty string
	KindKeyMissingJustification = "key_missing_justification" // metadata tag "justification" likewise
	KindUserInNoTeam            = "user_in_no_team"           // a user who is a member of no team
	KindAdmin                   = "admin"                     // a user with role admin, or a team admin (TeamID set)
)

// Kinds lists every kind of finding in report order.
func Kinds() []string {
	return []string{KindKeyUnused, KindKeyRotationDue, KindKeyMissingOwner, KindKeyMissingJustification,
		KindUserInNoTeam, KindAdmin}
}

// Defaults applied by Run to zero Options fields.
const (
	DefaultUnusedFor   = 30 * 24 * time.Hour
	DefaultRotateAfter = 90 * 24 * time.Hour
)

// pageSize is how many keys or users Run reads at once; with keys' metadata capped at
// store.MaxMetadataLen it bounds the memory one page takes.
const pageSize = 500

// Options tune a review. Zero fields take their defaults.
type Options struct {
	Now         time.Time     // the review's "now"; zero = time.Now()
	UnusedFor   time.Duration // a key unused this long is reported; zero = DefaultUnusedFor
	RotateAfter time.Duration // a key this old is due for rotation; zero = DefaultRotateAfter

	pageSize int // tests only: zero = pageSize
}

// Finding is one thing a reviewer should look at.
type Finding struct {
	Kind   string `json:"kind"`
	KeyID  string `json:"key_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
	TeamID string `json:"team_id,omitempty"`
	Detail string `json:"detail"`
	// Since is the time the finding is about: the last use (or, never used, the creation) for key_unused;
	// the key's creation for the other key kinds; the user's creation for user_in_no_team and role admin
	// (the store keeps no time of role changes); the membership's creation for a team admin.
	Since time.Time `json:"since,omitzero"`
}

// Report is the result of a review. Findings are ordered by kind (as Kinds lists them), then Since,
// then KeyID, UserID and TeamID. Counts holds every kind, zero included.
type Report struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Findings    []Finding      `json:"findings"`
	Counts      map[string]int `json:"counts"`
}

// Run reviews every key and every user in st, a page at a time.
func Run(ctx context.Context, st store.Store, opt Options) (Report, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Report{}, err
	}
	var fs []Finding
	if fs, err = reviewKeys(ctx, st, opt, fs); err != nil {
		return Report{}, err
	}
	if fs, err = reviewUsers(ctx, st, opt, fs); err != nil {
		return Report{}, err
	}
	return newReport(opt.Now, fs), nil
}

// withDefaults fills zero fields and refuses negative durations.
func (o Options) withDefaults() (Options, error) {
	if o.UnusedFor < 0 || o.RotateAfter < 0 {
		return o, errors.New("review: UnusedFor and RotateAfter must not be negative")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Round(0) // drop the monotonic reading so the report round-trips
	if o.UnusedFor == 0 {
		o.UnusedFor = DefaultUnusedFor
	}
	if o.RotateAfter == 0 {
		o.RotateAfter = DefaultRotateAfter
	}
	if o.pageSize <= 0 {
		o.pageSize = pageSize
	}
	return o, nil
}

// pages calls list with successive offsets and visit for every page until a short page.
func pages[T any](ctx context.Context, size int, list func(offset int) ([]T, error), visit func([]T) error) error {
	for offset := 0; ; offset += size {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, err := list(offset)
		if err != nil {
			return err
		}
		if err := visit(items); err != nil {
			return err
		}
		if len(items) < size {
			return nil
		}
	}
}

// newReport sorts fs, drops duplicates (a row can move between pages while Run reads) and counts them.
func newReport(now time.Time, fs []Finding) Report {
	rank := make(map[string]int, len(Kinds()))
	counts := make(map[string]int, len(Kinds()))
	for i, k := range Kinds() {
		rank[k], counts[k] = i, 0
	}
	type identity struct{ kind, key, user, team string }
	seen := make(map[identity]bool, len(fs))
	fs = slices.DeleteFunc(fs, func(f Finding) bool {
		id := identity{f.Kind, f.KeyID, f.UserID, f.TeamID}
		dup := seen[id]
		seen[id] = true
		return dup
	})
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), a.Since.Compare(b.Since),
			cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.TeamID, b.TeamID),
			cmp.Compare(a.Detail, b.Detail))
	})
	for _, f := range fs {
		counts[f.Kind]++
	}
	if fs == nil {
		fs = []Finding{}
	}
	return Report{GeneratedAt: now, Findings: fs, Counts: counts}
}

// age describes a duration for people in whole days, hours or minutes, rounded down.
func age(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int64(d/time.Hour), "hour")
	}
	return plural(max(0, int64(d/time.Minute)), "minute")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
