package limits

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a budget period: n seconds, minutes, hours or days aligned to the Unix epoch in UTC
// (so "1d" resets at 00:00 UTC and "7d" every 7 days counted from 1970-01-01), or n calendar months
// in UTC ("1mo" resets at 00:00 UTC on the 1st). The zero Period is a lifetime budget: it never resets.
type Period struct {
	n    int64
	unit byte // 0 (none), 's', 'm', 'h', 'd' or 'M' (month)
}

// maxPeriodCount bounds n so that periods stay far from overflowing.
const maxPeriodCount = 36500

// ParsePeriod reads "" (never resets) or a count and a unit: "30s", "15m", "1h", "1d", "7d", "30d", "1mo".
func ParsePeriod(s string) (Period, error) {
	if s == "" {
		return Period{}, nil
	}
	num := strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyz")
	unit := s[len(num):]
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > maxPeriodCount || num[0] < '1' || num[0] > '9' {
		return Period{}, fmt.Errorf("%w: period %q: want a count from 1 to %d and a unit (s, m, h, d, w, mo)", ErrInvalid, trim(s), maxPeriodCount)
	}
	switch unit {
	case "s", "m", "h", "d":
		return Period{n: n, unit: unit[0]}, nil
	case "w":
		return Period{n: 7 * n, unit: 'd'}, nil
	case "mo":
		return Period{n: n, unit: 'M'}, nil
	}
	return Period{}, fmt.Errorf("%w: period %q: unknown unit %q (want s, m, h, d, w or mo)", ErrInvalid, trim(s), trim(unit))
}

// trim shortens untrusted text quoted in an error.
func trim(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// IsZero reports whether p is the lifetime period.
func (p Period) IsZero() bool { return p.unit == 0 }

// String returns the form ParsePeriod reads.
func (p Period) String() string {
	switch p.unit {
	case 0:
		return ""
	case 'M':
		return strconv.FormatInt(p.n, 10) + "mo"
	}
	return strconv.FormatInt(p.n, 10) + string(p.unit)
}

// Bounds returns the period holding t as [start, end). For the zero Period both are the zero Time.
func (p Period) Bounds(t time.Time) (start, end time.Time) {
	t = t.UTC()
	var d time.Duration
	switch p.unit {
	case 0:
		return time.Time{}, time.Time{}
	case 'M':
		months := int64(t.Year())*12 + int64(t.Month()) - 1
		first := months - mod(months, p.n)
		start = time.Date(int(first/12), time.Month(first%12+1), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, int(p.n), 0)
	case 's':
		d = time.Second
	case 'm':
		d = time.Minute
	case 'h':
		d = time.Hour
	case 'd':
		d = 24 * time.Hour
	}
	d *= time.Duration(p.n)
	secs, step := t.Unix(), int64(d/time.Second)
	start = time.Unix(secs-mod(secs, step), 0).UTC()
	return start, start.Add(d)
}

// mod is the non-negative remainder, so times before 1970 still align.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
