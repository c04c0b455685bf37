//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

// umask returns the process's file mode creation mask.
func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}
