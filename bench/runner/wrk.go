package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

//go:embed chat.lua
var chatLua []byte

// resultPrefix starts the line chat.lua prints when a wrk run ends.
const resultPrefix = "BENCH_RESULT "

// scenario is one kind of call put under load.
type scenario struct {
	name   string
	stream bool
	about  string
}

func scenarios(chunks int) []scenario {
	return []scenario{
		{name: "chat", about: "small non-streaming POST /v1/chat/completions"},
		{name: fmt.Sprintf("stream%d", chunks), stream: true,
			about: fmt.Sprintf("streaming POST /v1/chat/completions, answer of %d SSE chunks + [DONE]", chunks)},
	}
}

// wrkResult is what chat.lua reports for one run; latencies are in microseconds.
type wrkResult struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	Bytes      int64   `json:"bytes"`
	P50US      float64 `json:"p50_us"`
	P99US      float64 `json:"p99_us"`
	MeanUS     float64 `json:"mean_us"`
	BadStatus  int64   `json:"bad_status"`
	BadBody    int64   `json:"bad_body"`
	ErrConnect int64   `json:"err_connect"`
	ErrRead    int64   `json:"err_read"`
	ErrWrite   int64   `json:"err_write"`
	ErrTimeout int64   `json:"err_timeout"`
	ErrStatus  int64   `json:"err_status"`
	Status429  int64   `json:"status_429"` // of BadStatus: refused by a limit
	Status5xx  int64   `json:"status_5xx"` // of BadStatus: server errors (503: limits could not be checked)

	cpu time.Duration // CPU time wrk itself used
}

// rps is completed requests per second.
func (r wrkResult) rps() float64 {
	if r.DurationUS <= 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUS) / 1e6)
}

// failures counts responses that were not a complete 200 answer, and socket errors.
func (r wrkResult) failures() int64 {
	return r.BadStatus + r.BadBody + r.ErrConnect + r.ErrRead + r.ErrWrite + r.ErrTimeout
}

// check fails a run that measured anything but correct answers, beyond maxFailures of them.
func (r wrkResult) check(maxFailures int64) error {
	if r.Requests == 0 {
		return errors.New("no request completed")
	}
	if r.failures() <= maxFailures {
		return nil
	}
	var errs []error
	if r.BadStatus > 0 {
		errs = append(errs, fmt.Errorf("%d responses were not 200", r.BadStatus))
	}
	if r.BadBody > 0 {
		errs = append(errs, fmt.Errorf("%d responses had an incomplete or wrong body", r.BadBody))
	}
	if n := r.ErrConnect + r.ErrRead + r.ErrWrite + r.ErrTimeout; n > 0 {
		errs = append(errs, fmt.Errorf("socket errors: connect %d, read %d, write %d, timeout %d",
			r.ErrConnect, r.ErrRead, r.ErrWrite, r.ErrTimeout))
	}
	return errors.Join(errs...)
}

// parseWrkOutput finds the result line chat.lua printed in wrk's output.
func parseWrkOutput(out []byte) (wrkResult, error) {
	var r wrkResult
	for line := range bytes.Lines(out) {
		rest, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(resultPrefix))
		if !ok {
			continue
		}
		if err := json.Unmarshal(rest, &r); err != nil {
			return r, fmt.Errorf("bad result line from chat.lua: %w", err)
		}
		return r, nil
	}
	return r, errors.New("wrk printed no result line (did chat.lua run?)")
}

// writeScript puts chat.lua into dir and returns its path.
func writeScript(dir string) (string, error) {
	path := filepath.Join(dir, "chat.lua")
	return path, os.WriteFile(path, chatLua, 0o644)
}

// wrkArgs is the wrk command line for one run; settings that chat.lua reads go in the environment.
func wrkArgs(o options, script, url string, d time.Duration) []string {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	return []string{
		"-t", strconv.Itoa(o.threads), "-c", strconv.Itoa(o.conns),
		"-d", strconv.Itoa(secs) + "s", "--timeout", "5s", "--latency",
		"-s", script, url,
	}
}

// wrkEnv is the environment chat.lua reads for one target and scenario.
func wrkEnv(o options, t target, sc scenario) []string {
	stream := "0"
	if sc.stream {
		stream = "1"
	}
	env := append(os.Environ(),
		"BENCH_STREAM="+stream,
		"BENCH_CHUNKS="+strconv.Itoa(o.chunks),
		"BENCH_MODEL="+o.model,
	)
	if t.auth != "" {
		env = append(env, "BENCH_AUTH="+t.auth)
	}
	return env
}

// runWrk loads target t with scenario sc for d and returns the checked result.
func runWrk(ctx context.Context, o options, script string, t target, sc scenario, d time.Duration) (wrkResult, error) {
	cmd := exec.CommandContext(ctx, o.wrk, wrkArgs(o, script, t.baseURL+"/v1/chat/completions", d)...)
	cmd.Env = wrkEnv(o, t, sc)
	setProcGroup(cmd) // a terminal's Ctrl-C reaches the runner, which then ends wrk
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return wrkResult{}, ctx.Err()
	}
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s/%s: %w\n%s", sc.name, t.name, err, tail(out, 15))
	}
	r, err := parseWrkOutput(out)
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if err != nil {
		return r, fmt.Errorf("wrk %s/%s: %w\n%s", sc.name, t.name, err, tail(out, 15))
	}
	if err := r.check(o.maxErrors); err != nil {
		return r, fmt.Errorf("wrk %s/%s: run measured failures, numbers discarded: %w", sc.name, t.name, err)
	}
	if t.limited {
		if err := r.checkLimited(); err != nil {
			return r, fmt.Errorf("wrk %s/%s: numbers discarded: %w", sc.name, t.name, err)
		}
	}
	return r, nil
}

// checkLimited fails a run against a limited target that got any non-200 answer: its limits are
// far above the load, so a refusal means a limit misbehaved, and the run did not measure
// checked calls only. -max-errors does not apply.
func (r wrkResult) checkLimited() error {
	if r.BadStatus == 0 {
		return nil
	}
	return fmt.Errorf("%d answers were not 200 under limits the load cannot reach "+
		"(429 refused by a limit: %d; 5xx, e.g. 503 limits unavailable: %d)", r.BadStatus, r.Status429, r.Status5xx)
}
