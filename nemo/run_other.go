//go:build !unix

package nemo

import (
	"os"
	"os/exec"
	"time"
)

func ownGroup(*exec.Cmd) {}

func (p *LocalProcess) interrupt() error { return p.cmd.Process.Signal(os.Interrupt) }

func (p *LocalProcess) kill() error { return p.cmd.Process.Kill() }

func (p *LocalProcess) reapGroup(time.Duration) {}

func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }
