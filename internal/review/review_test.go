package review

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

const day = 24 * time.Hour

// now is the review time of every test.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// ago is now minus d.
func ago(d time.Duration) time.Time { return now.Add(-d) }

const okTags = `{"owner":"alice@example.com","justification":"ticket SEC-1"}`

// openStore opens a real SQLite store in a temporary directory.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), t.TempDir(), "")
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func addUser(t *testing.T, st store.Store, id, role string, created time.Time, blocked bool) {
	t.Helper()
	must(t, st.CreateUser(t.Context(), store.User{ID: id, Role: role, CreatedAt: created, Blocked: blocked}), "create user "+id)
}

func addTeam(t *testing.T, st store.Store, id string, members map[string]string, joined time.Time) {
	t.Helper()
	must(t, st.CreateTeam(t.Context(), store.Team{ID: id, Alias: id, CreatedAt: ago(300 * day)}), "create team "+id)
	for user, role := range members {
		m := store.TeamMember{TeamID: id, UserID: user, Role: role, CreatedAt: joined}
		must(t, st.AddTeamMember(t.Context(), m), "add member "+user)
	}
}

func addKey(t *testing.T, st store.Store, k store.Key) {
	t.Helper()
	h := sha256.Sum256([]byte(k.ID))
	k.Hash = h[:]
	must(t, st.CreateKey(t.Context(), k), "create key "+k.ID)
}

// seed fills st with users, teams and keys chosen to hit every kind of finding and its edges.
func seed(t *testing.T, st store.Store) {
	addUser(t, st, "alice", store.RoleAdmin, ago(200*day), false)
	addUser(t, st, "bob", store.RoleUser, ago(10*day), false)
	addUser(t, st, "carol", store.RoleUser, ago(5*day), false)
	addUser(t, st, "dave", store.RolePending, ago(3*day), true)
	addUser(t, st, "erin", store.RoleAuditor, ago(50*day), false)
	addUser(t, st, "frank", store.RoleAdmin, ago(1*day), false) // admin in no team
	addTeam(t, st, "eng", map[string]string{"alice": store.TeamRoleAdmin, "bob": store.TeamRoleMember}, ago(100*day))
	addTeam(t, st, "ops", map[string]string{"erin": store.TeamRoleAdmin}, ago(40*day))

	for _, k := range []store.Key{
		{ID: "k_fresh", UserID: "bob", TeamID: "eng", CreatedAt: ago(10 * day), LastUsedAt: ago(day), Metadata: []byte(okTags)},
		{ID: "k_idle", UserID: "bob", TeamID: "eng", CreatedAt: ago(60 * day), LastUsedAt: ago(31 * day), Metadata: []byte(okTags)},
		{ID: "k_idle_edge", UserID: "bob", CreatedAt: ago(60 * day), LastUsedAt: ago(30*day - time.Millisecond), Metadata: []byte(okTags)},
		{ID: "k_never", UserID: "carol", CreatedAt: ago(30 * day), Metadata: []byte(okTags)},
		{ID: "k_never_young", UserID: "carol", CreatedAt: ago(30*day - time.Millisecond), Metadata: []byte(okTags)},
		{ID: "k_old", UserID: "alice", CreatedAt: ago(90 * day), LastUsedAt: ago(time.Hour), Metadata: []byte(okTags)},
		{ID: "k_old_edge", UserID: "alice", CreatedAt: ago(90*day - time.Millisecond), LastUsedAt: ago(time.Hour), Metadata: []byte(okTags)},
		{ID: "k_notags", UserID: "bob", CreatedAt: ago(2 * day), LastUsedAt: ago(time.Hour)},
		{ID: "k_badtags", CreatedAt: ago(3 * day), LastUsedAt: ago(time.Hour),
			Metadata: []byte(`{"owner":"  ","justification":5,"environment":"prod"}`)},
		{ID: "k_nullowner", CreatedAt: ago(4 * day), LastUsedAt: ago(time.Hour), Metadata: []byte(`{"owner":null,"justification":"x"}`)},
		{ID: "k_blocked", UserID: "erin", TeamID: "ops", CreatedAt: ago(100 * day), Blocked: true, Metadata: []byte(okTags)},
		{ID: "k_expired", UserID: "erin", CreatedAt: ago(45 * day), ExpiresAt: ago(day), LastUsedAt: ago(40 * day),
			Metadata: []byte(okTags)},
	} {
		addKey(t, st, k)
	}
}

// seededFindings is the report seed must give at now with the default options, in report order.
func seededFindings() []Finding {
	return []Finding{
		{Kind: KindKeyUnused, KeyID: "k_blocked", UserID: "erin", TeamID: "ops", Since: ago(100 * day),
			Detail: "never used; created 100 days ago (key blocked)"},
		{Kind: KindKeyUnused, KeyID: "k_expired", UserID: "erin", Since: ago(40 * day), Detail: "last used 40 days ago (key expired)"},
		{Kind: KindKeyUnused, KeyID: "k_idle", UserID: "bob", TeamID: "eng", Since: ago(31 * day), Detail: "last used 31 days ago"},
		{Kind: KindKeyUnused, KeyID: "k_never", UserID: "carol", Since: ago(30 * day), Detail: "never used; created 30 days ago"},
		{Kind: KindKeyRotationDue, KeyID: "k_blocked", UserID: "erin", TeamID: "ops", Since: ago(100 * day),
			Detail: "created 100 days ago; rotate after 90 days (key blocked)"},
		{Kind: KindKeyRotationDue, KeyID: "k_old", UserID: "alice", Since: ago(90 * day), Detail: "created 90 days ago; rotate after 90 days"},
		{Kind: KindKeyMissingOwner, KeyID: "k_nullowner", Since: ago(4 * day), Detail: "owner tag is not a string"},
		{Kind: KindKeyMissingOwner, KeyID: "k_badtags", Since: ago(3 * day), Detail: "owner tag is empty"},
		{Kind: KindKeyMissingOwner, KeyID: "k_notags", UserID: "bob", Since: ago(2 * day), Detail: "no owner tag"},
		{Kind: KindKeyMissingJustification, KeyID: "k_badtags", Since: ago(3 * day), Detail: "justification tag is not a string"},
		{Kind: KindKeyMissingJustification, KeyID: "k_notags", UserID: "bob", Since: ago(2 * day), Detail: "no justification tag"},
		{Kind: KindUserInNoTeam, UserID: "carol", Since: ago(5 * day), Detail: "role user; member of no team"},
		{Kind: KindUserInNoTeam, UserID: "dave", Since: ago(3 * day), Detail: "role pending; member of no team (user blocked)"},
		{Kind: KindUserInNoTeam, UserID: "frank", Since: ago(day), Detail: "role admin; member of no team"},
		{Kind: KindAdmin, UserID: "alice", Since: ago(200 * day), Detail: "role admin: manages everything"},
		{Kind: KindAdmin, UserID: "alice", TeamID: "eng", Since: ago(100 * day), Detail: "team admin: manages the team's members and keys"},
		{Kind: KindAdmin, UserID: "erin", TeamID: "ops", Since: ago(40 * day), Detail: "team admin: manages the team's members and keys"},
		{Kind: KindAdmin, UserID: "frank", Since: ago(day), Detail: "role admin: manages everything"},
	}
}

func show(f Finding) string {
	return fmt.Sprintf("%s key=%q user=%q team=%q since=%s detail=%q", f.Kind, f.KeyID, f.UserID, f.TeamID,
		f.Since.Format(time.RFC3339Nano), f.Detail)
}

func wantReport(t *testing.T, got Report, want []Finding) {
	t.Helper()
	n := max(len(got.Findings), len(want))
	for i := range n {
		var g, w string
		if i < len(got.Findings) {
			g = show(got.Findings[i])
		}
		if i < len(want) {
			w = show(want[i])
		}
		if g != w {
			t.Errorf("finding %d:\n got %s\nwant %s", i, g, w)
		}
	}
	counts := map[string]int{}
	for _, k := range Kinds() {
		counts[k] = 0
	}
	for _, f := range want {
		counts[f.Kind]++
	}
	if fmt.Sprint(got.Counts) != fmt.Sprint(counts) {
		t.Errorf("counts = %v, want %v", got.Counts, counts)
	}
}

func TestRunFindsEveryKind(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"defaults", Options{Now: now}},
		{"explicit durations", Options{Now: now, UnusedFor: 30 * day, RotateAfter: 90 * day}},
		{"one item per page", Options{Now: now, pageSize: 1}},
		{"pages of 5", Options{Now: now, pageSize: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Run(t.Context(), st, tc.opt)
			must(t, err, "run")
			if !r.GeneratedAt.Equal(now) {
				t.Errorf("GeneratedAt = %v, want %v", r.GeneratedAt, now)
			}
			wantReport(t, r, seededFindings())
		})
	}
}

func TestRunHonoursDurations(t *testing.T) {
	st := openStore(t)
	addUser(t, st, "u", store.RoleUser, ago(day), false)
	addTeam(t, st, "t", map[string]string{"u": store.TeamRoleMember}, ago(day))
	addKey(t, st, store.Key{ID: "k", UserID: "u", CreatedAt: ago(10 * day), LastUsedAt: ago(2 * time.Hour), Metadata: []byte(okTags)})

	r, err := Run(t.Context(), st, Options{Now: now, UnusedFor: time.Hour, RotateAfter: 7 * day})
	must(t, err, "run")
	wantReport(t, r, []Finding{
		{Kind: KindKeyUnused, KeyID: "k", UserID: "u", Since: ago(2 * time.Hour), Detail: "last used 2 hours ago"},
		{Kind: KindKeyRotationDue, KeyID: "k", UserID: "u", Since: ago(10 * day), Detail: "created 10 days ago; rotate after 7 days"},
	})

	r, err = Run(t.Context(), st, Options{Now: now, UnusedFor: 3 * time.Hour, RotateAfter: 11 * day})
	must(t, err, "run")
	wantReport(t, r, nil)
}

func TestRunEmptyStore(t *testing.T) {
	r, err := Run(t.Context(), openStore(t), Options{})
	must(t, err, "run")
	if r.Findings == nil || len(r.Findings) != 0 {
		t.Errorf("Findings = %#v, want an empty non-nil slice", r.Findings)
	}
	wantReport(t, r, nil)
	if r.GeneratedAt.IsZero() || r.GeneratedAt.Location() != time.UTC {
		t.Errorf("GeneratedAt = %v, want now in UTC", r.GeneratedAt)
	}
}

func TestRunErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	closed := openStore(t)
	must(t, closed.Close(), "close")
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		st     store.Store
		opt    Options
		target error  // errors.Is target, or nil
		text   string // in the message
	}{
		{"negative UnusedFor", t.Context(), openStore(t), Options{UnusedFor: -time.Hour}, nil, "UnusedFor"},
		{"negative RotateAfter", t.Context(), openStore(t), Options{RotateAfter: -1}, nil, "RotateAfter"},
		{"cancelled context", cancelled, openStore(t), Options{}, context.Canceled, "review: keys"},
		{"closed store", t.Context(), closed, Options{}, nil, "review: keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(tc.ctx, tc.st, tc.opt)
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %q is not %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not mention %q", err, tc.text)
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	a, err := Run(t.Context(), st, Options{Now: now})
	must(t, err, "run")
	b, err := Run(t.Context(), st, Options{Now: now, pageSize: 3})
	must(t, err, "run")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("two runs differ:\n%s\n%s", ja, jb)
	}
}

func TestNewReportDropsDuplicates(t *testing.T) {
	f := Finding{Kind: KindKeyUnused, KeyID: "k", Since: ago(40 * day), Detail: "last used 40 days ago"}
	moved := f
	moved.Since, moved.Detail = ago(35*day), "last used 35 days ago" // touched between two pages
	other := Finding{Kind: KindKeyUnused, KeyID: "j", Since: ago(38 * day), Detail: "x"}
	r := newReport(now, []Finding{f, other, moved})
	wantReport(t, r, []Finding{f, other})
}

func TestAge(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 minutes"},
		{-time.Hour, "0 minutes"},
		{time.Minute, "1 minute"},
		{59 * time.Minute, "59 minutes"},
		{time.Hour, "1 hour"},
		{23*time.Hour + 59*time.Minute, "23 hours"},
		{day, "1 day"},
		{90*day + 23*time.Hour, "90 days"},
	} {
		if got := age(tc.d); got != tc.want {
			t.Errorf("age(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
