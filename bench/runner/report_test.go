package main

import (
	"math"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{9, 1, 5}, 5},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s missing, want %.3f", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %.3f, want %.3f", what, *got, want)
	}
}

func testTargets() []target {
	return []target{{name: "direct"}, {name: "nginx"}, {name: "caddy"}, {name: "warden", pending: "pending (no warden binary)"}}
}

func TestSummarizeTakesMediansAndRatios(t *testing.T) {
	scs := scenarios(16)[:1]
	samples := []sample{
		{Round: 1, Scenario: "chat", Target: "direct", RPS: 1000, P50ms: 1, P99ms: 4},
		{Round: 2, Scenario: "chat", Target: "direct", RPS: 900, P50ms: 3, P99ms: 6},
		{Round: 3, Scenario: "chat", Target: "direct", RPS: 5000, P50ms: 2, P99ms: 5},
		{Round: 1, Scenario: "chat", Target: "nginx", RPS: 600, P50ms: 2.5, P99ms: 8},
		{Round: 1, Scenario: "chat", Target: "caddy", RPS: 300, P50ms: 4, P99ms: 9},
	}
	rows := summarize(samples, scs, testTargets())
	if len(rows) != 4 {
		t.Fatalf("got %d rows, want 4", len(rows))
	}
	direct, nginx, caddy, warden := rows[0], rows[1], rows[2], rows[3]
	if direct.RPS != 1000 || direct.P50ms != 2 || direct.P99ms != 5 {
		t.Errorf("direct medians = %.0f %.1f %.1f, want 1000 2 5", direct.RPS, direct.P50ms, direct.P99ms)
	}
	near(t, "nginx × direct", nginx.VsDirect, 0.6)
	near(t, "caddy × nginx", caddy.VsNginx, 0.5)
	near(t, "caddy +p50", caddy.AddP50ms, 2)
	near(t, "caddy +p99", caddy.AddP99ms, 4)
	near(t, "direct × nginx", direct.VsNginx, 1000.0/600)
	if warden.Pending == "" || warden.VsDirect != nil {
		t.Errorf("warden row = %+v, want pending without ratios", warden)
	}
}

func TestSummarizeComparesWardenWithLimitsToWardenWithout(t *testing.T) {
	scs := scenarios(16)
	targets := []target{{name: "nginx"}, {name: "warden"}, {name: "warden-limits", limited: true}, {name: "warden-redis", limited: true}}
	var samples []sample
	for _, sc := range scs {
		samples = append(samples,
			sample{Scenario: sc.name, Target: "nginx", RPS: 3000},
			sample{Scenario: sc.name, Target: "warden", RPS: 2000},
			sample{Scenario: sc.name, Target: "warden-limits", RPS: 1900},
			sample{Scenario: sc.name, Target: "warden-redis", RPS: 1000},
		)
	}
	rows := summarize(samples, scs, targets)
	if len(rows) != 8 {
		t.Fatalf("got %d rows, want 8", len(rows))
	}
	for _, r := range rows {
		switch r.Target {
		case "nginx":
			if r.VsWarden != nil {
				t.Errorf("%s/nginx compared with warden: %v", r.Scenario, *r.VsWarden)
			}
		case "warden":
			near(t, r.Scenario+" warden × warden", r.VsWarden, 1)
		case "warden-limits":
			near(t, r.Scenario+" warden-limits × warden", r.VsWarden, 0.95)
			if got := r.cells()[7]; got != "0.95" {
				t.Errorf("× warden cell = %q, want 0.95", got)
			}
		case "warden-redis":
			near(t, r.Scenario+" warden-redis × warden", r.VsWarden, 0.5)
		}
	}
	// Without a measured "warden" there is nothing to compare with.
	rows = summarize(samples[2:3], scs[:1], targets)
	if rows[2].VsWarden != nil {
		t.Errorf("warden-limits compared with an unmeasured warden: %v", *rows[2].VsWarden)
	}
}

func TestSummarizeWithoutBaselinesLeavesRatiosOut(t *testing.T) {
	samples := []sample{{Round: 1, Scenario: "chat", Target: "caddy", RPS: 300, P50ms: 4, P99ms: 9}}
	rows := summarize(samples, scenarios(16)[:1], []target{{name: "caddy"}, {name: "direct"}})
	caddy, direct := rows[0], rows[1]
	if caddy.VsDirect != nil || caddy.VsNginx != nil || caddy.AddP50ms != nil {
		t.Errorf("ratios without a measured baseline: %+v", caddy)
	}
	if direct.Pending != "not measured" {
		t.Errorf("target without samples: pending = %q, want %q", direct.Pending, "not measured")
	}
	if got := caddy.cells()[5]; got != "—" {
		t.Errorf("missing ratio shown as %q, want —", got)
	}
}

func TestMarkdownNamesMachineSettingsAndPendingRows(t *testing.T) {
	o := options{threads: 2, conns: 32, rounds: 3, chunks: 16, model: "llama3.1:8b"}
	m := machine{Date: "2026-01-02 03:04 UTC", NProc: 2, CPU: "AMD EPYC", Kernel: "Linux 6.1", Go: "go1.26.8",
		Nginx: "1.22.1", Caddy: "2.6.2", Wrk: "wrk 4.1.0"}
	samples := []sample{
		{Round: 1, Scenario: "chat", Target: "direct", RPS: 1000, P50ms: 1, P99ms: 4, OtherCPU: 0.01},
		{Round: 1, Scenario: "chat", Target: "nginx", RPS: 600, P50ms: 2, P99ms: 5, OtherCPU: 0.30, Failures: 2},
	}
	rep := newReport(o, m, scenarios(16)[:1], testTargets(), samples)
	var b strings.Builder
	if err := rep.writeMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"2026-01-02 03:04 UTC", "2 CPUs", "AMD EPYC", "go1.26.8", "nginx 1.22.1", "Caddy 2.6.2",
		"| scenario | target | req/s | p50 ms | p99 ms | × direct | × nginx | × warden | +p50 ms | +p99 ms |",
		"| chat | nginx | 600 | 2.00 | 5.00 | 0.60 | 1.00 | — | +1.00 | +1.00 |",
		"| chat | warden | pending (no warden binary) |",
		"- chat / nginx: 600 (30%, 2 failed responses)",
		"- chat / direct: 1000 (1%)\n",
		"WARNING: during 1 of 2 measured runs",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestNoWarningForQuietRuns(t *testing.T) {
	rep := report{Samples: []sample{{OtherCPU: 0.01}, {OtherCPU: -1}}}
	if w := rep.noiseWarning(); w != "" {
		t.Errorf("quiet or unknown runs warned: %q", w)
	}
}

func TestTextTableHasOneLinePerRow(t *testing.T) {
	rows := summarize([]sample{{Scenario: "chat", Target: "direct", RPS: 10}}, scenarios(16)[:1], testTargets())
	var b strings.Builder
	if err := (report{Rows: rows}).writeText(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1+len(rows) {
		t.Errorf("text table has %d lines, want header + %d rows:\n%s", len(lines), len(rows), b.String())
	}
}

func TestRoundsArePairedWithNginxOfTheSameRound(t *testing.T) {
	scs := scenarios(16)[:1]
	samples := []sample{
		{Round: 1, Scenario: "chat", Target: "nginx", RPS: 1000},
		{Round: 2, Scenario: "chat", Target: "nginx", RPS: 2000},
		{Round: 3, Scenario: "chat", Target: "nginx", RPS: 4000},
		{Round: 1, Scenario: "chat", Target: "warden", RPS: 900},
		{Round: 3, Scenario: "chat", Target: "warden", RPS: 2000}, // round 2 failed
	}
	rows := summarize(samples, scs, []target{{name: "nginx"}, {name: "warden"}})
	w := rows[1]
	if len(w.RoundsVsNginx) != 2 || w.RoundsVsNginx[0] != 0.9 || w.RoundsVsNginx[1] != 0.5 {
		t.Fatalf("warden × nginx per round = %v, want [0.9 0.5]", w.RoundsVsNginx)
	}
	var b strings.Builder
	if err := (report{Rows: rows}).writeMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- chat / warden: 900 (0%), 2000 (0%); × nginx of the same round: 0.90, 0.50 (median 0.70)") {
		t.Errorf("markdown lacks the paired ratios:\n%s", b.String())
	}
	if strings.Contains(b.String(), "chat / nginx: 1000 (0%), 2000 (0%), 4000 (0%);") {
		t.Error("nginx is compared with itself")
	}
}

func TestCPUPerCallIsReported(t *testing.T) {
	scs := scenarios(16)[:1]
	samples := []sample{
		{Round: 1, Scenario: "chat", Target: "direct", RPS: 1000, ProxyCPU: -1, BackendCPU: 20},
		{Round: 1, Scenario: "chat", Target: "warden", RPS: 900, ProxyCPU: 31, BackendCPU: 25},
		{Round: 2, Scenario: "chat", Target: "warden", RPS: 800, ProxyCPU: -1, BackendCPU: -1},
		{Round: 3, Scenario: "chat", Target: "warden", RPS: 700, ProxyCPU: 29, BackendCPU: 27},
	}
	rows := summarize(samples, scs, []target{{name: "direct"}, {name: "warden"}})
	direct, warden := rows[0], rows[1]
	if direct.ProxyCPU != nil || direct.BackendCPU == nil || *direct.BackendCPU != 20 {
		t.Errorf("direct: proxy CPU %v, backend CPU %v; want none and 20", direct.ProxyCPU, direct.BackendCPU)
	}
	if warden.ProxyCPU == nil || *warden.ProxyCPU != 30 || *warden.BackendCPU != 26 {
		t.Errorf("warden: proxy CPU %v, backend %v; want medians of the known rounds, 30 and 26", warden.ProxyCPU, warden.BackendCPU)
	}
	cells := warden.cells()
	if n := len(tableHeader()); len(cells) != n {
		t.Fatalf("%d cells for %d columns", len(cells), n)
	}
	if cells[len(cells)-2] != "30.0" || cells[len(cells)-1] != "26.0" || direct.cells()[len(cells)-2] != "—" {
		t.Errorf("CPU cells: warden %q, direct %q", cells[len(cells)-2:], direct.cells()[len(cells)-2:])
	}
	var b strings.Builder
	if err := (report{Rows: rows}).writeMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "; proxy CPU µs per call: 31.0, ?, 29.0") {
		t.Errorf("markdown lacks the per-round CPU:\n%s", b.String())
	}
	if strings.Contains(b.String(), "chat / direct: 1000 (0%); proxy CPU") {
		t.Error("direct has a proxy CPU line")
	}
}
