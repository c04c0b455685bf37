package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressBar(&buf, "model.safetensors")
	p.update(0, 1000)
	p.update(500, 1000) // within 100 ms of the last draw: skipped
	p.update(1000, 1000)
	p.finish()
	out := buf.String()
	assert.Contains(t, out, "\rmodel.safetensors [")
	assert.Contains(t, out, "100%  1.0 kB / 1.0 kB")
	assert.NotContains(t, out, " 50%")
	assert.True(t, strings.HasSuffix(out, "\r\x1b[K"), "finish clears the line")

	var nilBar *progressBar
	nilBar.update(1, 2) // a nil bar is a no-op
	nilBar.finish()
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 2147483648: "2.1 GB", 5e12: "5.0 TB"} {
		assert.Equal(t, want, humanBytes(n), "%d", n)
	}
}
