package limitstest

import (
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

func testRPM(t *testing.T, nl NewFunc) {
	l, c := one(t, nl)
	r := req(10, 0, limits.Rule{Scope: key, RPM: 30})
	for i := range 30 {
		res, st := admit(t, l, r)
		if st.LimitRequests != 30 || st.RemainingRequests != int64(29-i) {
			t.Fatalf("call %d: status %+v, want limit 30 remaining %d", i+1, st, 29-i)
		}
		if st.ResetRequests <= 0 || st.ResetRequests > 61*time.Second {
			t.Fatalf("call %d: reset %v, want within (0, 61s]", i+1, st.ResetRequests)
		}
		settle(t, res, 10, 0)
	}
	ref := refuse(t, l, r, limits.LimitRPM)
	if ref.RetryAfter <= 0 || ref.RetryAfter > 61*time.Second {
		t.Fatalf("RetryAfter %v, want within (0, 61s]", ref.RetryAfter)
	}
	if ref.Rule.Scope != key || ref.Rule.RPM != 30 {
		t.Fatalf("refusal names rule %+v, want the key's", ref.Rule)
	}
	c.Advance(ref.RetryAfter - time.Millisecond)
	refuse(t, l, r, limits.LimitRPM)
	c.Advance(time.Millisecond)
	admit(t, l, r)
}

// testRPMRolling proves the window rolls: a fixed minute would admit 30 more at its boundary.
func testRPMRolling(t *testing.T, nl NewFunc) {
	l, c := one(t, nl)
	r := req(1, 0, limits.Rule{Scope: key, RPM: 30})
	for range 15 {
		admit(t, l, r)
	}
	c.Advance(30 * time.Second)
	for range 15 {
		admit(t, l, r)
	}
	c.Advance(20 * time.Second)
	ref := refuse(t, l, r, limits.LimitRPM)
	if ref.RetryAfter <= 0 || ref.RetryAfter > 11*time.Second {
		t.Fatalf("RetryAfter %v, want when the first 15 leave (about 11s)", ref.RetryAfter)
	}
	c.Advance(ref.RetryAfter)
	for range 15 {
		admit(t, l, r)
	}
	refuse(t, l, r, limits.LimitRPM)
}

func testTPM(t *testing.T, nl NewFunc) {
	l, c := one(t, nl)
	rule := limits.Rule{Scope: key, TPM: 1000}
	r := req(400, 0, rule)
	a, _ := admit(t, l, r)
	_, st := admit(t, l, r)
	if st.LimitTokens != 1000 || st.RemainingTokens != 200 {
		t.Fatalf("status %+v, want token limit 1000 remaining 200", st)
	}
	refuse(t, l, r, limits.LimitTPM)
	settle(t, a, 100, 0) // used far less than estimated: the rest returns to the window
	admit(t, l, r)       // 100 + 400 + 400
	refuse(t, l, req(101, 0, rule), limits.LimitTPM)
	admit(t, l, req(100, 0, rule))
	c.Advance(61 * time.Second)
	admit(t, l, req(1000, 0, rule))
}

func testTPMOverLimit(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	ref := refuse(t, l, req(1001, 0, limits.Rule{Scope: key, TPM: 1000}), limits.LimitTPM)
	if ref.RetryAfter != 0 {
		t.Fatalf("RetryAfter %v for a request larger than the limit, want 0 (waiting cannot help)", ref.RetryAfter)
	}
}

func testParallel(t *testing.T, nl NewFunc) {
	l, _ := one(t, nl)
	r := req(1, 0, limits.Rule{Scope: key, MaxParallel: 2})
	a, _ := admit(t, l, r)
	b, _ := admit(t, l, r)
	ref := refuse(t, l, r, limits.LimitParallel)
	if ref.RetryAfter <= 0 {
		t.Fatalf("RetryAfter %v, want a positive hint", ref.RetryAfter)
	}
	release(t, a)
	c, _ := admit(t, l, r)
	refuse(t, l, r, limits.LimitParallel)
	settle(t, b, 1, 0)
	settle(t, c, 1, 0)
	admit(t, l, r)
	admit(t, l, r)
	refuse(t, l, r, limits.LimitParallel)
}
