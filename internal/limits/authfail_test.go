package limits_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/limits/limitstest"
)

// newMemoryAuth returns one memory AuthFailures n times: replicas of a single node share it.
func newMemoryAuth(t *testing.T, p limits.AuthFailPolicy, now func() time.Time, n int) []limits.AuthFailures {
	a := limits.NewMemoryAuthFailures(p, now)
	t.Cleanup(func() { a.Close() })
	as := make([]limits.AuthFailures, n)
	for i := range as {
		as[i] = a
	}
	return as
}

// newRedisAuth returns n AuthFailures, each with its own client, on one fresh prefix: n replicas.
func newRedisAuth(t *testing.T, p limits.AuthFailPolicy, now func() time.Time, n int) []limits.AuthFailures {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	as := make([]limits.AuthFailures, n)
	for i := range as {
		as[i] = limits.NewRedisAuthFailures(newRedisClient(t), prefix, p, now)
		t.Cleanup(func() { as[i].Close() })
	}
	return as
}

func TestMemoryAuthFailures(t *testing.T) { limitstest.RunAuthFailures(t, newMemoryAuth) }
func TestRedisAuthFailures(t *testing.T)  { limitstest.RunAuthFailures(t, newRedisAuth) }

// TestRedisAuthKeysExpire: every key written is under the prefix and expires within Window or Ban.
func TestRedisAuthKeysExpire(t *testing.T) {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	c := newRedisClient(t)
	p := limits.AuthFailPolicy{MaxFailures: 3, Window: 2 * time.Minute, Ban: 10 * time.Minute}
	a := limits.NewRedisAuthFailures(c, prefix, p, nil)
	ctx := context.Background()
	for _, ip := range []string{"192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2"} {
		if _, err := a.Fail(ctx, ip); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, "{"+prefix+"}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 { // the ban of .1 (its failures went with the ban) and the failures of .2
		t.Fatalf("keys %q, want 2", keys)
	}
	for _, k := range keys {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 || ttl > p.Ban {
			t.Errorf("key %q has TTL %v, want within (0, %v]", k, ttl, p.Ban)
		}
	}
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff::/64"},
	} {
		if got := limits.ClientKey(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("ClientKey(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
	if got := limits.ClientKey(netip.Addr{}); got != "" {
		t.Errorf("ClientKey(zero) = %q, want empty", got)
	}
}

func BenchmarkMemoryBanned(b *testing.B) {
	a := limits.NewMemoryAuthFailures(limits.AuthFailPolicy{}, nil)
	defer a.Close()
	limitstest.BenchmarkBanned(b, a)
}

func BenchmarkRedisBanned(b *testing.B) {
	needRedis(b)
	prefix := randomPrefix(b)
	defer dropKeys(b, prefix)
	a := limits.NewRedisAuthFailures(newRedisClient(b), prefix, limits.AuthFailPolicy{}, nil)
	defer a.Close()
	limitstest.BenchmarkBanned(b, a)
}

func BenchmarkClientKeyIPv6(b *testing.B) {
	ip := netip.MustParseAddr("2001:db8:1:2:3:4:5:6")
	b.ReportAllocs()
	for b.Loop() {
		_ = limits.ClientKey(ip)
	}
}
