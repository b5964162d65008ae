package spend

import "time"

// SetChunk sets the rows per AddSpend call, to test flushes that take several.
func SetChunk(r *Recorder, n int) { r.chunk = n }

// SetClock replaces the Recorder's clock.
func SetClock(r *Recorder, now func() time.Time) { r.now = now }
