package checkpoint

import (
	"bytes"
	"context"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func FuzzParseHeader(f *testing.F) {
	for _, tt := range specCases {
		if len(tt.file) >= 8 {
			f.Add(tt.file[8:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, fd := ParseHeader(b)
		if (h == nil) == (fd == nil) {
			t.Fatalf("exactly one of header and finding must be set: %v %v", h, fd)
		}
		if fd != nil {
			require.True(t, fd.Code == CodeHeaderUTF8 || fd.Code == CodeHeaderJSON, fd.Code)
			require.GreaterOrEqual(t, fd.Offset, int64(8))
			require.LessOrEqual(t, fd.Offset, int64(8+len(b)))
			return
		}
		for _, ts := range h.Tensors {
			require.NotEqual(t, InvalidDType, ts.DType)
			require.NotEqual(t, "__metadata__", ts.Name)
		}
	})
}

// FuzzValidate checks that every path gives the same report on any input: the
// ReaderAt path with one and several workers, and the stream with and without a
// known size.
func FuzzValidate(f *testing.F) {
	for _, tt := range specCases {
		f.Add(tt.file)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		ctx := context.Background()
		c := Config{Stats: true, Hash: true, Digest: true, Workers: 1}
		want, err := ValidateAt(ctx, bytes.NewReader(file), int64(len(file)), c)
		require.NoError(t, err)
		require.Equal(t, int64(len(file)), want.Size)
		c.Workers = 3
		got, err := ValidateAt(ctx, bytes.NewReader(file), int64(len(file)), c)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = ValidateStream(ctx, iotest.HalfReader(bytes.NewReader(file)), -1, c)
		require.NoError(t, err)
		require.Equal(t, want, got)
		c.Workers = 1
		got, err = ValidateStream(ctx, bytes.NewReader(file), int64(len(file)), c)
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
