//go:build unix && !linux

package main

import (
	"os/exec"
	"syscall"
)

// setProcGroup puts the child in its own process group.
func setProcGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
