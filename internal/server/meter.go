package server

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/warden-gw/warden/internal/call"
	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/store"
	"github.com/warden-gw/warden/internal/usage"
)

// globalScope is the scope of the configured global limits.
var globalScope = limits.Scope{Level: "global", ID: "all"}

// meter is one call's reservation: made before the call goes upstream, settled to the real usage
// (or released) when it ends.
type meter struct {
	res    limits.Reservation // nil when no limit applies
	price  usage.Price
	prompt int64 // cheap prompt estimate (bytes/4): the reservation's, and a stream's fallback
	// cutAt is the completion tokens a stream may produce: once its running count goes past it,
	// Warden ends the stream with finish_reason "length"; 0 = never (no token limit or budget applies).
	cutAt int64
	// clientUsage is set when an OpenAI streaming client asked for stream_options.include_usage.
	clientUsage bool
}

// limitRule turns a configured limit set into a rule; ok is false when it limits nothing.
func limitRule(scope limits.Scope, l config.LimitSet) (limits.Rule, bool) {
	if l.IsZero() {
		return limits.Rule{}, false
	}
	r := limits.Rule{Scope: scope, RPM: l.RPMLimit, TPM: l.TPMLimit, MaxParallel: l.MaxParallelRequests,
		Budget: l.MaxBudget, HasBudget: l.MaxBudget > 0, TokensBudget: l.MaxTokensBudget}
	r.Period, _ = limits.ParsePeriod(l.BudgetDuration) // validated with the config
	return r, true
}

// buildPricing keeps the configured model prices and model and global limits.
func (s *Server) buildPricing(cfg *config.Config) {
	s.prices = map[string]usage.Price{}
	s.modelRules = map[string]limits.Rule{}
	for _, m := range cfg.Models {
		if m.Price != (config.Price{}) {
			s.prices[m.Name] = usage.Price{InputPerMillion: m.Price.InputPerMillion, OutputPerMillion: m.Price.OutputPerMillion}
		}
		if r, ok := limitRule(limits.Scope{Level: "model", ID: m.Name}, m.Limits); ok {
			s.modelRules[m.Name] = r
		}
	}
	if r, ok := limitRule(globalScope, cfg.Limits.Global); ok {
		s.globalRule = &r
	}
}

// rulesFor lists every rule a call counts against: its key, user and team, its model, global.
func (s *Server) rulesFor(c *call.Call) []limits.Rule {
	rules := c.Principal.RateRules
	mr, hasModel := s.modelRules[c.Model]
	if !hasModel && s.globalRule == nil {
		return rules
	}
	out := make([]limits.Rule, 0, len(rules)+2)
	out = append(out, rules...)
	if hasModel {
		out = append(out, mr)
	}
	if s.globalRule != nil {
		out = append(out, *s.globalRule)
	}
	return out
}

// tokenCap reports whether any rule counts the call's tokens or cost, and the smallest token
// limit among them (tpm_limit, max_tokens_budget; MaxInt64 when only money is counted).
func tokenCap(rules []limits.Rule) (int64, bool) {
	limit, counts := int64(math.MaxInt64), false
	for _, r := range rules {
		counts = counts || r.TPM > 0 || r.HasBudget || r.TokensBudget > 0
		if r.TPM > 0 {
			limit = min(limit, r.TPM)
		}
		if r.TokensBudget > 0 {
			limit = min(limit, r.TokensBudget)
		}
	}
	return limit, counts
}

// admit reserves the call at every rule that applies. It answers 429 (with Retry-After when
// waiting helps) or 503 itself and returns ok=false when the call may not go on. maxOutput is
// usage.MaxOutput of the body with no default when the caller has read it already, else -1.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, c *call.Call, ep endpoint, body []byte, maxOutput int64) (*meter, bool) {
	m := &meter{price: s.prices[c.Model], prompt: int64(len(body)) / 4}
	rules := s.rulesFor(c)
	if len(rules) == 0 {
		return m, true
	}
	req := limits.Request{Rules: rules}
	if tokenCap, ok := tokenCap(rules); ok {
		out := int64(0)
		if ep.generates() {
			if out = maxOutput; out < 0 {
				out = usage.MaxOutput(dialectName(c.Dialect), body, 0)
			}
			if out == 0 {
				// No output limit in the request: reserve the default, but no more than the
				// strictest token limit leaves, so that a small call under a small limit runs.
				out = max(min(s.cfg.Limits.DefaultMaxTokens, tokenCap-m.prompt), 1)
				m.cutAt = out
			} else {
				// The backend stops at the request's own limit; Warden's running count of the
				// text is an estimate, so it cuts only a stream clearly past that limit (a
				// backend that ignores max_tokens), never one that ends at it.
				m.cutAt = out + out/8 + 8
			}
		}
		req.Tokens = m.prompt + out
		req.Cost = m.price.Cost(usage.Usage{PromptTokens: m.prompt, CompletionTokens: out})
	}
	res, st, refusal, err := s.limiter.Reserve(r.Context(), req)
	if err != nil && r.Context().Err() != nil {
		c.Status, c.Err = 499, "client_closed" // the caller left while its limits were checked
		return nil, false
	}
	if err != nil {
		// Fail closed: a limit that cannot be checked is not waved through.
		s.log.Error("limiter unavailable", "err", err)
		c.Status, c.Err = http.StatusServiceUnavailable, "limits_unavailable"
		writeError(w, c.Dialect, http.StatusServiceUnavailable, "limits_unavailable", "Warden cannot check this call's limits right now; try again shortly")
		return nil, false
	}
	setRateHeaders(w.Header(), st)
	if refusal != nil {
		if refusal.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(refusal.RetryAfter.Seconds()))))
		}
		c.Status, c.Err = http.StatusTooManyRequests, refusal.Limit
		s.metrics.Refused(refusal.Limit, refusal.Rule.Scope.Level)
		writeError(w, c.Dialect, http.StatusTooManyRequests, refusal.Limit, fmt.Sprintf("%s: %s", refusal.Limit, refusal.Message))
		return nil, false
	}
	m.res = res
	return m, true
}

// settle ends the call's reservation and records its spend: the real usage when the backend
// answered, a full refund when it did not.
func (s *Server) settle(ctx context.Context, c *call.Call, m *meter) {
	if m.res != nil {
		ctx = context.WithoutCancel(ctx) // the reservation is settled even for a caller who left
	}
	if !c.Metered {
		if m.res != nil {
			var err error
			if c.Status >= 400 || c.Status == 0 {
				err = m.res.Release(ctx) // nothing was produced: refund all, the request too
			} else {
				err = m.res.Settle(ctx, 0, 0)
			}
			if err != nil {
				s.log.Warn("release limits", "request_id", c.ID, "err", err)
			}
		}
		return
	}
	u := c.Usage
	if u.Estimated && c.Err == errBudgetCut {
		// Warden ended the stream when its running count passed the reservation; a finer count
		// of the same text may come out higher, but no more than reserved was produced.
		u.CompletionTokens = min(u.CompletionTokens, m.cutAt)
		c.Usage = u
	}
	c.Cost = m.price.Cost(u)
	if m.res != nil {
		if err := m.res.Settle(ctx, u.Total(), c.Cost); err != nil {
			s.log.Warn("settle limits", "request_id", c.ID, "err", err)
		}
	}
	s.metrics.Settled(c.Model, u.PromptTokens, u.CompletionTokens, c.Cost)
	row := store.SpendRow{Day: time.Now(), Model: c.Model, Requests: 1, PromptTokens: u.PromptTokens,
		CompletionTokens: u.CompletionTokens, Cost: c.Cost}
	if p := c.Principal; p != nil {
		row.KeyID, row.UserID, row.TeamID = p.KeyID, p.UserID, p.TeamID
	}
	if u.Estimated {
		row.EstimatedRequests = 1
	}
	s.spend.Record(row)
}

// dialectName is the usage package's name for a dialect.
func dialectName(d call.Dialect) string {
	if d == call.Ollama {
		return usage.DialectOllama
	}
	return usage.DialectOpenAI
}

// Header names of the rate-limit status, as OpenAI sends them (already in canonical form).
const (
	hdrLimitRequests     = "X-Ratelimit-Limit-Requests"
	hdrRemainingRequests = "X-Ratelimit-Remaining-Requests"
	hdrResetRequests     = "X-Ratelimit-Reset-Requests"
	hdrLimitTokens       = "X-Ratelimit-Limit-Tokens"
	hdrRemainingTokens   = "X-Ratelimit-Remaining-Tokens"
	hdrResetTokens       = "X-Ratelimit-Reset-Tokens"
)

// setRateHeaders sets OpenAI's x-ratelimit-* headers from the strictest request and token limits.
// It runs on every limited call, so the values share one string and one slice.
func setRateHeaders(h http.Header, st limits.Status) {
	req, tok := st.LimitRequests > 0, st.LimitTokens > 0
	if !req && !tok {
		return
	}
	var buf [128]byte
	var ends [7]int // value i is b[ends[i]:ends[i+1]]
	b := buf[:0]
	for i := range 6 {
		switch {
		case i < 3 && !req, i >= 3 && !tok:
		case i == 0:
			b = strconv.AppendInt(b, st.LimitRequests, 10)
		case i == 1:
			b = strconv.AppendInt(b, max(st.RemainingRequests, 0), 10)
		case i == 2:
			b = appendReset(b, st.ResetRequests)
		case i == 3:
			b = strconv.AppendInt(b, st.LimitTokens, 10)
		case i == 4:
			b = strconv.AppendInt(b, max(st.RemainingTokens, 0), 10)
		default:
			b = appendReset(b, st.ResetTokens)
		}
		ends[i+1] = len(b)
	}
	all := string(b)
	vals := make([]string, 6)
	for i, name := range [6]string{hdrLimitRequests, hdrRemainingRequests, hdrResetRequests, hdrLimitTokens, hdrRemainingTokens, hdrResetTokens} {
		if i < 3 && req || i >= 3 && tok {
			vals[i] = all[ends[i]:ends[i+1]]
			h[name] = vals[i : i+1 : i+1]
		}
	}
}

// appendReset appends d rounded to the millisecond as time.Duration's String writes it
// ("0s", "250ms", "59.999s", "1m0.5s"), without allocating.
func appendReset(b []byte, d time.Duration) []byte {
	ms := int64(d.Round(time.Millisecond) / time.Millisecond)
	switch {
	case ms <= 0:
		return append(b, "0s"...)
	case ms < 1000:
		b = strconv.AppendInt(b, ms, 10)
		return append(b, "ms"...)
	}
	if h := ms / 3_600_000; h > 0 {
		b = strconv.AppendInt(b, h, 10)
		b = append(b, 'h')
	}
	if ms >= 60_000 {
		b = strconv.AppendInt(b, ms/60_000%60, 10)
		b = append(b, 'm')
	}
	b = strconv.AppendInt(b, ms/1000%60, 10)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return append(b, 's')
}

// errBudgetCut is Call.Err for a stream Warden ended at its reservation.
const errBudgetCut = "budget_cut"
