package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// TestMain lets a test run the real binary's main in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("WARDEN_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"warden"}, strings.Fields(os.Getenv("WARDEN_TEST_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeOnEmbeddedDefaults runs `warden serve` with no config, as the README says, in a fresh
// directory: it must print where it listens and a one-time admin key that works, keep its state in
// ./warden-data, serve the backend's models, and stop cleanly on SIGTERM.
func TestServeOnEmbeddedDefaults(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	dir := t.TempDir()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WARDEN_TEST_RUN_MAIN=1", "WARDEN_TEST_ARGS=serve",
		"WARDEN_LISTEN="+addr, "WARDEN_BACKEND_URL="+fake.URL, "WARDEN_MASTER_KEY=")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var key string
	listening := false
	deadline := time.After(20 * time.Second)
	for key == "" || !listening {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("warden exited before printing its address and admin key")
			}
			if strings.Contains(l, "listening on http://"+addr) {
				listening = true
			}
			if f := strings.TrimSpace(l); strings.HasPrefix(f, "sk-wd-") {
				key = f
			}
		case <-deadline:
			t.Fatalf("no address or key printed (listening=%v)", listening)
		}
	}
	var resp *http.Response
	for range 100 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/models", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		var err error
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Fatalf("printed admin key did not work: %v", resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "llama3.1:8b") {
		t.Fatalf("models not discovered from the default Ollama backend: %s", body)
	}
	if _, err := os.Stat(filepath.Join(dir, "warden-data", "warden.db")); err != nil {
		t.Fatalf("no SQLite store under ./warden-data: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("warden did not stop on SIGTERM")
	}
}
