package limits_test

import (
	"errors"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

func TestParsePeriod(t *testing.T) {
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	tests := []struct {
		in         string
		start, end time.Time
	}{
		{"30s", time.Date(2026, 3, 14, 15, 9, 0, 0, time.UTC), time.Date(2026, 3, 14, 15, 9, 30, 0, time.UTC)},
		{"15m", time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 14, 15, 15, 0, 0, time.UTC)},
		{"1h", time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 14, 16, 0, 0, 0, time.UTC)},
		{"1d", time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"7d", time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 19, 0, 0, 0, 0, time.UTC)},
		{"30d", time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC)},
		{"1mo", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"3mo", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"12mo", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := limits.ParsePeriod(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tc.in {
				t.Errorf("String() = %q, want %q", p.String(), tc.in)
			}
			// the same bounds from a time in another zone: periods are UTC
			s, e := p.Bounds(at.In(time.FixedZone("UTC+9", 9*3600)))
			if !s.Equal(tc.start) || !e.Equal(tc.end) {
				t.Fatalf("Bounds = [%v, %v), want [%v, %v)", s, e, tc.start, tc.end)
			}
			if s2, _ := p.Bounds(e); !s2.Equal(e) {
				t.Fatalf("the period after starts at %v, want %v", s2, e)
			}
		})
	}
	p, err := limits.ParsePeriod("")
	if err != nil || !p.IsZero() || p.String() != "" {
		t.Fatalf(`ParsePeriod("") = %v, %v; want the zero Period`, p, err)
	}
}

func TestParsePeriodInvalid(t *testing.T) {
	for _, in := range []string{"d", "0d", "-1d", "+1d", "1", "1y", "1D", "1 d", " 1d", "1mon", "36501d", "1W", "99999999999999999999h", "1.5h", "1d\x00", "ümo", "01mo", "007d"} {
		t.Run(in, func(t *testing.T) {
			if p, err := limits.ParsePeriod(in); !errors.Is(err, limits.ErrInvalid) {
				t.Fatalf("ParsePeriod(%q) = %v, %v; want ErrInvalid", in, p, err)
			}
		})
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"", "1h", "7d", "1mo", "12mo", "30s", "0d", "1y"} {
		f.Add(s)
	}
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := limits.ParsePeriod(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("ParsePeriod(%q).String() = %q", s, p.String())
		}
		if p.IsZero() {
			return
		}
		start, end := p.Bounds(at)
		if start.After(at) || !end.After(at) {
			t.Fatalf("%q: %v not in [%v, %v)", s, at, start, end)
		}
	})
}

func TestParsePeriodWeeks(t *testing.T) {
	w, err := limits.ParsePeriod("2w")
	d, _ := limits.ParsePeriod("14d")
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ws, we := w.Bounds(at)
	ds, de := d.Bounds(at)
	if err != nil || !ws.Equal(ds) || !we.Equal(de) || w.String() != "14d" {
		t.Fatalf(`ParsePeriod("2w") = %v (%v..%v), %v; want 14d (%v..%v)`, w, ws, we, err, ds, de)
	}
}
