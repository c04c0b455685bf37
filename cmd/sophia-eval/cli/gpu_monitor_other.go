//go:build !unix

package cli

import (
	"os"
	"os/exec"
)

func ownProcessGroup(*exec.Cmd) {}

func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
