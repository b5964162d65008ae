package limits

import (
	"context"
	"testing"
	"time"
)

// sizes returns how many counters m holds.
func (m *memory) sizes() (windows, parallel, budgets int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows), len(m.parallel), len(m.budgets)
}

func TestMemoryEvictsIdleCounters(t *testing.T) {
	now := time.Date(2026, 3, 14, 23, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m := NewMemory(clock).(*memory)
	day, _ := ParsePeriod("1d")
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		res, _, ref, err := m.Reserve(ctx, Request{Tokens: 10, Cost: 1, Rules: []Rule{
			{Scope: Scope{"key", id}, RPM: 10, TPM: 100, MaxParallel: 1, HasBudget: true, Budget: 10, Period: day},
			{Scope: Scope{"user", id}, HasBudget: true, Budget: 10}, // lifetime
		}})
		if err != nil || ref != nil {
			t.Fatal(err, ref)
		}
		if err := res.Settle(ctx, 10, 1); err != nil {
			t.Fatal(err)
		}
	}
	if w, p, b := m.sizes(); w != 6 || p != 3 || b != 6 {
		t.Fatalf("after use: %d windows, %d parallel, %d budgets; want 6, 3, 6", w, p, b)
	}
	now = now.Add(2 * time.Hour) // windows idle, the day over
	if _, _, _, err := m.Reserve(ctx, Request{}); err != nil {
		t.Fatal(err)
	}
	if w, p, b := m.sizes(); w != 0 || p != 0 || b != 3 {
		t.Fatalf("after idling: %d windows, %d parallel, %d budgets; want 0, 0 and the 3 lifetime budgets that hold spend", w, p, b)
	}
}

func TestMemoryClosed(t *testing.T) {
	m := NewMemory(nil)
	m.Close()
	if _, _, _, err := m.Reserve(context.Background(), Request{}); err != ErrClosed {
		t.Fatalf("Reserve after Close: %v, want ErrClosed", err)
	}
}
