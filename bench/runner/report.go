package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// sample is one measured run of one scenario against one target.
type sample struct {
	Round    int     `json:"round"`
	Scenario string  `json:"scenario"`
	Target   string  `json:"target"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Requests int64   `json:"requests"`
	OtherCPU float64 `json:"other_cpu"` // share of all CPU time used by unrelated processes; -1 unknown
	// ProxyCPU and BackendCPU are the CPU time (user and system) of the proxy's processes (for
	// warden-redis with the local Redis) and of the fake backend, in microseconds per call; 0 or
	// -1 when unknown or, for direct, there is no proxy.
	ProxyCPU   float64 `json:"proxy_cpu_us"`
	BackendCPU float64 `json:"backend_cpu_us"`
	Failures   int64   `json:"failures"` // failed responses tolerated by -max-errors
}

// noisyShare is the CPU share of unrelated processes above which a run is flagged as noisy.
const noisyShare = 0.05

// row is the median over rounds for one scenario and target, compared with direct and nginx, and
// for Warden rows with Warden without limits.
type row struct {
	Scenario  string    `json:"scenario"`
	Target    string    `json:"target"`
	Pending   string    `json:"pending,omitempty"`
	RPS       float64   `json:"rps"`
	P50ms     float64   `json:"p50_ms"`
	P99ms     float64   `json:"p99_ms"`
	VsDirect  *float64  `json:"vs_direct,omitempty"`
	VsNginx   *float64  `json:"vs_nginx,omitempty"`
	VsWarden  *float64  `json:"vs_warden,omitempty"` // Warden rows: limits on (or in Redis) against off
	AddP50ms  *float64  `json:"added_p50_ms,omitempty"`
	AddP99ms  *float64  `json:"added_p99_ms,omitempty"`
	RoundsRPS []float64 `json:"rounds_rps,omitempty"`
	Rounds    []int     `json:"rounds,omitempty"` // the round of each RoundsRPS entry
	// RoundsVsNginx pairs each round with nginx's run of the same round, which ran minutes
	// rather than rounds apart: steadier against a machine whose speed drifts than the ratio of
	// medians.
	RoundsVsNginx []float64 `json:"rounds_vs_nginx,omitempty"`
	OtherCPU      []float64 `json:"rounds_other_cpu,omitempty"`
	Failures      []int64   `json:"rounds_failures,omitempty"`
	// ProxyCPU and BackendCPU are the medians of the samples' CPU per call (µs), nil when unknown.
	ProxyCPU       *float64  `json:"proxy_cpu_us,omitempty"`
	BackendCPU     *float64  `json:"backend_cpu_us,omitempty"`
	RoundsProxyCPU []float64 `json:"rounds_proxy_cpu_us,omitempty"`
}

// settings records how the load was applied.
type settings struct {
	Threads  int    `json:"wrk_threads"`
	Conns    int    `json:"wrk_connections"`
	Duration string `json:"duration"`
	Warmup   string `json:"warmup"`
	Rounds   int    `json:"rounds"`
	Chunks   int    `json:"chunks"`
	Model    string `json:"model"`
}

// report is everything one run found; it is printed as text and written as Markdown and JSON.
type report struct {
	Machine   machine           `json:"machine"`
	Settings  settings          `json:"settings"`
	Scenarios map[string]string `json:"scenarios"`
	Rows      []row             `json:"rows"`
	Samples   []sample          `json:"samples"`
}

func newReport(o options, m machine, scs []scenario, targets []target, samples []sample) report {
	about := map[string]string{}
	for _, sc := range scs {
		about[sc.name] = sc.about
	}
	return report{
		Machine: m,
		Settings: settings{
			Threads: o.threads, Conns: o.conns, Duration: o.duration.String(), Warmup: o.warmup.String(),
			Rounds: o.rounds, Chunks: o.chunks, Model: o.model,
		},
		Scenarios: about,
		Rows:      summarize(samples, scs, targets),
		Samples:   samples,
	}
}

// summarize takes the median of each scenario and target over the rounds and adds the ratios
// against direct and nginx of the same scenario, and for Warden rows against "warden" (absent
// when that baseline was not measured).
func summarize(samples []sample, scs []scenario, targets []target) []row {
	var rows []row
	for _, sc := range scs {
		byTarget := map[string]*row{}
		var scRows []row
		for _, t := range targets {
			r := row{Scenario: sc.name, Target: t.name, Pending: t.pending}
			var p50, p99, proxyCPU, backendCPU []float64
			for _, s := range samples {
				if s.Scenario == sc.name && s.Target == t.name {
					if s.ProxyCPU > 0 {
						proxyCPU = append(proxyCPU, s.ProxyCPU)
					}
					if s.BackendCPU > 0 {
						backendCPU = append(backendCPU, s.BackendCPU)
					}
					r.RoundsProxyCPU = append(r.RoundsProxyCPU, s.ProxyCPU)
					r.RoundsRPS = append(r.RoundsRPS, s.RPS)
					r.Rounds = append(r.Rounds, s.Round)
					r.OtherCPU = append(r.OtherCPU, s.OtherCPU)
					r.Failures = append(r.Failures, s.Failures)
					p50 = append(p50, s.P50ms)
					p99 = append(p99, s.P99ms)
				}
			}
			if r.Pending == "" && len(r.RoundsRPS) == 0 {
				r.Pending = "not measured"
			}
			r.RPS, r.P50ms, r.P99ms = median(r.RoundsRPS), median(p50), median(p99)
			if len(proxyCPU) > 0 {
				r.ProxyCPU = ptr(median(proxyCPU))
			}
			if len(backendCPU) > 0 {
				r.BackendCPU = ptr(median(backendCPU))
			}
			scRows = append(scRows, r)
		}
		for i := range scRows {
			byTarget[scRows[i].Target] = &scRows[i]
		}
		direct, nginx, warden := measured(byTarget["direct"]), measured(byTarget["nginx"]), measured(byTarget["warden"])
		for i := range scRows {
			r := &scRows[i]
			if r.Pending != "" {
				continue
			}
			if direct != nil {
				r.VsDirect = ptr(r.RPS / direct.RPS)
				r.AddP50ms = ptr(r.P50ms - direct.P50ms)
				r.AddP99ms = ptr(r.P99ms - direct.P99ms)
			}
			if nginx != nil {
				r.VsNginx = ptr(r.RPS / nginx.RPS)
				r.RoundsVsNginx = pairedRatios(r, nginx)
			}
			if warden != nil && isWarden(r.Target) {
				r.VsWarden = ptr(r.RPS / warden.RPS)
			}
		}
		rows = append(rows, scRows...)
	}
	return rows
}

// pairedRatios divides each round of r by base's run of the same round; rounds that base lacks
// are left out.
func pairedRatios(r, base *row) []float64 {
	var out []float64
	for i, round := range r.Rounds {
		if j := slices.Index(base.Rounds, round); j >= 0 && base.RoundsRPS[j] > 0 {
			out = append(out, r.RoundsRPS[i]/base.RoundsRPS[j])
		}
	}
	return out
}

// measured returns r when it holds numbers usable as a baseline.
func measured(r *row) *row {
	if r == nil || r.Pending != "" || r.RPS <= 0 {
		return nil
	}
	return r
}

// roundsCPU lists CPU times per call, "?" for unknown ones; empty when all are unknown.
func roundsCPU(xs []float64) string {
	parts, known := make([]string, len(xs)), false
	for i, v := range xs {
		parts[i] = "?"
		if v > 0 {
			parts[i], known = fmt.Sprintf("%.1f", v), true
		}
	}
	if !known {
		return ""
	}
	return strings.Join(parts, ", ")
}

// isWarden reports whether target is Warden, with or without limits.
func isWarden(target string) bool { return target == "warden" || strings.HasPrefix(target, "warden-") }

func ptr(f float64) *float64 { return &f }

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// cells formats a row as table cells in column order.
func (r row) cells() []string {
	if r.Pending != "" {
		return []string{r.Scenario, r.Target, r.Pending, "", "", "", "", "", "", "", "", ""}
	}
	return []string{
		r.Scenario, r.Target,
		fmt.Sprintf("%.0f", r.RPS), fmt.Sprintf("%.2f", r.P50ms), fmt.Sprintf("%.2f", r.P99ms),
		optional(r.VsDirect, "%.2f"), optional(r.VsNginx, "%.2f"), optional(r.VsWarden, "%.2f"),
		optional(r.AddP50ms, "%+.2f"), optional(r.AddP99ms, "%+.2f"),
		optional(r.ProxyCPU, "%.1f"), optional(r.BackendCPU, "%.1f"),
	}
}

func optional(f *float64, format string) string {
	if f == nil {
		return "—"
	}
	return fmt.Sprintf(format, *f)
}

// tableHeader names the columns of row.cells.
func tableHeader() []string {
	return []string{"scenario", "target", "req/s", "p50 ms", "p99 ms", "× direct", "× nginx", "× warden", "+p50 ms", "+p99 ms", "proxy CPU µs/call", "backend CPU µs/call"}
}

// writeText prints the results table aligned for a terminal.
func (rep report) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(tableHeader(), "\t")+"\t")
	for _, r := range rep.Rows {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t")+"\t")
	}
	return tw.Flush()
}

// noiseWarning says how many measured runs shared the machine with busy unrelated processes;
// empty when none did.
func (rep report) noiseWarning() string {
	noisy, worst := 0, 0.0
	for _, s := range rep.Samples {
		if s.OtherCPU > noisyShare {
			noisy++
			worst = max(worst, s.OtherCPU)
		}
	}
	if noisy == 0 {
		return ""
	}
	return fmt.Sprintf("WARNING: during %d of %d measured runs other processes took more than %s of the CPU "+
		"(up to %s); those numbers are unreliable, rerun on a quiet machine.",
		noisy, len(rep.Samples), percent(noisyShare), percent(worst))
}

// writeMarkdown writes the machine, the settings and the results table as a Markdown section.
func (rep report) writeMarkdown(w io.Writer) error {
	m, s := rep.Machine, rep.Settings
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s.\n\n", m.Date)
	fmt.Fprintf(&b, "- Machine: %d CPUs (nproc), %s, %s\n", m.NProc, m.CPU, m.Kernel)
	fmt.Fprintf(&b, "- Software: %s, nginx %s, Caddy %s, %s; Warden source at commit %s (plus any uncommitted changes)\n",
		m.Go, m.Nginx, m.Caddy, m.Wrk, m.Commit)
	fmt.Fprintf(&b, "- Load: wrk, %d threads, %d connections, %s measured after a %s warm-up per target, "+
		"targets in turn, median of %d round(s)\n\n", s.Threads, s.Conns, s.Duration, s.Warmup, s.Rounds)
	b.WriteString("| " + strings.Join(tableHeader(), " | ") + " |\n")
	b.WriteString("|---|---|" + strings.Repeat("---:|", len(tableHeader())-2) + "\n")
	for _, r := range rep.Rows {
		b.WriteString("| " + strings.Join(r.cells(), " | ") + " |\n")
	}
	b.WriteString("\nreq/s in each round (CPU share taken by unrelated processes during that run):\n\n")
	for _, r := range rep.Rows {
		if r.Pending != "" {
			continue
		}
		parts := make([]string, len(r.RoundsRPS))
		for i, v := range r.RoundsRPS {
			parts[i] = fmt.Sprintf("%.0f (%s)", v, percent(r.OtherCPU[i]))
			if n := r.Failures[i]; n > 0 {
				parts[i] = fmt.Sprintf("%.0f (%s, %d failed responses)", v, percent(r.OtherCPU[i]), n)
			}
		}
		line := fmt.Sprintf("- %s / %s: %s", r.Scenario, r.Target, strings.Join(parts, ", "))
		if cpu := roundsCPU(r.RoundsProxyCPU); cpu != "" {
			line += "; proxy CPU µs per call: " + cpu
		}
		if r.Target != "nginx" && r.Target != "direct" && len(r.RoundsVsNginx) > 0 {
			ratios := make([]string, len(r.RoundsVsNginx))
			for i, v := range r.RoundsVsNginx {
				ratios[i] = fmt.Sprintf("%.2f", v)
			}
			line += fmt.Sprintf("; × nginx of the same round: %s (median %.2f)", strings.Join(ratios, ", "), median(r.RoundsVsNginx))
		}
		b.WriteString(line + "\n")
	}
	if warning := rep.noiseWarning(); warning != "" {
		b.WriteString("\n" + warning + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
