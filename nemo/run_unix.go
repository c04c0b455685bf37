//go:build unix

package nemo

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ownGroup makes the command the leader of a new process group, so that signals
// reach the trainer and every worker it starts, and a Ctrl-C in the terminal
// reaches it only through Interrupt.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func (p *LocalProcess) interrupt() error { return signalGroup(p.pid, syscall.SIGTERM) }

func (p *LocalProcess) kill() error { return signalGroup(p.pid, syscall.SIGKILL) }

func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// reapGroup kills what is left of the command's group once the command has ended
// and waits, at most for d, until the group is gone.
func (p *LocalProcess) reapGroup(d time.Duration) {
	if syscall.Kill(-p.pid, 0) != nil {
		return
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	deadline := time.Now().Add(d)
	for syscall.Kill(-p.pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// exitCode is the exit status, or 128+N when signal N ended the process.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
