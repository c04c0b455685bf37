//go:build unix

package nemo

import (
	"bytes"
	"context"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkRecorder records each Write separately.
type chunkRecorder struct {
	mu     sync.Mutex
	chunks []string
}

func (c *chunkRecorder) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.chunks = append(c.chunks, string(b))
	return len(b), nil
}

func TestStartLocalOutput(t *testing.T) {
	out := &chunkRecorder{}
	var log bytes.Buffer
	p, err := StartLocal(context.Background(), []string{"sh", "-c", `printf 'one\n'; printf 'two\r' >&2; printf 'tail'; exit 3`},
		LocalOptions{Dir: t.TempDir(), Output: out, Log: &log})
	require.NoError(t, err)
	code, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, 3, code)
	// Every write ends at a line end, except the last one, which is not lost.
	out.mu.Lock()
	all := ""
	for i, c := range out.chunks {
		all += c
		if i < len(out.chunks)-1 {
			assert.Contains(t, "\n\r", c[len(c)-1:], "chunk %q", c)
		}
	}
	out.mu.Unlock()
	assert.Equal(t, "one\ntwo\rtail", all)
	assert.Equal(t, all, log.String())
	groupGone(t, p.Pid())
}

func TestStartLocalSignals(t *testing.T) {
	p, err := StartLocal(context.Background(), []string{"sh", "-c", `trap 'exit 9' TERM; echo ready; while :; do sleep 0.01; done`}, LocalOptions{})
	require.NoError(t, err)
	require.NoError(t, p.Interrupt())
	code, err := p.Wait()
	require.NoError(t, err)
	// Either the trap ran (9) or SIGTERM came before the trap was set (128+15).
	assert.Contains(t, []int{9, 128 + int(syscall.SIGTERM)}, code)
	groupGone(t, p.Pid())
	assert.NoError(t, p.Interrupt(), "interrupting an ended process does nothing")
	assert.NoError(t, p.Kill())

	p, err = StartLocal(context.Background(), []string{"sleep", "60"}, LocalOptions{})
	require.NoError(t, err)
	require.NoError(t, p.Kill())
	code, _ = p.Wait()
	assert.Equal(t, 128+int(syscall.SIGKILL), code)

	_, err = StartLocal(context.Background(), []string{"/nonexistent/trainer"}, LocalOptions{})
	assert.ErrorContains(t, err, "starting /nonexistent/trainer")
}
