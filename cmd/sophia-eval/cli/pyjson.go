package cli

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// pyJSON writes JSON laid out as Python's json.dumps(obj, indent=n, ensure_ascii=False)
// lays it out, for the flat objects that sacreBLEU prints. Keys appear in the order
// they are written.
type pyJSON struct {
	w      *bufio.Writer
	indent int
	depth  int
	first  bool
}

func newPyJSON(w *bufio.Writer, indent int) *pyJSON { return &pyJSON{w: w, indent: indent} }

func (j *pyJSON) newline() {
	j.w.WriteByte('\n')
	j.w.WriteString(strings.Repeat(" ", j.indent*j.depth))
}

func (j *pyJSON) open(c byte) {
	j.w.WriteByte(c)
	j.depth++
	j.first = true
}

func (j *pyJSON) close(c byte) {
	j.depth--
	if !j.first {
		j.newline()
	}
	j.w.WriteByte(c)
	j.first = false
}

// key starts the member name of an object.
func (j *pyJSON) key(k string) *pyJSON {
	if !j.first {
		j.w.WriteByte(',')
	}
	j.first = false
	j.newline()
	j.w.WriteString(pyJSONString(k))
	j.w.WriteString(": ")
	return j
}

func (j *pyJSON) str(s string) { j.w.WriteString(pyJSONString(s)) }

func (j *pyJSON) raw(s string) { j.w.WriteString(s) }

// floats writes a list of floats, one per line, as Python writes float values.
func (j *pyJSON) floats(xs []float64) { j.numbers(xs, false) }

// counts writes a list of counts, one per line: whole numbers as integers, others
// (add-k smoothing with a fractional k) as floats.
func (j *pyJSON) counts(xs []float64) { j.numbers(xs, true) }

func (j *pyJSON) numbers(xs []float64, ints bool) {
	if len(xs) == 0 {
		j.w.WriteString("[]")
		return
	}
	j.open('[')
	for i, x := range xs {
		if i > 0 {
			j.w.WriteByte(',')
		}
		j.newline()
		if ints && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			j.w.WriteString(strconv.FormatInt(int64(x), 10))
		} else {
			j.w.WriteString(pyfloat.JSON(x))
		}
	}
	j.first = false
	j.close(']')
}

// pyJSONString quotes s as json.dumps(s, ensure_ascii=False) does.
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
