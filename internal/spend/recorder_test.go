package spend_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/spend"
	"github.com/warden-gw/warden/internal/store"
)

var day = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func openStore(t testing.TB) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var errDown = errors.New("database down")

// flakyWriter passes AddSpend calls to a store, failing the calls whose 1-based number is in fail.
type flakyWriter struct {
	st   store.Store
	mu   sync.Mutex
	fail map[int]bool
	rows []int // rows of each call, failed ones included
}

func (w *flakyWriter) AddSpend(ctx context.Context, rows []store.SpendRow) error {
	w.mu.Lock()
	w.rows = append(w.rows, len(rows))
	failed := w.fail[len(w.rows)]
	w.mu.Unlock()
	if failed {
		return errDown
	}
	return w.st.AddSpend(ctx, rows)
}

func (w *flakyWriter) calls() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.rows...)
}

func charge(key, model string, cost float64) store.SpendRow {
	return store.SpendRow{Day: day, KeyID: key, UserID: "u-" + key, TeamID: "t1", Model: model, Requests: 1,
		PromptTokens: 10, CompletionTokens: 5, Cost: cost}
}

// wantSpend fails unless key's stored spend is exactly cost and requests.
func wantSpend(t *testing.T, s store.Store, key string, cost float64, requests int64) {
	t.Helper()
	rows, err := s.UsageReport(t.Context(), store.UsageFilter{GroupBy: store.SpendKey, KeyID: key})
	if err != nil {
		t.Fatal(err)
	}
	var got store.UsageRow
	if len(rows) == 1 {
		got = rows[0]
	}
	if got.Cost != cost || got.Requests != requests || got.PromptTokens != 10*requests || got.CompletionTokens != 5*requests {
		t.Fatalf("%s stored %+v, want cost %v over %d requests", key, rows, cost, requests)
	}
}

func TestConcurrentRecordsAddUpExactly(t *testing.T) {
	s := openStore(t)
	r := spend.New(s, spend.Options{})
	const workers, each = 32, 250
	keys := []string{"k1", "k2", "k3", "k4"}
	stop := make(chan struct{})
	flusherDone := make(chan error)
	go func() { // flushes race the records
		for {
			select {
			case <-stop:
				flusherDone <- nil
				return
			default:
				if err := r.Flush(t.Context()); err != nil {
					flusherDone <- err
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r.Record(charge(keys[(w+i)%len(keys)], fmt.Sprint("m", i%2), 0.125))
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-flusherDone; err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	per := int64(workers * each / len(keys))
	for _, k := range keys {
		wantSpend(t, s, k, float64(per)*0.125, per)
	}
	if st := r.Stats(); st.Pending != 0 || st.FlushErrors != 0 || st.Dropped != 0 || st.Invalid != 0 {
		t.Fatalf("stats after the last flush = %+v", st)
	}
}

func TestFailedFlushKeepsEveryChargeOnce(t *testing.T) {
	s := openStore(t)
	w := &flakyWriter{st: s, fail: map[int]bool{1: true, 2: true}}
	r := spend.New(w, spend.Options{})
	r.Record(charge("k1", "m", 0.5))
	if err := r.Flush(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("flush to a failing store: %v, want %v", err, errDown)
	}
	r.Record(charge("k1", "m", 0.25)) // merges with the restored row
	r.Record(charge("k2", "m", 1))
	if err := r.Flush(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("second flush: %v, want %v", err, errDown)
	}
	if st := r.Stats(); st.Pending != 2 || st.FlushErrors != 2 || st.Flushed != 0 {
		t.Fatalf("stats after two failed flushes = %+v, want 2 pending rows", st)
	}
	wantSpend(t, s, "k1", 0, 0)
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(t.Context()); err != nil { // nothing left: no call, nothing counted twice
		t.Fatal(err)
	}
	wantSpend(t, s, "k1", 0.75, 2)
	wantSpend(t, s, "k2", 1, 1)
	if got := w.calls(); len(got) != 3 || got[2] != 2 {
		t.Fatalf("AddSpend calls (rows each) = %v, want [1 2 2]: one call per flush with rows pending", got)
	}
}

func TestFlushFailingPartWayKeepsTheRest(t *testing.T) {
	s := openStore(t)
	w := &flakyWriter{st: s, fail: map[int]bool{2: true}}
	r := spend.New(w, spend.Options{})
	spend.SetChunk(r, 2)
	for i := range 5 {
		r.Record(charge(fmt.Sprint("k", i), "m", 0.5))
	}
	if err := r.Flush(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("flush failing on its second call: %v", err)
	}
	if st := r.Stats(); st.Flushed != 2 || st.Pending != 3 {
		t.Fatalf("after a flush failing part-way: %+v, want 2 rows written and 3 pending", st)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		wantSpend(t, s, fmt.Sprint("k", i), 0.5, 1)
	}
}

func TestCloseFlushesThenDrops(t *testing.T) {
	s := openStore(t)
	w := &flakyWriter{st: s, fail: map[int]bool{1: true}}
	r := spend.New(w, spend.Options{})
	r.Record(charge("k1", "m", 2))
	if err := r.Close(t.Context()); !errors.Is(err, errDown) {
		t.Fatalf("close with a failing store: %v, want %v", err, errDown)
	}
	if err := r.Close(t.Context()); err != nil { // the rows were kept for another try
		t.Fatal(err)
	}
	wantSpend(t, s, "k1", 2, 1)
	r.Record(charge("k1", "m", 1))
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantSpend(t, s, "k1", 2, 1)
	if st := r.Stats(); st.Dropped != 1 || st.Pending != 0 {
		t.Fatalf("stats after a charge recorded after close = %+v, want 1 dropped", st)
	}
}

func TestRunFlushesOnceMoreWhenItsContextEnds(t *testing.T) {
	s := openStore(t)
	r := spend.New(s, spend.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		r.Run(ctx, time.Hour) // no tick during the test: only the final flush writes
		close(done)
	}()
	r.Record(charge("k1", "m", 0.5))
	r.Record(charge("k1", "m", 0.5))
	cancel()
	<-done
	wantSpend(t, s, "k1", 1, 2) // written with a fresh deadline although ctx was cancelled
}

func TestRunFlushesPeriodically(t *testing.T) {
	s := openStore(t)
	r := spend.New(s, spend.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go r.Run(ctx, time.Millisecond)
	r.Record(charge("k1", "m", 0.5))
	for deadline := time.Now().Add(10 * time.Second); r.Stats().Flushed == 0; {
		if time.Now().After(deadline) {
			t.Fatal("Run did not flush within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	wantSpend(t, s, "k1", 0.5, 1)
}

func TestFullBufferFlushesSynchronously(t *testing.T) {
	s := openStore(t)
	w := &flakyWriter{st: s, fail: map[int]bool{2: true}}
	r := spend.New(w, spend.Options{MaxPending: 3})
	now := day
	spend.SetClock(r, func() time.Time { return now })
	for i := range 3 {
		r.Record(charge(fmt.Sprint("k", i), "m", 1))
	}
	r.Record(charge("k0", "m", 1)) // merges: no new row, no flush
	if got := w.calls(); len(got) != 0 {
		t.Fatalf("AddSpend calls below the bound = %v, want none", got)
	}
	r.Record(charge("k3", "m", 1)) // a 4th row: flush the 3 first
	if got, st := w.calls(), r.Stats(); len(got) != 1 || got[0] != 3 || st.Pending != 1 {
		t.Fatalf("past the bound: calls %v, stats %+v; want one call of 3 rows and 1 row pending", got, st)
	}
	for i := 4; i < 7; i++ {
		r.Record(charge(fmt.Sprint("k", i), "m", 1))
	}
	// k4, k5 fill the buffer; k6 triggers a flush that fails (call 2): k6 is kept all the same.
	if got, st := w.calls(), r.Stats(); len(got) != 2 || st.Pending != 4 || st.FlushErrors != 1 {
		t.Fatalf("after a failed synchronous flush: calls %v, stats %+v; want 2 calls and 4 rows kept", got, st)
	}
	r.Record(charge("k7", "m", 1)) // within the back-off: no synchronous flush
	if got := w.calls(); len(got) != 2 {
		t.Fatalf("calls during the back-off = %v, want still 2", got)
	}
	now = now.Add(2 * time.Second)
	r.Record(charge("k8", "m", 1)) // back-off over: flush the 5 pending, keep k8
	if got, st := w.calls(), r.Stats(); len(got) != 3 || got[2] != 5 || st.Pending != 1 {
		t.Fatalf("after the back-off: calls %v, stats %+v; want a third call of 5 rows", got, st)
	}
	if err := r.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i := range 9 {
		want := 1.0
		if i == 0 {
			want = 2
		}
		wantSpend(t, s, fmt.Sprint("k", i), want, int64(want))
	}
}

func TestRecordDaysAndRefusals(t *testing.T) {
	s := openStore(t)
	r := spend.New(s, spend.Options{})
	clock := time.Date(2025, 6, 1, 23, 59, 0, 0, time.UTC)
	spend.SetClock(r, func() time.Time { return clock })
	undated := charge("k1", "m", 0.5)
	undated.Day = time.Time{}
	r.Record(undated)                // dated now: 2025-06-01
	r.Record(charge("k1", "m", 0.5)) // 2025-03-14
	early := charge("k1", "m", 0.5)  // 2025-03-14 09:30 UTC too, in another zone
	early.Day = day.In(time.FixedZone("UTC-9", -9*3600))
	r.Record(early)
	for _, bad := range []func(*store.SpendRow){
		func(r *store.SpendRow) { r.Cost = -1 },
		func(r *store.SpendRow) { r.Requests = -1 },
		func(r *store.SpendRow) { r.Model = string(make([]byte, store.MaxIDLen+1)) },
	} {
		row := charge("k1", "m", 0.5)
		bad(&row)
		r.Record(row)
	}
	if st := r.Stats(); st.Pending != 2 || st.Invalid != 3 {
		t.Fatalf("stats = %+v, want 2 rows (two days) pending and 3 refused", st)
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.UsageReport(t.Context(), store.UsageFilter{GroupBy: store.SpendDay})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UsageRow{
		{Group: "2025-03-14", Requests: 2, PromptTokens: 20, CompletionTokens: 10, Cost: 1},
		{Group: "2025-06-01", Requests: 1, PromptTokens: 10, CompletionTokens: 5, Cost: 0.5},
	}
	if len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
		t.Fatalf("usage by day = %+v, want %+v", rows, want)
	}
}
