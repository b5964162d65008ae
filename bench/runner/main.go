// Command runner puts the same wrk load on the fake backend directly and through nginx, Caddy and
// Warden, and reports throughput and latency ratios; bench/run.sh builds and starts it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// options holds everything the command line sets.
type options struct {
	fakeBackend string // path of the fake backend binary
	warden      string // path of the warden binary; empty means Warden rows are "pending"
	nginx       string
	caddy       string
	wrk         string
	redisURL    string // Redis of the warden-redis target; empty leaves that target pending
	targets     []string
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	conns       int
	threads     int
	chunks      int
	model       string
	outDir      string
	keepWork    bool
	quietWait   time.Duration // how long to wait for other processes to go idle before a run
	retries     int           // how often to repeat a run that other processes disturbed
	maxErrors   int64         // failed responses tolerated per run (they are reported)
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, opts)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.StringVar(&o.fakeBackend, "fakebackend", "", "path of the fake backend binary (required)")
	fs.StringVar(&o.warden, "warden", "", "path of the warden binary; empty marks Warden rows pending")
	fs.StringVar(&o.nginx, "nginx", "nginx", "nginx binary")
	fs.StringVar(&o.caddy, "caddy", "caddy", "caddy binary")
	fs.StringVar(&o.wrk, "wrk", "wrk", "wrk binary")
	fs.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis for the warden-redis target (keys under a fresh prefix, deleted at the end); unreachable or empty leaves it pending")
	targets := fs.String("targets", strings.Join(allTargets(), ","), "comma-separated targets to measure")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured run length per scenario and target")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up run length before each measured run")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds over all scenarios and targets; the median is reported")
	quick := fs.Bool("quick", false, "short smoke run: -duration 3s -warmup 1s -rounds 1 unless given")
	fs.IntVar(&o.conns, "c", 32, "wrk connections")
	fs.IntVar(&o.threads, "t", 2, "wrk threads")
	fs.IntVar(&o.chunks, "chunks", 16, "SSE chunks per streamed answer")
	fs.StringVar(&o.model, "model", "llama3.1:8b", "model name sent in every request")
	fs.StringVar(&o.outDir, "out", "bench/out", "directory for results.md and results.json")
	fs.Int64Var(&o.maxErrors, "max-errors", 0, "failed responses (non-200, cut streams, socket errors) tolerated per run; reported (a non-200 from a limited Warden target always fails)")
	fs.BoolVar(&o.keepWork, "keep", false, "keep the temporary work directory (configs, process logs)")
	fs.DurationVar(&o.quietWait, "quiet-wait", time.Minute, "before each run, wait up to this long for other processes to go idle (0: do not wait)")
	fs.IntVar(&o.retries, "retries", 2, "repeat a measured run up to this many times when other processes took over "+percent(noisyShare)+" of the CPU")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *quick { // only where not set explicitly
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["duration"] {
			o.duration = 3 * time.Second
		}
		if !set["warmup"] {
			o.warmup = time.Second
		}
		if !set["rounds"] {
			o.rounds = 1
		}
	}
	o.targets = splitList(*targets)
	return o, o.validate()
}

func (o options) validate() error {
	switch {
	case o.fakeBackend == "":
		return errors.New("-fakebackend is required")
	case o.duration < time.Second:
		return errors.New("-duration must be at least 1s")
	case o.warmup < 0:
		return errors.New("-warmup must not be negative")
	case o.quietWait < 0 || o.retries < 0 || o.maxErrors < 0:
		return errors.New("-quiet-wait, -retries and -max-errors must not be negative")
	case o.rounds < 1:
		return errors.New("-rounds must be at least 1")
	case o.conns < 1 || o.threads < 1 || o.conns < o.threads:
		return errors.New("-c and -t must be positive and -c >= -t")
	case o.chunks < 1:
		return errors.New("-chunks must be at least 1")
	case len(o.targets) == 0:
		return errors.New("-targets is empty")
	}
	known := map[string]bool{}
	for _, t := range allTargets() {
		known[t] = true
	}
	for _, t := range o.targets {
		if !known[t] {
			return fmt.Errorf("unknown target %q (known: %s)", t, strings.Join(allTargets(), ", "))
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
