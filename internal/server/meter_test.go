package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

func TestAppendResetMatchesDurationString(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 400 * time.Microsecond, time.Millisecond, 250 * time.Millisecond,
		999 * time.Millisecond, time.Second, 1500 * time.Millisecond, 59999 * time.Millisecond, time.Minute,
		60500 * time.Millisecond, 61 * time.Second, time.Hour, 3*time.Hour + 2*time.Minute + 3*time.Second + 40*time.Millisecond,
		30 * 24 * time.Hour} {
		want := max(d, 0).Round(time.Millisecond).String()
		if got := string(appendReset(nil, d)); got != want {
			t.Errorf("appendReset(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSetRateHeaders(t *testing.T) {
	h := http.Header{}
	setRateHeaders(h, limits.Status{LimitRequests: 30, RemainingRequests: 29, ResetRequests: 59500 * time.Millisecond,
		LimitTokens: 1000, RemainingTokens: -5, ResetTokens: 2 * time.Second})
	want := map[string]string{"X-Ratelimit-Limit-Requests": "30", "X-Ratelimit-Remaining-Requests": "29",
		"X-Ratelimit-Reset-Requests": "59.5s", "X-Ratelimit-Limit-Tokens": "1000", "X-Ratelimit-Remaining-Tokens": "0",
		"X-Ratelimit-Reset-Tokens": "2s"}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	h = http.Header{}
	setRateHeaders(h, limits.Status{LimitTokens: 7, RemainingTokens: 3, ResetTokens: time.Second})
	if len(h) != 3 || h.Get("X-Ratelimit-Limit-Tokens") != "7" || h.Get("X-Ratelimit-Remaining-Tokens") != "3" || h.Get("X-Ratelimit-Reset-Tokens") != "1s" {
		t.Errorf("tokens only: %v", h)
	}
	h = http.Header{}
	setRateHeaders(h, limits.Status{})
	if len(h) != 0 {
		t.Errorf("no limits: %v", h)
	}
}
