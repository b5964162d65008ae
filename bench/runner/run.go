package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// run starts the backend and the proxies, measures every scenario on every target, prints the
// table and writes results.md and results.json. Every process it started is stopped on return.
func run(ctx context.Context, o options) (err error) {
	work, err := os.MkdirTemp("", "warden-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil || o.keepWork {
			fmt.Fprintf(os.Stderr, "bench: configs and process logs kept in %s\n", work)
			return
		}
		_ = os.RemoveAll(work)
	}()
	sup := newSupervisor(work)
	defer sup.stopAll()
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	mach := collectMachine(ctx, o, time.Now())
	fmt.Printf("bench: %d CPUs, %s, %s, nginx %s, Caddy %s, %s\n", mach.NProc, mach.CPU, mach.Go, mach.Nginx, mach.Caddy, mach.Wrk)

	backend, err := startBackend(ctx, sup, client, o)
	if err != nil {
		return fmt.Errorf("fake backend: %w", err)
	}
	targets, err := startTargets(ctx, sup, client, o, backend)
	if err != nil {
		return err
	}
	client.CloseIdleConnections()
	script, err := writeScript(work)
	if err != nil {
		return err
	}
	scs := scenarios(o.chunks)
	fmt.Printf("bench: backend %s; targets %s; about %s of load\n", backend, describe(targets), runLength(o, scs, targets))
	m := measurer{o: o, script: script, groups: sup.pgids, exited: sup.exitedErr,
		meter: cpuMeter{procDir: "/proc", self: os.Getpid()}, backend: sup.pgidOf("fakebackend")}
	samples, err := m.measure(ctx, scs, targets)
	if err != nil {
		return err
	}
	rep := newReport(o, mach, scs, targets, samples)
	fmt.Println()
	if err := rep.writeText(os.Stdout); err != nil {
		return err
	}
	if warning := rep.noiseWarning(); warning != "" {
		fmt.Println("\n" + warning)
	}
	return writeResults(o.outDir, rep)
}

// writeResults writes results.md and results.json into dir.
func writeResults(dir string, rep report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	if err := rep.writeMarkdown(&md); err != nil {
		return err
	}
	mdPath := filepath.Join(dir, "results.md")
	if err := os.WriteFile(mdPath, []byte(md.String()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	jsPath := filepath.Join(dir, "results.json")
	if err := os.WriteFile(jsPath, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nbench: wrote %s and %s\n", mdPath, jsPath)
	return nil
}

// describe lists the targets, with the reason for any that is not measured.
func describe(targets []target) string {
	parts := make([]string, len(targets))
	for i, t := range targets {
		parts[i] = t.name
		if t.pending != "" {
			parts[i] += ": " + t.pending
		}
	}
	return strings.Join(parts, ", ")
}

// runLength estimates how long measuring takes.
func runLength(o options, scs []scenario, targets []target) time.Duration {
	n := 0
	for _, t := range targets {
		if t.pending == "" {
			n++
		}
	}
	per := roundUpSecond(o.duration) + roundUpSecond(o.warmup)
	return time.Duration(o.rounds*len(scs)*n) * per
}

// roundUpSecond is the length wrk actually runs for d (whole seconds, at least one).
func roundUpSecond(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return max(time.Second, d.Round(time.Second))
}

// percent formats a share such as otherShare's; "?" when unknown.
func percent(share float64) string {
	if share < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", share*100)
}
