//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// terminateGroup asks the whole process group of cmd (nginx workers included) to stop.
func terminateGroup(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// killGroup kills the whole process group of cmd.
func killGroup(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
