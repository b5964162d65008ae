package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/limits"
)

// admitRate reserves the principal's request-rate and concurrency limits for one call. It answers
// 429 (with Retry-After) or 503 itself and returns ok=false when the call may not go on; done must
// run when the call ends, to free its parallel slot.
func (s *Server) admitRate(w http.ResponseWriter, r *http.Request, c *call.Call) (done func(), ok bool) {
	rules := c.Principal.RateRules
	if len(rules) == 0 {
		return func() {}, true
	}
	res, st, refusal, err := s.limiter.Reserve(r.Context(), limits.Request{Rules: rules})
	if err != nil {
		// Fail closed: a limit that cannot be checked is not waved through.
		s.log.Error("limiter unavailable", "err", err)
		c.Status, c.Err = http.StatusServiceUnavailable, "limits_unavailable"
		writeError(w, c.Dialect, http.StatusServiceUnavailable, "limits_unavailable", "Warden cannot check this key's limits right now; try again shortly")
		return nil, false
	}
	if refusal != nil {
		if refusal.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(refusal.RetryAfter.Seconds()))))
		}
		setRateHeaders(w.Header(), st)
		c.Status, c.Err = http.StatusTooManyRequests, refusal.Limit
		writeError(w, c.Dialect, http.StatusTooManyRequests, refusal.Limit,
			fmt.Sprintf("%s: %s", refusal.Limit, refusal.Message))
		return nil, false
	}
	setRateHeaders(w.Header(), st)
	return func() {
		if err := res.Settle(context.WithoutCancel(r.Context()), 0, 0); err != nil {
			s.log.Warn("release rate limit", "err", err)
		}
	}, true
}

// setRateHeaders sets OpenAI's x-ratelimit-*-requests headers from the strictest request limit.
func setRateHeaders(h http.Header, st limits.Status) {
	if st.LimitRequests <= 0 {
		return
	}
	h.Set("X-Ratelimit-Limit-Requests", strconv.FormatInt(st.LimitRequests, 10))
	h.Set("X-Ratelimit-Remaining-Requests", strconv.FormatInt(max(st.RemainingRequests, 0), 10))
	h.Set("X-Ratelimit-Reset-Requests", st.ResetRequests.Round(time.Millisecond).String())
}
