// Command fakebackend serves the fake LLM backend (OpenAI and Ollama wire
// formats) on a fixed address, for load benchmarks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fakebackend:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fakebackend", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9000", "listen address (host:port)")
	chunks := fs.Int("chunks", 16, "content chunks per answer (= completion tokens)")
	delay := fs.Duration("delay", 0, "delay before each content chunk")
	models := fs.String("models", strings.Join(fakellm.DefaultModels(), ","), "comma-separated model names")
	name := fs.String("name", "", "backend label, sent in the X-Fakellm-Name header and the default reply")
	reply := fs.String("reply", "", "fixed reply text (default: w0 w1 w2 ...)")
	apiKeyEnv := fs.String("api-key-env", "", "name of an environment variable holding the API key to require (default: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}

	opts := fakellm.Options{
		Models:     splitList(*models),
		Chunks:     *chunks,
		ChunkDelay: *delay,
		Reply:      *reply,
		Name:       *name,
	}
	if *apiKeyEnv != "" {
		opts.APIKey = os.Getenv(*apiKeyEnv)
		if opts.APIKey == "" {
			return fmt.Errorf("environment variable %s is empty", *apiKeyEnv)
		}
	}
	h, err := fakellm.NewHandler(opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Keep-alive on; no read, write or idle timeouts that would cut a
	// benchmark short. Only the header read is bounded.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	fmt.Printf("fakebackend listening on %s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
