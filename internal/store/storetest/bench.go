package storetest

import (
	"fmt"
	"testing"

	"github.com/warden-gw/warden/internal/store"
)

// BenchmarkKeyByHash measures KeyByHash on a store holding 1,000 keys.
func BenchmarkKeyByHash(b *testing.B, s store.Store) {
	const n = 1000
	hashes := make([][]byte, n)
	for i := range n {
		k := newKey(fmt.Sprintf("key_%012d", i))
		k.UserID, k.Models, k.Metadata = "u1", []string{"llama3:8b", "qwen2.5"}, []byte(`{"team":"ops"}`)
		if err := s.CreateKey(b.Context(), k); err != nil {
			b.Fatalf("seed: %v", err)
		}
		hashes[i] = k.Hash
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.KeyByHash(b.Context(), hashes[i%n]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
