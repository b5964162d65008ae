//go:build !unix

package main

import "os/exec"

// setProcGroup does nothing where process groups are not available.
func setProcGroup(*exec.Cmd) {}

// terminateGroup kills the process: no graceful group signal here.
func terminateGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// killGroup kills the process.
func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }
