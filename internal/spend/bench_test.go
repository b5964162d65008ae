package spend_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/warden-gw/warden/internal/spend"
	"github.com/warden-gw/warden/internal/store"
)

type nopWriter struct{}

func (nopWriter) AddSpend(context.Context, []store.SpendRow) error { return nil }

// BenchmarkRecord measures the hot-path cost of recording a settled charge (merged into a pending row).
func BenchmarkRecord(b *testing.B) {
	rows := make([]store.SpendRow, 64)
	for i := range rows {
		rows[i] = charge(fmt.Sprintf("key_%012d", i), "llama3:8b", 0.0001)
	}
	b.Run("serial", func(b *testing.B) {
		r := spend.New(nopWriter{}, spend.Options{})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r.Record(rows[i%len(rows)])
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		r := spend.New(nopWriter{}, spend.Options{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				r.Record(rows[i%len(rows)])
				i++
			}
		})
	})
}
