package nemo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Process is a started trainer: a local process group or a Slurm job.
type Process interface {
	// Wait blocks until the trainer has ended and returns its exit code.
	Wait() (int, error)
	// Interrupt asks the trainer to stop and save (SIGTERM to a local process group).
	Interrupt() error
	// Kill ends the trainer for good (SIGKILL to the group).
	Kill() error
}

// LocalOptions says how StartLocal runs a command. The zero value runs it in the
// current directory with this process's environment and discards its output.
type LocalOptions struct {
	// Dir is the working directory. Default: the current one.
	Dir string
	// Env is the environment. Default: this process's (os.Environ).
	Env []string
	// Output receives the command's stdout and stderr, merged, a line at a time (a
	// line ends at \n or \r, so progress bars that redraw a line still show).
	// Default: discarded.
	Output io.Writer
	// Log receives the same bytes as Output. Default: none.
	Log io.Writer
}

// LocalProcess is a command started by StartLocal in its own process group. Its
// methods are safe for concurrent use.
type LocalProcess struct {
	cmd    *exec.Cmd
	pid    int
	done   chan struct{}
	copied chan struct{}
	code   int
	err    error
	logErr error
}

var _ Process = (*LocalProcess)(nil)

// StartLocal starts argv in its own process group (on Unix; elsewhere as a plain
// child), with stdin from the null device and stdout and stderr streamed to
// o.Output and o.Log. ctx bounds only the start: once started, the command runs
// until it ends or is stopped with Interrupt or Kill. Wait must be called to
// release its resources.
func StartLocal(ctx context.Context, argv []string, o LocalOptions) (*LocalProcess, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("nemo: no command to start")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = o.Dir, o.Env
	cmd.Stdout, cmd.Stderr = w, w
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	w.Close() // the command holds its own copy; EOF comes when every holder is gone
	p := &LocalProcess{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{}), copied: make(chan struct{})}
	go p.copyOutput(r, o.Output, o.Log)
	go p.wait(r)
	return p, nil
}

// Pid is the process id of the command, which is also its process group id.
func (p *LocalProcess) Pid() int { return p.pid }

// Done is closed when the command has ended, its process group is gone and its
// output has been written.
func (p *LocalProcess) Done() <-chan struct{} { return p.done }

// Wait waits until the command has ended and returns its exit code: 128+N when
// signal N ended it. Processes of its group that outlive it (workers it started)
// are killed, and Wait returns once the group is gone and the output is
// written. The error is non-nil when the command could not be waited for or the
// log could not be written.
func (p *LocalProcess) Wait() (int, error) {
	<-p.done
	return p.code, p.err
}

// Interrupt sends SIGTERM to the process group (on Unix; os.Interrupt to the
// command elsewhere). It does nothing once the command has ended.
func (p *LocalProcess) Interrupt() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	return p.interrupt()
}

// Kill sends SIGKILL to the process group. It does nothing once the command has
// ended.
func (p *LocalProcess) Kill() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	return p.kill()
}

// groupGoneWait bounds how long wait waits for the killed leftovers of a group to
// disappear, and for the output pipe to reach its end.
const groupGoneWait = 5 * time.Second

func (p *LocalProcess) wait(r *os.File) {
	err := p.cmd.Wait()
	code := 0
	if err != nil {
		var xe *exec.ExitError
		if errors.As(err, &xe) {
			code, err = exitCode(xe.ProcessState), nil
		} else {
			code = -1
		}
	}
	p.reapGroup(groupGoneWait)
	select {
	case <-p.copied:
	case <-time.After(groupGoneWait):
		// A process outside the group still holds the pipe: stop reading.
		r.Close()
		<-p.copied
	}
	p.code, p.err = code, errors.Join(err, p.logErr)
	close(p.done)
}

// copyOutput copies the command's output to out and log a line at a time.
func (p *LocalProcess) copyOutput(r *os.File, out, log io.Writer) {
	defer close(p.copied)
	defer r.Close()
	const maxLine = 64 << 10
	buf := make([]byte, 0, maxLine)
	chunk := make([]byte, 32<<10)
	emit := func(b []byte) {
		if out != nil {
			_, _ = out.Write(b) // a terminal that went away must not stop the run
		}
		if log != nil && p.logErr == nil {
			if _, err := log.Write(b); err != nil {
				p.logErr = fmt.Errorf("writing the trainer log: %w", err)
			}
		}
	}
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if i := bytes.LastIndexAny(buf, "\n\r"); i >= 0 {
			emit(buf[:i+1])
			buf = append(buf[:0], buf[i+1:]...)
		} else if len(buf) >= maxLine {
			emit(buf)
			buf = buf[:0]
		}
		if err != nil {
			if len(buf) > 0 {
				emit(buf)
			}
			return
		}
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
