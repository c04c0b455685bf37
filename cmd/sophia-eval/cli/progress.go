package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressBar draws a one-line progress bar for a long read on a terminal. It is a
// no-op when out is nil. Update may be called often; it redraws at most 10 times a
// second.
type progressBar struct {
	mu    sync.Mutex
	out   io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(out io.Writer, label string) *progressBar {
	return &progressBar{out: out, label: label, start: time.Now()}
}

func (p *progressBar) update(done, total int64) {
	if p == nil || p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.drawn && now.Sub(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = now
	p.drawn = true
	rate := ""
	if el := now.Sub(p.start).Seconds(); el > 0.2 && done > 0 {
		bps := float64(done) / el
		rate = fmt.Sprintf("  %s/s", humanBytes(int64(bps)))
		if total > done {
			rate += "  ETA " + time.Duration(float64(total-done)/bps*float64(time.Second)).Round(time.Second).String()
		}
	}
	if total > 0 {
		const width = 30
		frac := float64(done) / float64(total)
		fill := int(frac * width)
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < fill {
				bar[i] = '='
			}
		}
		fmt.Fprintf(p.out, "\r%s [%s] %3.0f%%  %s / %s%s\x1b[K", p.label, bar, 100*frac, humanBytes(done), humanBytes(total), rate)
		return
	}
	fmt.Fprintf(p.out, "\r%s %s%s\x1b[K", p.label, humanBytes(done), rate)
}

// finish clears the bar's line.
func (p *progressBar) finish() {
	if p == nil || p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
	}
}

// humanBytes formats n with decimal units, as disk sizes are usually quoted.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
