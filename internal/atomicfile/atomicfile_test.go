package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.jsonl")
	require.NoError(t, Write(p, func(w io.Writer) error {
		_, err := io.WriteString(w, "one\n")
		return err
	}))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "one\n", string(b))

	// A failing write leaves the old file and no temporary file.
	boom := errors.New("boom")
	err = Write(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	require.ErrorIs(t, err, boom)
	b, err = os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "one\n", string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	// A missing directory is an error naming the path.
	err = Write(filepath.Join(dir, "no", "such", "dir", "x"), func(io.Writer) error { return nil })
	require.ErrorContains(t, err, "writing ")
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.txt")
	require.NoError(t, WriteFile(path, []byte("one")))
	require.NoError(t, WriteFile(path, []byte("two")))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "two", string(b))
	require.Error(t, WriteFile(filepath.Join(path, "under-a-file"), nil))
}
