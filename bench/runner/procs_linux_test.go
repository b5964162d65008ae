package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && !strings.HasPrefix(string(b[i+1:]), " Z")
}

func TestStopAllEndsProcessesAndTheirChildren(t *testing.T) {
	dir := t.TempDir()
	sup := newSupervisor(dir)
	pidFile := filepath.Join(dir, "child.pid")
	// A shell with a child, like an nginx master with its workers.
	p, err := sup.start("sh", nil, "/bin/sh", "-c", "sleep 60 & echo $! > "+pidFile+"; wait")
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for range 500 { // the shell writes the file right away
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if child == 0 {
		t.Fatal("child pid not written")
	}
	sup.stopAll()
	if !p.exited() {
		t.Error("process still running after stopAll")
	}
	gone := false
	for range 500 { // the child is reaped by init shortly after it dies
		if !alive(child) {
			gone = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !gone {
		_ = syscall.Kill(child, syscall.SIGKILL)
		t.Error("child of the started process survived stopAll")
	}
}

func TestWaitReadyReportsAProcessThatDied(t *testing.T) {
	sup := newSupervisor(t.TempDir())
	defer sup.stopAll()
	p, err := sup.start("failing", nil, "/bin/sh", "-c", "echo 'bind: address in use' >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	err = waitReady(context.Background(), p, time.Minute, func(context.Context) error {
		return errors.New("not answering")
	})
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "bind: address in use") {
		t.Fatalf("error = %v, want it to say the process exited and show its log", err)
	}
}

func TestTail(t *testing.T) {
	if got := tail([]byte("a\nb\nc\nd\n"), 2); got != "c\nd" {
		t.Errorf("tail = %q, want %q", got, "c\nd")
	}
	if got := tail([]byte("only"), 5); got != "only" {
		t.Errorf("tail = %q", got)
	}
}

func TestExitedErrNamesTheProcessThatDied(t *testing.T) {
	sup := newSupervisor(t.TempDir())
	defer sup.stopAll()
	live, err := sup.start("live", nil, "/bin/sleep", "60")
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.exitedErr(); err != nil {
		t.Fatalf("all running, got %v", err)
	}
	if err := killGroup(live.cmd); err != nil {
		t.Fatal(err)
	}
	<-live.done
	err = sup.exitedErr()
	if err == nil || !strings.Contains(err.Error(), "live is no longer running") || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("exitedErr = %v, want it to name the killed process", err)
	}
}
