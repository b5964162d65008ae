package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// supervisor starts the servers under test and stops every one of them at the end.
type supervisor struct {
	dir   string // process logs go here
	mu    sync.Mutex
	procs []*proc
	after []func() // clean-ups run once the processes have stopped
}

// proc is one started server process.
type proc struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status, valid after done is closed
}

func newSupervisor(dir string) *supervisor { return &supervisor{dir: dir} }

// start runs bin with args in its own process group; stdout and stderr go to DIR/name.log.
// env nil means the current environment.
func (s *supervisor) start(name string, env []string, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(s.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	setProcGroup(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p, nil
}

// stopAll ends every started process, newest first: SIGTERM to its group, SIGKILL after 5 s;
// then it runs the clean-ups registered with afterStop.
func (s *supervisor) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop(5 * time.Second)
	}
	s.mu.Lock()
	after := s.after
	s.after = nil
	s.mu.Unlock()
	for _, f := range after {
		f()
	}
}

// afterStop registers f to run in stopAll after every process has stopped.
func (s *supervisor) afterStop(f func()) {
	s.mu.Lock()
	s.after = append(s.after, f)
	s.mu.Unlock()
}

// exitedErr describes every started process that is no longer running (how it ended and the
// end of its log), or returns nil when all are running.
func (s *supervisor) exitedErr() error {
	s.mu.Lock()
	procs := slices.Clone(s.procs)
	s.mu.Unlock()
	var errs []error
	for _, p := range procs {
		if p.exited() {
			errs = append(errs, fmt.Errorf("%s is no longer running (%v); log %s:\n%s", p.name, p.err, p.log, p.logTail()))
		}
	}
	return errors.Join(errs...)
}

// pgids lists the process group ids of the started processes (each leads its own group).
func (s *supervisor) pgids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.procs))
	for _, p := range s.procs {
		ids = append(ids, p.cmd.Process.Pid)
	}
	return ids
}

// pgidOf is the process group id of the process started as name, 0 if there is none.
func (s *supervisor) pgidOf(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p.name == name {
			return p.cmd.Process.Pid
		}
	}
	return 0
}

func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = terminateGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = killGroup(p.cmd)
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logTail returns the last few lines of the process log, for error messages.
func (p *proc) logTail() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	return tail(b, 15)
}

func tail(b []byte, lines int) string {
	b = bytes.TrimRight(b, "\n")
	for i, n := len(b)-1, 0; i >= 0; i-- {
		if b[i] == '\n' {
			if n++; n == lines {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}

// waitReady polls check until it succeeds, the process exits, or timeout passes.
func waitReady(ctx context.Context, p *proc, timeout time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready; log %s:\n%s", p.name, p.err, p.log, p.logTail())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w; log %s:\n%s", p.name, timeout, err, p.log, p.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freePort asks the kernel for an unused port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("free port: not a TCP address")
	}
	return addr.Port, nil
}

// freeAddr returns "127.0.0.1:PORT" with a port that was free a moment ago.
func freeAddr() (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}
