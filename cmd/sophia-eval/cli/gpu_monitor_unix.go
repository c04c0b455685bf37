//go:build unix

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in its own process group, so that a Ctrl-C in the
// terminal reaches it once, forwarded by sophia-eval, and not twice.
func ownProcessGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// exitStatus is the command's exit code, or 128+N when signal N killed it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
