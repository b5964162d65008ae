package limits

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func (m *memoryAuth) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.clients)
}

// TestMemoryAuthBounded: a flood of new addresses never grows the table past MaxTracked; the
// client whose last failure is oldest is forgotten, and new addresses are still counted.
func TestMemoryAuthBounded(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	m := NewMemoryAuthFailures(AuthFailPolicy{MaxFailures: 3, MaxTracked: 100}, func() time.Time { return now }).(*memoryAuth)
	ctx := context.Background()
	fail := func(ip string) bool {
		t.Helper()
		b, err := m.Fail(ctx, ip)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ip := func(i int) string { return fmt.Sprint("10.0.", i/256, ".", i%256) }
	fail("old")
	fail("old") // the oldest: one more would ban it
	for i := range 99 {
		now = now.Add(time.Millisecond)
		fail(ip(i))
	}
	fail(ip(98)) // the newest: one more would ban it
	if n := m.size(); n != 100 {
		t.Fatalf("%d clients tracked, want 100", n)
	}
	now = now.Add(time.Millisecond)
	fail(ip(99)) // at the cap: old goes
	if n := m.size(); n != 100 {
		t.Fatalf("%d clients tracked at the cap, want 100", n)
	}
	if !fail(ip(98)) {
		t.Fatal("a recent client was forgotten at the cap; want the oldest forgotten")
	}
	if fail("old") {
		t.Fatal("the oldest client kept its failures past the cap; want it forgotten")
	}
	for i := range 1000 {
		now = now.Add(time.Millisecond)
		fail(ip(100 + i))
		if n := m.size(); n > 100 {
			t.Fatalf("%d clients tracked after %d more new addresses, want at most 100", n, i+1)
		}
	}
}

// TestMemoryAuthDropsIdle: clients with no failure in the window and no ban are dropped.
func TestMemoryAuthDropsIdle(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	p := AuthFailPolicy{MaxFailures: 2, Window: time.Minute, Ban: 5 * time.Minute}
	m := NewMemoryAuthFailures(p, func() time.Time { return now }).(*memoryAuth)
	ctx := context.Background()
	for _, ip := range []string{"a", "b", "b", "c"} { // b is banned
		if _, err := m.Fail(ctx, ip); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(5*time.Minute - time.Millisecond)
	m.Fail(ctx, "d")
	if n := m.size(); n != 4 {
		t.Fatalf("%d clients tracked while b is still banned, want 4", n)
	}
	if _, banned, _ := m.Banned(ctx, "b"); !banned {
		t.Fatal("b not banned")
	}
	now = now.Add(time.Millisecond)
	m.Fail(ctx, "d")
	if n := m.size(); n != 1 {
		t.Fatalf("%d clients tracked after a, b and c went idle, want only d", n)
	}
}
