package porter

import (
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

func TestCache(t *testing.T) {
	words, other := golden(t)
	for _, limit := range []int{0, 1, 100, 1 << 20} {
		c := NewCache(limit)
		var zero Cache
		for round := range 2 {
			for _, p := range append(words, other...) {
				require.Equal(t, p.stem, c.Stem(p.word), "limit %d, round %d, %q", limit, round, p.word)
				if limit == 0 {
					require.Equal(t, p.stem, zero.Stem(p.word))
				}
			}
			want := DefaultCacheLimit
			if limit > 0 {
				want = max(limit, 2)
			}
			require.LessOrEqual(t, c.Len(), want)
			require.LessOrEqual(t, zero.Len(), DefaultCacheLimit)
		}
		c.Reset()
		require.Zero(t, c.Len())
		require.Equal(t, "happi", c.Stem("happy"))
	}
}

// TestCacheKeepsHot checks that a word used all the time survives the
// turnover of the generations.
func TestCacheKeepsHot(t *testing.T) {
	words, _ := golden(t)
	c := NewCache(64)
	c.Stem("generalizations")
	for i, p := range words[:5000] {
		c.Stem(p.word)
		if i%16 == 0 {
			c.Stem("generalizations")
		}
	}
	_, ok := c.cur["generalizations"]
	require.True(t, ok)
}

// TestCacheCopies checks that the cache stores neither a token nor a stem that
// points into the caller's text.
func TestCacheCopies(t *testing.T) {
	text := strings.Repeat("x", 1000) + "running"
	tok := text[1000:]
	c := NewCache(0)
	require.Equal(t, "run", c.Stem(tok))
	for k, v := range c.cur {
		for _, s := range []string{k, v} {
			p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			base := uintptr(unsafe.Pointer(unsafe.StringData(text)))
			require.False(t, p >= base && p < base+uintptr(len(text)), "%q points into the text", s)
		}
	}
	require.Zero(t, testing.AllocsPerRun(100, func() { sink = c.Stem(tok) }))
}

// TestCacheWorkers runs a Cache per goroutine, as scoring workers would.
func TestCacheWorkers(t *testing.T) {
	words, _ := golden(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			c := NewCache(1000)
			for i := g; i < len(words); i += 7 {
				if got := c.Stem(words[i].word); got != words[i].stem {
					t.Errorf("Stem(%q) = %q, want %q", words[i].word, got, words[i].stem)
					return
				}
			}
		})
	}
	wg.Wait()
}
