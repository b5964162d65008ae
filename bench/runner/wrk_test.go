package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const wrkOutput = `Running 3s test @ http://127.0.0.1:41057/v1/chat/completions
  2 threads and 32 connections
  Latency Distribution
     50%    3.13ms
     99%   10.50ms
  19644 requests in 2.00s, 22.84MB read
Requests/sec:   9797.80
BENCH_RESULT {"requests":19644,"duration_us":2004940,"bytes":23947163,"p50_us":3132,"p99_us":10499,"mean_us":3318.6,"bad_status":0,"bad_body":0,"err_connect":0,"err_read":0,"err_write":0,"err_timeout":0,"err_status":0}
`

func TestParseWrkOutputReadsTheResultLine(t *testing.T) {
	r, err := parseWrkOutput([]byte(wrkOutput))
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 19644 || r.P50US != 3132 || r.P99US != 10499 {
		t.Errorf("got %+v", r)
	}
	if rps := r.rps(); rps < 9797 || rps > 9799 {
		t.Errorf("rps = %.1f, want 9798 (19644 requests in 2.00494 s)", rps)
	}
	if err := r.check(0); err != nil {
		t.Errorf("clean run rejected: %v", err)
	}
}

func TestParseWrkOutputErrors(t *testing.T) {
	tests := []struct{ name, out, want string }{
		{"no result line", "Running 3s test\nRequests/sec: 1\n", "no result line"},
		{"broken json", "BENCH_RESULT {\"requests\":\n", "bad result line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWrkOutput([]byte(tt.out))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckFailsRunsThatMeasuredErrors(t *testing.T) {
	ok := wrkResult{Requests: 100, DurationUS: 1e6}
	tests := []struct {
		name   string
		change func(*wrkResult)
		want   string
	}{
		{"nothing completed", func(r *wrkResult) { r.Requests = 0 }, "no request completed"},
		{"non-200", func(r *wrkResult) { r.BadStatus = 3 }, "3 responses were not 200"},
		{"truncated stream", func(r *wrkResult) { r.BadBody = 2 }, "2 responses had an incomplete"},
		{"timeouts", func(r *wrkResult) { r.ErrTimeout = 1 }, "timeout 1"},
		{"connect errors", func(r *wrkResult) { r.ErrConnect = 4 }, "connect 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.change(&r)
			err := r.check(0)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("check(0) = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckToleratesOnlyTheAllowedFailures(t *testing.T) {
	r := wrkResult{Requests: 100, DurationUS: 1e6, BadBody: 1, ErrRead: 1}
	if err := r.check(2); err != nil {
		t.Errorf("2 failures with -max-errors 2: %v", err)
	}
	if err := r.check(1); err == nil {
		t.Error("2 failures with -max-errors 1 accepted")
	}
	if err := (wrkResult{}).check(5); err == nil {
		t.Error("a run without requests accepted")
	}
}

func TestLimitedTargetsFailOnAnyRefusal(t *testing.T) {
	r := wrkResult{Requests: 100, DurationUS: 1e6, BadStatus: 3, Status429: 2, Status5xx: 1}
	if err := r.check(5); err != nil {
		t.Fatalf("-max-errors 5 tolerates 3 failures: %v", err)
	}
	err := r.checkLimited()
	if err == nil {
		t.Fatal("a limited run with 3 non-200 answers accepted")
	}
	for _, want := range []string{"3 answers were not 200", "429 refused by a limit: 2", "5xx, e.g. 503 limits unavailable: 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := (wrkResult{Requests: 100, DurationUS: 1e6, BadBody: 1}).checkLimited(); err != nil {
		t.Errorf("a cut stream is -max-errors' business, not a refusal: %v", err)
	}
}

func TestParseWrkOutputReadsRefusals(t *testing.T) {
	out := strings.Replace(wrkOutput, `"err_status":0}`, `"err_status":0,"status_429":7,"status_5xx":1}`, 1)
	r, err := parseWrkOutput([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status429 != 7 || r.Status5xx != 1 {
		t.Errorf("status_429 %d status_5xx %d, want 7 and 1", r.Status429, r.Status5xx)
	}
}

func TestWrkCommandLine(t *testing.T) {
	o := options{threads: 2, conns: 32}
	args := wrkArgs(o, "/w/chat.lua", "http://127.0.0.1:1/v1/chat/completions", 2500*time.Millisecond)
	got := strings.Join(args, " ")
	for _, want := range []string{"-t 2", "-c 32", "-d 3s", "--latency", "-s /w/chat.lua"} {
		if !strings.Contains(got, want) {
			t.Errorf("wrk args %q lack %q", got, want)
		}
	}
	if args[len(args)-1] != "http://127.0.0.1:1/v1/chat/completions" {
		t.Errorf("URL must be the last argument: %q", got)
	}
}

func TestWrkEnvCarriesTheKeyOnlyForTargetsWithOne(t *testing.T) {
	o := options{chunks: 16, model: "llama3.1:8b"}
	stream := scenarios(16)[1]
	env := wrkEnv(o, target{name: "warden", auth: "sk-test"}, stream)
	for _, want := range []string{"BENCH_AUTH=sk-test", "BENCH_STREAM=1", "BENCH_CHUNKS=16", "BENCH_MODEL=llama3.1:8b"} {
		if !slices.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	env = wrkEnv(o, target{name: "nginx"}, scenarios(16)[0])
	if slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "BENCH_AUTH=") }) {
		t.Error("BENCH_AUTH set for a target without a key")
	}
	if !slices.Contains(env, "BENCH_STREAM=0") {
		t.Error("non-streaming scenario does not set BENCH_STREAM=0")
	}
}

func TestChatLuaSendsTheSameBodyAsTheProbe(t *testing.T) {
	// chat.lua builds its body from the same pieces; keep both in step.
	lua := string(chatLua)
	for _, piece := range []string{
		`"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16`,
		`,"stream":true`,
		`data: [DONE]`,
		`"choices"`,
		`"status_429":%d,"status_5xx":%d`,
	} {
		if !strings.Contains(lua, piece) {
			t.Errorf("chat.lua lacks %s", piece)
		}
	}
	if !strings.Contains(chatBody("m", true), `,"stream":true}`) || strings.Contains(chatBody("m", false), "stream") {
		t.Error("chatBody does not set stream as asked")
	}
}
