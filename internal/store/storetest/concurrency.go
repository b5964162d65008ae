package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/store"
)

// parallel runs f(0..n-1) in n goroutines started together and returns their errors.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testParallelCreateKey(t *testing.T, s store.Store) {
	const writers, each = 20, 10
	errs := parallel(writers, func(w int) error {
		for j := range each {
			k := newKey(fmt.Sprintf("k-%02d-%02d", w, j))
			k.UserID = fmt.Sprint("u", w%3)
			if err := s.CreateKey(ctx(t), k); err != nil {
				return err
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel CreateKey: %v", err)
	}
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{Limit: store.MaxLimit})
	must(t, err, "list keys")
	if len(ks) != writers*each {
		t.Fatalf("stored %d keys, want %d", len(ks), writers*each)
	}
	if !slices.IsSorted(keyIDs(ks)) {
		t.Fatalf("keys with equal CreatedAt are not ordered by id: %v", keyIDs(ks)[:10])
	}
	for _, k := range ks {
		got, err := s.KeyByHash(ctx(t), hashOf(k.ID))
		must(t, err, "key by hash "+k.ID)
		if got.ID != k.ID {
			t.Fatalf("hash of %s found key %s", k.ID, got.ID)
		}
	}
}

func testParallelDuplicateKey(t *testing.T, s store.Store) {
	const n = 20
	errs := parallel(n, func(i int) error {
		k := newKey("k-same")
		if i%2 == 1 { // half race on the id, half on the hash
			k.ID = fmt.Sprint("k-other-", i)
		}
		return s.CreateKey(ctx(t), k)
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racing CreateKey: got %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d racing creates of one key succeeded, want exactly 1", won, n)
	}
}

// testParallelMixed runs every kind of write and read at once; no call may fail (for SQLite: no SQLITE_BUSY).
func testParallelMixed(t *testing.T, s store.Store) {
	const workers, rounds = 10, 8
	errs := parallel(workers, func(w int) error {
		for r := range rounds {
			id := fmt.Sprintf("k-%d-%d", w, r)
			if err := s.CreateKey(ctx(t), newKey(id)); err != nil {
				return err
			}
			if err := s.TouchKeys(ctx(t), map[string]time.Time{id: base.Add(time.Duration(r) * time.Second), "k-0-0": base}); err != nil {
				return err
			}
			if _, err := s.KeyByHash(ctx(t), hashOf(id)); err != nil {
				return err
			}
			if _, err := s.ListKeys(ctx(t), store.KeyFilter{Limit: 10}); err != nil {
				return err
			}
			if _, err := s.SetSettingIfAbsent(ctx(t), fmt.Sprint("s", r), id); err != nil {
				return err
			}
			if r%2 == 1 {
				if n, err := s.DeleteKeys(ctx(t), []string{id}); err != nil || n != 1 {
					return fmt.Errorf("delete %s: %d, %w", id, n, err)
				}
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("parallel mixed calls: %v", err)
	}
	ks, err := s.ListKeys(ctx(t), store.KeyFilter{Limit: store.MaxLimit})
	must(t, err, "list keys")
	if len(ks) != workers*rounds/2 {
		t.Fatalf("%d keys left, want %d", len(ks), workers*rounds/2)
	}
}
