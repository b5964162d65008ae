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
