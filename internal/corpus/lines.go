package corpus

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// A lineReader's buffer starts at minBufSize and doubles up to bufSize while
// reads fill it, so that small inputs stay cheap and large ones are read in
// large chunks. It grows beyond bufSize only to hold a longer line.
const (
	minBufSize = 64 << 10
	bufSize    = 1 << 20
)

// lineReader hands out the input in chunks of whole lines, split on \n only.
// A chunk ends just after a \n, or is the final line of the input when that has
// no \n. A chunk aliases the buffer and is valid until the next call.
type lineReader struct {
	r       io.Reader
	buf     []byte
	start   int   // buf[start:end] is read but not yet handed out
	end     int   //
	scanned int   // buf[start:scanned] is known to hold no \n
	eof     bool  // r returned io.EOF
	err     error // r returned this error; reported once buf is drained
	grow    int   // the buffer doubles up to this size while reads fill it
	filled  bool  // the last fill filled the buffer
	// own makes the chunks handed out permanent: bytes once handed out are never
	// written again, because the unread rest moves to a new buffer instead of to the
	// front of this one. The text decoder then keeps chunks without copying them.
	own bool
}

// newLineReader returns a lineReader of r whose buffer starts at size bytes
// and doubles up to grow bytes while reads fill it.
func newLineReader(r io.Reader, size, grow int) *lineReader {
	return &lineReader{r: r, buf: make([]byte, max(size, 1)), grow: grow}
}

// fill moves the unread data to the front of the buffer, grows the buffer if it
// is full, then reads until the buffer is full, EOF or an error.
func (l *lineReader) fill() {
	if l.start > 0 {
		dst := l.buf
		if l.own {
			dst = make([]byte, len(l.buf))
		}
		n := copy(dst, l.buf[l.start:l.end])
		l.buf = dst
		l.scanned -= l.start
		l.end = n
		l.start = 0
	}
	if l.end == len(l.buf) || l.filled && len(l.buf) < l.grow {
		// A line longer than the buffer, or an input that keeps filling it.
		nb := make([]byte, 2*len(l.buf))
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	empty := 0
	for l.end < len(l.buf) && !l.eof && l.err == nil {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		switch {
		case err == io.EOF:
			l.eof = true
		case err != nil:
			l.err = err
		case n == 0:
			if empty++; empty >= 100 {
				l.err = io.ErrNoProgress
			}
		}
	}
	l.filled = l.end == len(l.buf)
}

// done reports whether nothing more can be read into the buffer.
func (l *lineReader) done() bool { return l.eof || l.err != nil }

// chunk returns the next chunk of whole lines, or nil and io.EOF at the end of
// the input, or nil and the read error. Data before a read error is returned
// first, except an incomplete final line: a read error never makes a truncated
// line look complete.
func (l *lineReader) chunk() ([]byte, error) {
	for {
		if i := bytes.LastIndexByte(l.buf[l.scanned:l.end], '\n'); i >= 0 {
			c := l.buf[l.start : l.scanned+i+1]
			l.start = l.scanned + i + 1
			l.scanned = l.start
			return c, nil
		}
		l.scanned = l.end
		if l.err != nil {
			return nil, l.err
		}
		if l.eof {
			if l.start < l.end {
				c := l.buf[l.start:l.end]
				l.start = l.end
				return c, nil
			}
			return nil, io.EOF
		}
		l.fill()
	}
}

// peek returns at least n unread bytes, or fewer at the end of the input.
// It does not consume them.
func (l *lineReader) peek(n int) []byte {
	for l.end-l.start < n && !l.done() {
		l.fill()
	}
	return l.buf[l.start:l.end]
}

// rest returns a reader of everything not yet handed out: the buffered bytes,
// then the rest of the input.
func (l *lineReader) rest() io.Reader {
	b := l.buf[l.start:l.end]
	l.start, l.end, l.scanned = 0, 0, 0
	var tail io.Reader = l.r
	switch {
	case l.err != nil:
		tail = errReader{l.err}
	case l.eof:
		tail = eofReader{}
	}
	return io.MultiReader(bytes.NewReader(b), tail)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// textDecoder yields the lines of a text input. Each chunk becomes one string and
// lines are substrings of it, so nothing is allocated per line. When the lineReader
// owns its chunks (see lineReader.own; NewReader sets it), the chunk becomes a string
// without a copy, so every byte of the input is allocated once.
type textDecoder struct {
	lr    *lineReader
	name  string
	keep  bool
	chunk string
	pos   int
	valid bool // chunk is valid UTF-8 as a whole
	line  int64
	texts [1]string
}

func (d *textDecoder) next(it *Item) error {
	if d.pos >= len(d.chunk) {
		c, err := d.lr.chunk()
		if err != nil {
			if err == io.EOF {
				return io.EOF
			}
			return &Error{Name: d.name, Line: d.line + 1, Err: readError(err)}
		}
		if d.lr.own {
			d.chunk = unsafe.String(unsafe.SliceData(c), len(c)) // never written again
		} else {
			d.chunk = string(c)
		}
		d.pos = 0
		d.valid = utf8.Valid(c)
	}
	s := d.chunk[d.pos:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
		d.pos += i + 1
	} else {
		d.pos = len(d.chunk)
	}
	d.line++
	if !d.valid && !utf8.ValidString(s) {
		return &Error{Name: d.name, Line: d.line, Err: invalidUTF8(s)}
	}
	if !d.keep {
		s = pystr.TrimRightSpace(s)
	}
	d.texts[0] = s
	*it = Item{Texts: d.texts[:], Line: d.line}
	return nil
}

func (d *textDecoder) close() error { return nil }

// readError wraps an error of the underlying reader or decompressor.
func readError(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read error: %w", err)
}

// invalidUTF8 returns the ErrInvalidUTF8 detail for s, which is not valid UTF-8.
func invalidUTF8[S ~string | ~[]byte](s S) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && n <= 1 {
			return details(ErrInvalidUTF8, "invalid UTF-8: byte %#02x at column %d", s[i], i+1)
		}
		i += n
	}
	return ErrInvalidUTF8
}
