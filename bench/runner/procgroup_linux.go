package main

import (
	"os/exec"
	"syscall"
)

// setProcGroup puts the child in its own process group and has the kernel kill it if the
// runner dies without cleaning up.
func setProcGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
