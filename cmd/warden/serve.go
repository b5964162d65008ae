package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/server"
)

func serve(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML configuration file (default: built-in defaults)")
	format := fs.String("log-format", "", "log format: text or json (overrides the config)")
	level := fs.String("log-level", "", "log level: debug, info, warn or error (overrides the config)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *format != "" {
		cfg.Log.Format = *format
	}
	if *level != "" {
		cfg.Log.Level = *level
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "warden:", err)
		return 2
	}
	tuneGC(getenv)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, server.Options{Logger: log, Getenv: getenv, Out: stdout})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "Warden %s: %d backend(s), state in %s\n", version, len(cfg.Backends), storeName(cfg))
	if err := srv.ListenAndServe(ctx); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

// gatewayGCPercent is the garbage collector's target unless GOGC says otherwise. Warden's live
// heap is small (caches and connection buffers, a few MB) while every call allocates a few KB, so
// Go's default of 100 collects many times a second; 400 spends a few MB more to collect a
// quarter as often. GOMEMLIMIT, when set, still caps the heap.
const gatewayGCPercent = 400

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gatewayGCPercent)
	}
}

func storeName(cfg *config.Config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL"
	}
	return cfg.DataDir
}

func newLogger(c config.Log, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", c.Level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch c.Format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", c.Format)
}

func configCheck(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: warden config check FILE")
		return 2
	}
	if _, err := config.Load(args[0]); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", args[0])
	return 0
}
