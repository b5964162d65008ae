// Package metrics holds Warden's Prometheus metrics, one registry per server.
package metrics

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the gateway's counters and histograms.
type Metrics struct {
	reg      *prometheus.Registry
	calls    *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	ttfb     *prometheus.HistogramVec
	healthy  *prometheus.GaugeVec
	failover *prometheus.CounterVec
	failOpen prometheus.Counter
	tokens   *prometheus.CounterVec
	spend    *prometheus.CounterVec
	refusals *prometheus.CounterVec

	mu       sync.RWMutex
	children map[childKey]child
	settled  map[string]settledChild // by model
}

type childKey struct {
	endpoint, model string
	status          int
}

type child struct {
	calls   prometheus.Counter
	latency prometheus.Observer
	ttfb    prometheus.Observer
}

// New registers the metrics on a fresh registry. inflight reports calls in flight per backend.
func New(inflight func() map[string]int64) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_calls_total", Help: "Model calls by endpoint, model and HTTP status.",
		}, []string{"endpoint", "model", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "warden_call_duration_seconds", Help: "Whole-call latency, until the last byte.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"endpoint", "model"}),
		ttfb: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "warden_time_to_first_byte_seconds", Help: "Time until the backend's answer started.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"endpoint", "model"}),
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "warden_backend_healthy", Help: "1 when the backend passes its health checks.",
		}, []string{"backend"}),
		failover: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_backend_failures_total", Help: "Attempts that failed on a backend before the first byte.",
		}, []string{"backend"}),
		failOpen: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "warden_limits_fail_open_total", Help: "Calls let through unchecked because the limits store was unreachable (fail_open).",
		}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_tokens_total", Help: "Tokens settled, by model and type (prompt or completion).",
		}, []string{"model", "type"}),
		spend: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_spend_total", Help: "Money settled (model price times tokens), by model.",
		}, []string{"model"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warden_limit_refusals_total", Help: "Calls refused by a limit, by limit and level.",
		}, []string{"limit", "level"}),
		children: map[childKey]child{},
		settled:  map[string]settledChild{},
	}
	m.reg.MustRegister(m.calls, m.latency, m.ttfb, m.healthy, m.failover, m.failOpen, m.tokens, m.spend, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if inflight != nil {
		m.reg.MustRegister(inflightCollector{desc: prometheus.NewDesc("warden_backend_inflight",
			"Calls in flight per backend.", []string{"backend"}, nil), f: inflight})
	}
	return m
}

type inflightCollector struct {
	desc *prometheus.Desc
	f    func() map[string]int64
}

func (c inflightCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c inflightCollector) Collect(ch chan<- prometheus.Metric) {
	for name, n := range c.f() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), name)
	}
}

// maxSeries bounds label combinations, so arbitrary model names cannot grow memory without end.
const maxSeries = 10_000

// series returns the metrics cached under k in cache, guarded by mu, making them with build on
// first use. Once cache holds maxSeries entries, new keys share the entry of other(k).
func series[K comparable, V any](mu *sync.RWMutex, cache map[K]V, k K, other func(K) K, build func(K) V) V {
	mu.RLock()
	v, ok := cache[k]
	mu.RUnlock()
	if ok {
		return v
	}
	mu.Lock()
	defer mu.Unlock()
	if len(cache) >= maxSeries {
		k = other(k)
	}
	if v, ok = cache[k]; !ok {
		v = build(k)
		cache[k] = v
	}
	return v
}

// Observe records one finished call. ttfb is negative when no answer started.
func (m *Metrics) Observe(endpoint, model string, status int, seconds, ttfb float64) {
	c := series(&m.mu, m.children, childKey{endpoint, model, status},
		func(k childKey) childKey { k.model = "other"; return k },
		func(k childKey) child {
			return child{
				calls:   m.calls.WithLabelValues(k.endpoint, k.model, strconv.Itoa(k.status)),
				latency: m.latency.WithLabelValues(k.endpoint, k.model),
				ttfb:    m.ttfb.WithLabelValues(k.endpoint, k.model),
			}
		})
	c.calls.Inc()
	c.latency.Observe(seconds)
	if ttfb >= 0 {
		c.ttfb.Observe(ttfb)
	}
}

// SetHealthy records a backend's health.
func (m *Metrics) SetHealthy(backend string, healthy bool) {
	v := 0.0
	if healthy {
		v = 1
	}
	m.healthy.WithLabelValues(backend).Set(v)
}

// BackendFailure counts a failed attempt on a backend.
func (m *Metrics) BackendFailure(backend string) { m.failover.WithLabelValues(backend).Inc() }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Settled counts a call's settled usage and cost.
func (m *Metrics) Settled(model string, prompt, completion int64, cost float64) {
	c := m.settledChild(model)
	c.prompt.Add(float64(max(prompt, 0)))
	c.completion.Add(float64(max(completion, 0)))
	if cost > 0 {
		c.spend.Add(cost)
	}
}

// settledChild is a model's token and spend counters, looked up once.
type settledChild struct{ prompt, completion, spend prometheus.Counter }

func (m *Metrics) settledChild(model string) settledChild {
	return series(&m.mu, m.settled, model, func(string) string { return "other" },
		func(model string) settledChild {
			return settledChild{
				prompt:     m.tokens.WithLabelValues(model, "prompt"),
				completion: m.tokens.WithLabelValues(model, "completion"),
				spend:      m.spend.WithLabelValues(model),
			}
		})
}

// Refused counts a call refused by a limit (rpm_limit, max_budget, ...) at a level (key, team, ...).
func (m *Metrics) Refused(limit, level string) { m.refusals.WithLabelValues(limit, level).Inc() }

// LimitsFailedOpen counts a call let through because limits could not be checked (fail_open).
func (m *Metrics) LimitsFailedOpen() { m.failOpen.Inc() }
