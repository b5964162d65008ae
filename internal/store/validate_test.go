package store

import (
	"errors"
	"testing"
	"time"
)

func TestPage(t *testing.T) {
	for _, tc := range []struct{ limit, offset, wantLimit int }{
		{0, 0, DefaultLimit},
		{1, 5, 1},
		{MaxLimit, 0, MaxLimit},
		{MaxLimit + 1, 0, MaxLimit},
	} {
		l, o, err := page(tc.limit, tc.offset)
		if err != nil || l != tc.wantLimit || o != tc.offset {
			t.Errorf("page(%d, %d) = %d, %d, %v; want %d, %d", tc.limit, tc.offset, l, o, err, tc.wantLimit, tc.offset)
		}
	}
	for _, bad := range [][2]int{{-1, 0}, {0, -1}} {
		if _, _, err := page(bad[0], bad[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("page(%d, %d): %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
}

func TestNormMetadata(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "{}",
		" \n":                       "{}",
		"{}":                        "{}",
		` { "b": 1, "a": [1, 2] } `: `{"b":1,"a":[1,2]}`,
	} {
		got, err := normMetadata([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("normMetadata(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"[]", "1", `"s"`, "null", "{", "{} {}"} {
		if _, err := normMetadata([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("normMetadata(%q): %v, want ErrInvalid", in, err)
		}
	}
}

func TestNormTime(t *testing.T) {
	in := time.Date(2024, 1, 2, 3, 4, 5, 678999999, time.FixedZone("x", -5*3600))
	got := normTime(in)
	if want := time.Date(2024, 1, 2, 8, 4, 5, 678000000, time.UTC); got != want {
		t.Errorf("normTime(%v) = %v, want %v", in, got, want)
	}
	if !normTime(time.Time{}).IsZero() {
		t.Error("zero time did not stay zero")
	}
	before := time.Date(1969, 12, 31, 23, 59, 59, 999500000, time.UTC) // before the Unix epoch: still truncated down
	if got := normTime(before); got.Nanosecond() != 999000000 || got.Second() != 59 {
		t.Errorf("normTime(%v) = %v", before, got)
	}
}
