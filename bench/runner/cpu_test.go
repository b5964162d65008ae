package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseSystemCPU(t *testing.T) {
	stat := "cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 50 2 25 400 10 1 1 5 0 0\nintr 1\n"
	busy, total, err := parseSystemCPU([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if busy != 165 || total != 990 { // busy: user, nice, system, steal
		t.Errorf("busy %d total %d, want 165 990", busy, total)
	}
	if _, _, err := parseSystemCPU([]byte("intr 1\n")); err == nil {
		t.Error("accepted /proc/stat without a cpu line")
	}
}

func TestParseProcStatHandlesOddCommandNames(t *testing.T) {
	stat := "4242 (we ird) (name)) S 1 4240 4240 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 100 0 0\n"
	pgrp, ticks, err := parseProcStat([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if pgrp != 4240 || ticks != 10 {
		t.Errorf("pgrp %d ticks %d, want 4240 10", pgrp, ticks)
	}
	if _, _, err := parseProcStat([]byte("12 (x) S 1")); err == nil {
		t.Error("accepted a short stat line")
	}
}

func TestOtherShare(t *testing.T) {
	a := cpuSample{busy: 1000, total: 2000, ours: 300}
	b := cpuSample{busy: 1150, total: 2200, ours: 380} // 150 busy ticks, 80 ours
	// wrk used 200 ms = 20 ticks: 150 - 80 - 20 = 50 of 200 ticks.
	if got := otherShare(a, b, 200*time.Millisecond); got != 0.25 {
		t.Errorf("otherShare = %v, want 0.25", got)
	}
	if got := otherShare(a, a, 0); got != -1 {
		t.Errorf("no time passed: %v, want -1 (unknown)", got)
	}
	if got := otherShare(a, cpuSample{busy: 1010, total: 2100, ours: 400}, 0); got != 0 {
		t.Errorf("ours above busy: %v, want 0", got)
	}
}

func TestCPUMeterCountsOnlyOurGroups(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stat", "cpu 10 0 10 80 0 0 0 0\n")
	write("100/stat", "100 (nginx) S 1 100 100 0 -1 0 0 0 0 0 5 5 0 0\n")   // our group leader
	write("101/stat", "101 (nginx) S 100 100 100 0 -1 0 0 0 0 0 2 1 0 0\n") // its worker
	write("200/stat", "200 (compile) R 1 200 200 0 -1 0 0 0 0 0 9 9 0 0\n") // someone else
	write("300/stat", "300 (runner) S 1 290 290 0 -1 0 0 0 0 0 1 0 0 0\n")  // the runner itself
	write("self/stat", "300 (runner) S 1 290 290 0 -1 0 0 0 0 0 1 0 0 0\n") // not a pid: skipped
	s, err := cpuMeter{procDir: dir, self: 300}.sample([]int{100})
	if err != nil {
		t.Fatal(err)
	}
	if s.busy != 20 || s.total != 100 || s.ours != 14 {
		t.Errorf("sample = %+v, want busy 20 total 100 ours 14", s)
	}
}

func TestCPUMeterCountsTheProcessesATargetUses(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"stat":     "cpu 10 0 10 80 0 0 0 0\n",
		"100/stat": "100 (warden) S 1 100 100 0 -1 0 0 0 0 0 5 5 0 0\n",       // our group
		"500/stat": "500 (redis-server) S 1 500 500 0 -1 0 0 0 0 0 3 1 0 0\n", // the target's Redis
		"600/stat": "600 (compile) R 1 600 600 0 -1 0 0 0 0 0 9 9 0 0\n",      // someone else
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := cpuMeter{procDir: dir, self: 1}
	without, err := m.sample([]int{100})
	if err != nil {
		t.Fatal(err)
	}
	with, err := m.sample([]int{100}, 500)
	if err != nil {
		t.Fatal(err)
	}
	if without.ours != 10 || with.ours != 14 {
		t.Errorf("ours = %d without and %d with the Redis pid, want 10 and 14", without.ours, with.ours)
	}
}

func TestCPUPerCallOfATargetAndTheBackend(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"stat":     "cpu 10 0 10 80 0 0 0 0\n",
		"100/stat": "100 (nginx) S 1 100 100 0 -1 0 0 0 0 0 5 5 0 0\n",        // the proxy's leader
		"101/stat": "101 (nginx) S 100 100 100 0 -1 0 0 0 0 0 2 1 0 0\n",      // and its worker
		"200/stat": "200 (fakebackend) S 1 200 200 0 -1 0 0 0 0 0 4 4 0 0\n",  // the backend
		"500/stat": "500 (redis-server) S 1 500 500 0 -1 0 0 0 0 0 3 1 0 0\n", // a served-by pid
	}
	write := func() {
		t.Helper()
		for name, text := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write()
	m := cpuMeter{procDir: dir, self: 1}
	a, err := m.sample([]int{100, 200}, 500)
	if err != nil {
		t.Fatal(err)
	}
	// 1000 calls later: the worker took 30 more ticks (300 ms), the backend 50, Redis 10.
	files["101/stat"] = "101 (nginx) S 100 100 100 0 -1 0 0 0 0 0 22 11 0 0\n"
	files["200/stat"] = "200 (fakebackend) S 1 200 200 0 -1 0 0 0 0 0 30 28 0 0\n"
	files["500/stat"] = "500 (redis-server) S 1 500 500 0 -1 0 0 0 0 0 10 4 0 0\n"
	write()
	b, err := m.sample([]int{100, 200}, 500)
	if err != nil {
		t.Fatal(err)
	}
	if got := perCall(a, b, 100, nil, 1000); got != 300 {
		t.Errorf("proxy CPU per call = %v µs, want 300", got)
	}
	if got := perCall(a, b, 100, []int{500}, 1000); got != 400 {
		t.Errorf("proxy and Redis CPU per call = %v µs, want 400", got)
	}
	if got := perCall(a, b, 200, nil, 1000); got != 500 {
		t.Errorf("backend CPU per call = %v µs, want 500", got)
	}
	if got := perCall(a, b, 0, nil, 1000); got != -1 {
		t.Errorf("no proxy (direct): %v, want -1", got)
	}
	if got := perCall(a, b, 100, nil, 0); got != -1 {
		t.Errorf("no calls: %v, want -1", got)
	}
}
