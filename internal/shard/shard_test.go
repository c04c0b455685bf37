package shard

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// counter produces the numbers 0..n-1 in shards of size.
type counter struct {
	next, n, size int
}

type batch struct{ xs []int }

func (c *counter) fill(b *batch) (bool, error) {
	b.xs = b.xs[:0]
	for len(b.xs) < c.size && c.next < c.n {
		b.xs = append(b.xs, c.next)
		c.next++
	}
	return len(b.xs) > 0, nil
}

func TestRunMergesInOrder(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 3, 8} {
		c := &counter{n: 1000, size: 7}
		var got []int
		err := Run(context.Background(), workers, func() *batch { return new(batch) }, c.fill,
			func(b *batch) []int {
				out := make([]int, len(b.xs))
				for i, x := range b.xs {
					out[i] = x * x
				}
				return out
			},
			func(r []int) { got = append(got, r...) })
		require.NoError(t, err)
		require.Len(t, got, 1000, "workers=%d", workers)
		for i, v := range got {
			require.Equal(t, i*i, v, "workers=%d", workers)
		}
	}
}

func TestRunStopsOnFillError(t *testing.T) {
	boom := errors.New("boom")
	for _, workers := range []int{1, 4} {
		c := &counter{n: 1000, size: 10}
		merged := 0
		err := Run(context.Background(), workers, func() *batch { return new(batch) },
			func(b *batch) (bool, error) {
				if c.next >= 500 {
					return false, boom
				}
				return c.fill(b)
			},
			func(b *batch) int { return len(b.xs) },
			func(n int) { merged += n })
		require.ErrorIs(t, err, boom)
		require.LessOrEqual(t, merged, 500)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, workers := range []int{1, 4} {
		c := &counter{n: 1000, size: 10}
		err := Run(ctx, workers, func() *batch { return new(batch) }, c.fill,
			func(b *batch) int { return 0 }, func(int) {})
		require.ErrorIs(t, err, context.Canceled)
	}
}

func TestWorkers(t *testing.T) {
	require.GreaterOrEqual(t, Workers(0), 1)
	require.Equal(t, 1, Workers(-3))
	require.Equal(t, 5, Workers(5))
}
