package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine describes where the numbers were measured.
type machine struct {
	Date   string `json:"date"`
	NProc  int    `json:"nproc"`
	CPU    string `json:"cpu"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	Nginx  string `json:"nginx"`
	Caddy  string `json:"caddy"`
	Wrk    string `json:"wrk"`
	Commit string `json:"commit"` // git HEAD of the measured source tree; it may hold uncommitted changes
}

func collectMachine(ctx context.Context, o options, now time.Time) machine {
	m := machine{
		Date:   now.UTC().Format("2006-01-02 15:04 MST"),
		NProc:  runtime.NumCPU(),
		CPU:    "unknown",
		Kernel: "unknown",
		Go:     runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.Nginx = strings.TrimPrefix(toolVersion(ctx, o.nginx, "-v"), "nginx version: nginx/")
	m.Caddy = toolVersion(ctx, o.caddy, "version")
	m.Wrk, _, _ = strings.Cut(toolVersion(ctx, o.wrk, "-v"), " Copyright")
	m.Commit = gitHead(ctx)
	return m
}

// gitHead is the short commit id of HEAD in the current directory, or "unknown".
func gitHead(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if s := strings.TrimSpace(string(out)); err == nil && s != "" {
		return s
	}
	return "unknown"
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// toolVersion runs bin with args and returns the first line it printed, or "unknown".
func toolVersion(ctx context.Context, bin string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, args...).CombinedOutput() // wrk -v exits 1
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if first = strings.TrimSpace(first); first == "" {
		return "unknown"
	}
	return first
}
