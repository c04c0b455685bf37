// Package shard runs the shard -> map -> merge pattern that every corpus scorer uses:
// a stream is cut into fixed-size shards on the caller's goroutine, the shards are
// mapped in parallel, and the results are merged in shard order.
//
// Because the shard boundaries do not depend on the number of workers and the merge
// runs in shard order, the merged result is the same for any worker count, even where
// the merge is not associative in floating point.
package shard

import (
	"context"
	"runtime"
	"sync"
)

// Workers resolves the project's concurrency knob: 0 means GOMAXPROCS, and any other
// value is used as it is (values below 1 count as 1).
func Workers(n int) int {
	if n == 0 {
		return runtime.GOMAXPROCS(0)
	}
	if n < 1 {
		return 1
	}
	return n
}

// Run cuts a stream into shards and maps them with up to workers goroutines.
//
// fill is called on the caller's goroutine, one shard at a time and in stream order,
// with a shard from newShard (shards are recycled, so fill must reset what it reuses).
// It reports whether the shard holds any input; returning false ends the stream. work
// maps a filled shard to a result and may run on any goroutine; it must not keep the
// shard. merge is called on the caller's goroutine with the results in shard order.
//
// With workers == 1 everything runs on the caller's goroutine and no goroutine is
// started. At most 2*workers shards are in flight, so memory is bounded by the shard
// size, not by the stream. Run stops at the first error from fill or when ctx is done,
// and returns that error; results of shards after the failure are not merged.
func Run[S, R any](ctx context.Context, workers int, newShard func() *S,
	fill func(*S) (bool, error), work func(*S) R, merge func(R)) error {
	workers = Workers(workers)
	if workers == 1 {
		s := newShard()
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			ok, err := fill(s)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			merge(work(s))
		}
	}

	type job struct {
		idx int
		s   *S
	}
	type result struct {
		idx int
		s   *S
		r   R
	}
	jobs := make(chan job)
	results := make(chan result, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- result{j.idx, j.s, work(j.s)}
			}
		}()
	}

	free := make([]*S, 0, 2*workers)
	for range 2 * workers {
		free = append(free, newShard())
	}
	pending := make(map[int]result)
	next, sent := 0, 0
	var runErr error
	// handle merges one finished result in order and recycles its shard.
	handle := func(res result) {
		pending[res.idx] = res
		for {
			r, ok := pending[next]
			if !ok {
				return
			}
			delete(pending, next)
			if runErr == nil {
				merge(r.r)
			}
			free = append(free, r.s)
			next++
		}
	}
	for runErr == nil {
		if err := ctx.Err(); err != nil {
			runErr = err
			break
		}
		if len(free) == 0 {
			handle(<-results)
			continue
		}
		s := free[len(free)-1]
		ok, err := fill(s)
		if err != nil {
			runErr = err
			break
		}
		if !ok {
			break
		}
		free = free[:len(free)-1]
	send:
		for {
			select {
			case jobs <- job{sent, s}:
				break send
			case res := <-results:
				handle(res)
			}
		}
		sent++
	}
	close(jobs)
	go func() { wg.Wait(); close(results) }()
	for res := range results {
		handle(res)
	}
	return runErr
}
