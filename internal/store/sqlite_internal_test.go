package store

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
)

// Read-then-write transactions from many goroutines must neither fail with SQLITE_BUSY (a deferred
// transaction cannot upgrade its read lock while another holds one) nor lose updates.
func TestSQLiteReadModifyWriteTransactions(t *testing.T) {
	s, err := OpenSQLite(t.Context(), t.TempDir()+"/warden.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutSetting(t.Context(), "counter", "0"); err != nil {
		t.Fatal(err)
	}
	increment := func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'counter'`).Scan(&v); err != nil {
			return err
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE name = 'counter'`, strconv.Itoa(n+1)); err != nil {
			return err
		}
		return tx.Commit()
	}
	const workers, each = 16, 20
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				if err := increment(t.Context()); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent read-modify-write: %v", err)
	}
	if v, _ := s.GetSetting(t.Context(), "counter"); v != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d: updates were lost", v, workers*each)
	}
}
