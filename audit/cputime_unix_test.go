//go:build unix

package audit

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time used by the process so far (user and system,
// all threads), or 0 where it is unknown.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
