package limitstest

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

// NewAuthFunc returns n AuthFailures sharing one fresh, empty set of counts (n replicas of one
// deployment), all with policy p and the clock now, closed when t ends.
type NewAuthFunc func(t *testing.T, p limits.AuthFailPolicy, now func() time.Time, n int) []limits.AuthFailures

// authPolicy is the policy most auth tests use: 5 failures in 1m ban for 5m.
var authPolicy = limits.AuthFailPolicy{MaxFailures: 5, Window: time.Minute, Ban: 5 * time.Minute}

// RunAuthFailures runs every behaviour test against AuthFailures from newAuth. Subtests run in parallel.
func RunAuthFailures(t *testing.T, newAuth NewAuthFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewAuthFunc)
	}{
		{"BanAtMax", testAuthBanAtMax},
		{"BanExpires", testAuthBanExpires},
		{"OtherClientsUnaffected", testAuthOthers},
		{"WindowSlides", testAuthWindowSlides},
		{"FailuresWhileBanned", testAuthWhileBanned},
		{"IPv6GroupedBy64", testAuthIPv6Grouping},
		{"Defaults", testAuthDefaults},
		{"SharedAcrossReplicas", testAuthShared},
		{"Concurrent", testAuthConcurrent},
		{"Invalid", testAuthInvalid},
		{"Closed", testAuthClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newAuth)
		})
	}
}

// oneAuth returns a single AuthFailures with policy p on a fresh clock at start.
func oneAuth(t *testing.T, na NewAuthFunc, p limits.AuthFailPolicy) (limits.AuthFailures, *Clock) {
	c := NewClock(start)
	return na(t, p, c.Now, 1)[0], c
}

// fail counts a failure and fails the test unless the result is want.
func fail(t *testing.T, a limits.AuthFailures, ip string, want bool) {
	t.Helper()
	banned, err := a.Fail(context.Background(), ip)
	if err != nil {
		t.Fatalf("Fail(%q): %v", ip, err)
	}
	if banned != want {
		t.Fatalf("Fail(%q) = banned %v, want %v", ip, banned, want)
	}
}

// banned fails the test unless Banned(ip) is want, and returns the retry-after.
func banned(t *testing.T, a limits.AuthFailures, ip string, want bool) time.Duration {
	t.Helper()
	retry, got, err := a.Banned(context.Background(), ip)
	if err != nil {
		t.Fatalf("Banned(%q): %v", ip, err)
	}
	if got != want {
		t.Fatalf("Banned(%q) = %v, want %v", ip, got, want)
	}
	if got != (retry > 0) {
		t.Fatalf("Banned(%q) = %v with retry-after %v: want a positive one exactly when banned", ip, got, retry)
	}
	return retry
}

const ipA, ipB = "192.0.2.1", "192.0.2.2"

func testAuthBanAtMax(t *testing.T, na NewAuthFunc) {
	a, _ := oneAuth(t, na, authPolicy)
	for range authPolicy.MaxFailures - 1 {
		fail(t, a, ipA, false)
		banned(t, a, ipA, false)
	}
	fail(t, a, ipA, true)
	if retry := banned(t, a, ipA, true); retry != authPolicy.Ban {
		t.Fatalf("retry-after %v right after the ban, want the whole ban %v", retry, authPolicy.Ban)
	}
}

func testAuthBanExpires(t *testing.T, na NewAuthFunc) {
	p := authPolicy
	p.Window = 2 * p.Ban // so that failures before the ban would still count after it
	a, c := oneAuth(t, na, p)
	ban(t, a, ipA)
	c.Advance(authPolicy.Ban - time.Second)
	if retry := banned(t, a, ipA, true); retry != time.Second {
		t.Fatalf("retry-after %v one second before the ban ends, want 1s", retry)
	}
	c.Advance(time.Second - time.Millisecond)
	banned(t, a, ipA, true)
	c.Advance(time.Millisecond)
	banned(t, a, ipA, false)
	// The ban forgot the failures before it: a fresh MaxFailures-1 are allowed.
	for range authPolicy.MaxFailures - 1 {
		fail(t, a, ipA, false)
	}
	fail(t, a, ipA, true)
}

func testAuthOthers(t *testing.T, na NewAuthFunc) {
	a, _ := oneAuth(t, na, authPolicy)
	ban(t, a, ipA)
	banned(t, a, ipB, false)
	for range authPolicy.MaxFailures - 1 {
		fail(t, a, ipB, false)
	}
	banned(t, a, ipB, false)
	banned(t, a, ipA, true)
}

// ban fails ip MaxFailures times from a clean start, so that it ends banned.
func ban(t *testing.T, a limits.AuthFailures, ip string) {
	t.Helper()
	for range authPolicy.MaxFailures - 1 {
		fail(t, a, ip, false)
	}
	fail(t, a, ip, true)
}

// testAuthWindowSlides proves the window rolls: failures leave it one by one, Window after each.
func testAuthWindowSlides(t *testing.T, na NewAuthFunc) {
	a, c := oneAuth(t, na, authPolicy) // 5 in 1m
	fail(t, a, ipA, false)             // t=0
	fail(t, a, ipA, false)             // t=0
	c.Advance(30 * time.Second)
	fail(t, a, ipA, false) // t=30s
	fail(t, a, ipA, false) // t=30s: 4 in the window
	c.Advance(30 * time.Second)
	fail(t, a, ipA, false) // t=60s: the two at t=0 just left, 3 in the window
	c.Advance(29 * time.Second)
	fail(t, a, ipA, false) // t=89s: 4 in the window
	fail(t, a, ipA, true)  // t=89s: 30s, 30s, 60s, 89s and this one
	banned(t, a, ipA, true)

	b, c := oneAuth(t, na, authPolicy)
	for range authPolicy.MaxFailures - 1 {
		fail(t, b, ipB, false)
	}
	c.Advance(time.Minute - time.Millisecond)
	fail(t, b, ipB, true) // the first four are still inside the window
}

// testAuthWhileBanned: failures during a ban neither count nor extend it.
func testAuthWhileBanned(t *testing.T, na NewAuthFunc) {
	a, c := oneAuth(t, na, authPolicy)
	ban(t, a, ipA)
	c.Advance(time.Minute)
	for range 3 * authPolicy.MaxFailures {
		fail(t, a, ipA, true)
	}
	if retry := banned(t, a, ipA, true); retry != authPolicy.Ban-time.Minute {
		t.Fatalf("retry-after %v, want %v: failures while banned must not extend the ban", retry, authPolicy.Ban-time.Minute)
	}
	c.Advance(authPolicy.Ban - time.Minute)
	ban(t, a, ipA) // nothing from the ban carried over
}

func testAuthIPv6Grouping(t *testing.T, na NewAuthFunc) {
	a, _ := oneAuth(t, na, authPolicy)
	for i := range authPolicy.MaxFailures - 1 {
		ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 8: byte(i), 15: byte(i + 1)})
		fail(t, a, limits.ClientKey(ip), false)
	}
	same := limits.ClientKey(netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:ffff"))
	other := limits.ClientKey(netip.MustParseAddr("2001:db8:1:3::1"))
	fail(t, a, same, true)
	banned(t, a, limits.ClientKey(netip.MustParseAddr("2001:db8:1:2::abcd")), true)
	banned(t, a, other, false)
	v4a, v4b := limits.ClientKey(netip.MustParseAddr("198.51.100.1")), limits.ClientKey(netip.MustParseAddr("198.51.100.2"))
	ban(t, a, v4a)
	banned(t, a, v4b, false) // IPv4 addresses are not grouped
	banned(t, a, limits.ClientKey(netip.MustParseAddr("::ffff:198.51.100.1")), true)
}

func testAuthDefaults(t *testing.T, na NewAuthFunc) {
	a, c := oneAuth(t, na, limits.AuthFailPolicy{})
	for range limits.DefaultAuthMaxFailures - 1 {
		fail(t, a, ipA, false)
	}
	fail(t, a, ipA, true)
	if retry := banned(t, a, ipA, true); retry != limits.DefaultAuthBan {
		t.Fatalf("retry-after %v, want the default ban %v", retry, limits.DefaultAuthBan)
	}
	for range limits.DefaultAuthMaxFailures - 1 {
		fail(t, a, ipB, false)
	}
	c.Advance(limits.DefaultAuthWindow)
	fail(t, a, ipB, false) // the others left the default window
}

// testAuthShared: three replicas count together and see one another's bans.
func testAuthShared(t *testing.T, na NewAuthFunc) {
	c := NewClock(start)
	as := na(t, authPolicy, c.Now, 3)
	for i := range authPolicy.MaxFailures - 1 {
		fail(t, as[i%3], ipA, false)
	}
	fail(t, as[2], ipA, true)
	for _, a := range as {
		banned(t, a, ipA, true)
		banned(t, a, ipB, false)
	}
	c.Advance(authPolicy.Ban)
	for _, a := range as {
		banned(t, a, ipA, false)
	}
}

// testAuthConcurrent: of many failures at once on three replicas, exactly MaxFailures-1 pass
// unbanned; the rest find the client banned.
func testAuthConcurrent(t *testing.T, na NewAuthFunc) {
	c := NewClock(start)
	as := na(t, authPolicy, c.Now, 3)
	const calls = 60
	var notBanned atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			b, err := as[i%3].Fail(context.Background(), ipA)
			if err != nil {
				errs <- err
			}
			if !b {
				notBanned.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, want := notBanned.Load(), int64(authPolicy.MaxFailures-1); got != want {
		t.Fatalf("%d concurrent failures passed unbanned, want %d", got, want)
	}
	banned(t, as[0], ipA, true)
}

func testAuthInvalid(t *testing.T, na NewAuthFunc) {
	a, _ := oneAuth(t, na, authPolicy)
	for _, tc := range []struct{ name, ip string }{
		{"empty", ""},
		{"zero Addr", limits.ClientKey(netip.Addr{})},
		{"too long", strings.Repeat("1", 65)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := a.Fail(context.Background(), tc.ip); !errors.Is(err, limits.ErrInvalid) {
				t.Errorf("Fail: %v, want ErrInvalid", err)
			}
			if _, _, err := a.Banned(context.Background(), tc.ip); !errors.Is(err, limits.ErrInvalid) {
				t.Errorf("Banned: %v, want ErrInvalid", err)
			}
		})
	}
}

func testAuthClosed(t *testing.T, na NewAuthFunc) {
	a, _ := oneAuth(t, na, authPolicy)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Fail(context.Background(), ipA); !errors.Is(err, limits.ErrClosed) {
		t.Errorf("Fail after Close: %v, want ErrClosed", err)
	}
	if _, _, err := a.Banned(context.Background(), ipA); !errors.Is(err, limits.ErrClosed) {
		t.Errorf("Banned after Close: %v, want ErrClosed", err)
	}
}

// BenchmarkBanned measures Banned, the check made before every authentication, on a client
// that is not banned, with 1,000 other clients tracked and one banned.
func BenchmarkBanned(b *testing.B, a limits.AuthFailures) {
	ctx := context.Background()
	for i := range 1000 {
		ip := limits.ClientKey(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		if _, err := a.Fail(ctx, ip); err != nil {
			b.Fatal(err)
		}
	}
	for range limits.DefaultAuthMaxFailures {
		if _, err := a.Fail(ctx, ipB); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, banned, err := a.Banned(ctx, ipA); err != nil || banned {
			b.Fatal(banned, err)
		}
	}
}
