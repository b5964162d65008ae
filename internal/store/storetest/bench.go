package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// BenchmarkKeyByHash measures KeyByHash on a store holding 1,000 keys, half of them rotated with a grace
// period still running: "current" looks keys up by their current secret (the hot path), "previous" by
// the secret a rotation replaced.
func BenchmarkKeyByHash(b *testing.B, s store.Store) {
	const n = 1000
	current, previous := make([][]byte, n), make([][]byte, 0, n/2)
	grace := time.Now().Add(24 * time.Hour)
	for i := range n {
		k := newKey(fmt.Sprintf("key_%012d", i))
		k.UserID, k.Models, k.Metadata = "u1", []string{"llama3:8b", "qwen2.5"}, []byte(`{"team":"ops"}`)
		if err := s.CreateKey(b.Context(), k); err != nil {
			b.Fatalf("seed: %v", err)
		}
		current[i] = k.Hash
		if i%2 == 0 {
			current[i] = hashOf(k.ID + "-rotated")
			if err := s.RotateKey(b.Context(), k.ID, current[i], "", grace); err != nil {
				b.Fatalf("seed: %v", err)
			}
			previous = append(previous, k.Hash)
		}
	}
	for _, bc := range []struct {
		name   string
		hashes [][]byte
	}{{"current", current}, {"previous", previous}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.KeyByHash(b.Context(), bc.hashes[i%len(bc.hashes)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkAddSpend measures AddSpend of 1,000 rows (100 keys by 10 models), each call on a new day,
// as one flush of a busy node would write them.
func BenchmarkAddSpend(b *testing.B, s store.Store) {
	const keys, models = 100, 10
	rows := make([]store.SpendRow, 0, keys*models)
	for k := range keys {
		for m := range models {
			rows = append(rows, store.SpendRow{KeyID: fmt.Sprintf("key_%012d", k), UserID: fmt.Sprint("u", k%7),
				TeamID: fmt.Sprint("t", k%3), Model: fmt.Sprint("model-", m), Requests: 3, PromptTokens: 1200,
				CompletionTokens: 300, Cost: 0.0042})
		}
	}
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		for i := range rows {
			rows[i].Day = day
		}
		if err := s.AddSpend(b.Context(), rows); err != nil {
			b.Fatal(err)
		}
		day = day.AddDate(0, 0, 1)
	}
}
