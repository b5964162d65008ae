package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30s", 30 * time.Second},
		{"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{" 2s ", 2 * time.Second},
		{"0", 0},
		{"1d", 24 * time.Hour},
		{"7d", 7 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"-1d", -24 * time.Hour},
		{"-5s", -5 * time.Second},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got.Std() != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got.Std(), err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty duration"},
		{"30", `invalid duration "30": missing unit`},
		{"1.5", `invalid duration "1.5": missing unit`},
		{"1.5d", `invalid duration "1.5d"`},
		{"d", `invalid duration "d"`},
		{"1d-1h", `invalid duration "1d-1h"`},
		{"+-1d", `invalid duration "+-1d"`},
		{"soon", `invalid duration "soon"`},
		{"5 m", `invalid duration "5 m"`},
		{"9999999999d", `invalid duration "9999999999d"`},
		{"106751d24h", `invalid duration "106751d24h"`},
		{strings.Repeat("9", 200), `"...: missing unit`},
		{strings.Repeat("9", 200) + "x", `"...: want Go units`},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDuration(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestDurationStringRoundTrips(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Second, "1s"},
		{90 * time.Second, "1m30s"},
		{5 * time.Minute, "5m"},
		{90 * time.Minute, "1h30m"},
		{2 * time.Hour, "2h"},
		{24 * time.Hour, "1d"},
		{7 * 24 * time.Hour, "7d"},
		{36 * time.Hour, "36h"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
		{-5 * time.Second, "-5s"},
	}
	for _, tt := range tests {
		s := Duration(tt.d).String()
		if s != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.d, s, tt.want)
		}
		back, err := ParseDuration(s)
		if err != nil || back.Std() != tt.d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, back.Std(), err, tt.d)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
	}{
		{"0", 0},
		{"1024", 1024},
		{"512KiB", 512 << 10},
		{"10MiB", 10 << 20},
		{"1GiB", 1 << 30},
		{"2TiB", 2 << 40},
		{"10KB", 10_000},
		{"10MB", 10_000_000},
		{"1GB", 1_000_000_000},
		{"1TB", 1_000_000_000_000},
		{"100B", 100},
		{"10 mib", 10 << 20},
		{" 4kb ", 4000},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSizeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty size"},
		{"-1", `invalid size "-1"`},
		{"1.5MiB", `invalid size "1.5MiB"`},
		{"10 parsecs", `invalid size "10 parsecs"`},
		{"MiB", `invalid size "MiB"`},
		{"10M", `invalid size "10M"`},
		{"0x10", `invalid size "0x10"`},
		{"9999999TiB", `invalid size "9999999TiB": too large`},
		{"99999999999999999999", `too large`},
	}
	for _, tt := range tests {
		_, err := ParseSize(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSize(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestSizeStringRoundTrips(t *testing.T) {
	tests := []struct {
		s    Size
		want string
	}{
		{0, "0"},
		{1000, "1000"},
		{1536, "1536"},
		{KiB, "1KiB"},
		{10 * MiB, "10MiB"},
		{GiB, "1GiB"},
		{3 * TiB, "3TiB"},
		{1024 * TiB, "1024TiB"},
		{10 * MB, "10000000"},
	}
	for _, tt := range tests {
		got := tt.s.String()
		if got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.s), got, tt.want)
		}
		back, err := ParseSize(got)
		if err != nil || back != tt.s {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", got, back, err, tt.s)
		}
	}
}
