package limits_test

import (
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/limits/limitstest"
)

// newMemory returns one memory limiter n times: replicas of a single node share its counts.
func newMemory(t *testing.T, now func() time.Time, n int) []limits.Limiter {
	l := limits.NewMemory(now)
	t.Cleanup(func() { l.Close() })
	ls := make([]limits.Limiter, n)
	for i := range ls {
		ls[i] = l
	}
	return ls
}

func TestMemory(t *testing.T) { limitstest.Run(t, newMemory) }

// newSeededMemory is newMemory with budgets seeded by base.
func newSeededMemory(t *testing.T, now func() time.Time, n int, base limits.SpendBase) []limits.Limiter {
	l := limits.NewMemory(now, limits.WithSpendBase(base))
	t.Cleanup(func() { l.Close() })
	ls := make([]limits.Limiter, n)
	for i := range ls {
		ls[i] = l
	}
	return ls
}

func TestMemorySpendBase(t *testing.T) { limitstest.RunSpendBase(t, newSeededMemory) }

func BenchmarkMemoryReserveSettle(b *testing.B) {
	l := limits.NewMemory(nil)
	defer l.Close()
	limitstest.BenchmarkReserveSettle(b, l)
}
