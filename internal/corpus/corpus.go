package corpus

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Format is the format of an input.
type Format int

// The formats. The zero value, Auto, detects the format from the content.
const (
	Auto    Format = iota // detect from the content (see the package documentation)
	Text                  // plain text, one segment per line
	JSONL                 // one JSON object per line
	Arrow                 // Arrow IPC, file ("ARROW1") or stream format
	Parquet               // Parquet
)

var formatNames = [...]string{Auto: "auto", Text: "text", JSONL: "jsonl", Arrow: "arrow", Parquet: "parquet"}

// String returns the lower-case name of f: "auto", "text", "jsonl", "arrow" or
// "parquet".
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat returns the Format named s, as String writes it (case is
// ignored); "" is Auto.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return Auto, nil
	}
	for f, n := range formatNames {
		if strings.EqualFold(s, n) {
			return Format(f), nil
		}
	}
	return Auto, fmt.Errorf("corpus: unknown format %q (want auto, text, jsonl, arrow or parquet)", s)
}

// Config says how to read an input. The zero value detects the format and reads
// plain text as sacreBLEU does; structured formats need Field or Fields.
type Config struct {
	// Format of the input. Default: Auto, detected from the content.
	Format Format
	// Field is the JSONL key or the Arrow/Parquet column to read; it must be
	// present in every record. Ignored for text. Default: the first of Fields
	// present.
	Field string
	// Fields are the candidates tried, in order, when Field is empty, e.g.
	// {"pred", "prediction"} for NeMo's hypotheses or {"label"} for its
	// references. For JSONL the choice is made on the first record and then kept
	// for every record; for Arrow and Parquet it is made on the schema.
	// Default: none, so one of Field or Fields must be set for JSONL, Arrow and
	// Parquet.
	Fields []string
	// KeepTrailingSpace keeps trailing whitespace. Default: false, every string
	// is right-stripped with Python's str.rstrip() as sacreBLEU does.
	KeepTrailingSpace bool
	// NumbersAsText reads a JSONL number value of the field as one string, its
	// JSON text as written ("42", "-1.5e3"), instead of failing with
	// ErrNotString: for id fields. Arrow and Parquet are not affected.
	// Default: false.
	NumbersAsText bool
}

// Item is one segment: a text line, a JSONL record or an Arrow/Parquet row.
type Item struct {
	// Texts holds one string for a text line or a string value, N strings for a
	// JSON array or an Arrow/Parquet list (several references), none for null or
	// an empty list. The slice (not the strings) may be reused by the next call
	// to Next; copy it to keep it. The lines of a text input are substrings of
	// one string per chunk of the input (up to about 1 MiB): keeping one line
	// keeps its chunk alive, so strings.Clone the few lines kept from a large
	// input whose other lines are dropped.
	Texts []string
	// Null reports a JSON null or an Arrow/Parquet null.
	Null bool
	// Line is the 1-based line (text, JSONL; blank JSONL lines count) or the
	// 1-based row (Arrow, Parquet).
	Line int64
}

// decoder yields the items of one format.
type decoder interface {
	next(it *Item) error
	close() error
}

// Reader reads the items of one input in order. Its errors are sticky: once
// Next returns an error, every later call returns it again. A Reader is not
// safe for concurrent use.
type Reader struct {
	name    string
	format  Format
	dec     decoder
	closers []func() error
	err     error
	it      Item
}

// maxZstdWindow is the largest zstd window accepted, as by the zstd command
// without --memory or --long=31.
const maxZstdWindow = 128 << 20

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	par1Magic  = []byte("PAR1")
	arrowMagic = []byte("ARROW1")
	ipcMarker  = []byte{0xff, 0xff, 0xff, 0xff}
)

// Open opens the file name and returns a Reader of it; see NewReader. The
// caller must call Close.
func Open(name string, c Config) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, name, c)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f.Close)
	return r, nil
}

// NewReader returns a Reader of r, which it reads from its current position.
// name is used in error messages ("<stdin>", a path). NewReader detects the
// compression and, with Format Auto, the format; see the package documentation.
// It may read ahead of what Next returns. When r is an [io.ReaderAt] and
// [io.Seeker] positioned at offset 0 (an *os.File of a regular file), an
// uncompressed Arrow or Parquet file is read in place with ReadAt; otherwise it
// is read into memory. The caller must call Close, which does not close r.
func NewReader(r io.Reader, name string, c Config) (*Reader, error) {
	if c.Format < Auto || c.Format > Parquet {
		return nil, fmt.Errorf("corpus: invalid format %v", c.Format)
	}
	rd := &Reader{name: name}
	if err := rd.init(r, c); err != nil {
		_ = rd.Close()
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Name: name, Field: c.Field, Err: err}
		}
		return nil, err
	}
	return rd, nil
}

type readAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

func (rd *Reader) init(r io.Reader, c Config) error {
	ras, _ := r.(readAtSeeker)
	if ras != nil {
		if off, err := ras.Seek(0, io.SeekCurrent); err != nil || off != 0 {
			ras = nil
		}
	}

	br := bufio.NewReaderSize(r, 4096)
	magic, err := br.Peek(len(zstdMagic))
	if err != nil && err != io.EOF {
		return readError(err)
	}
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return readError(err)
		}
		// Close reports the decoding error that Next has already reported.
		rd.closers = append(rd.closers, func() error { _ = zr.Close(); return nil })
		src, ras = zr, nil
	case bytes.HasPrefix(magic, zstdMagic):
		// The zstd command's own default limit on the window (--memory=128MB):
		// a frame header alone can ask for gigabytes.
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return readError(err)
		}
		rd.closers = append(rd.closers, func() error { zr.Close(); return nil })
		src, ras = zr, nil
	}

	lr := newLineReader(src, minBufSize, bufSize)
	rd.format = c.Format
	if rd.format == Auto {
		rd.format = detect(lr)
	}
	// A read error met while detecting is reported by Next, with its line.
	switch rd.format {
	case Text:
		lr.own = true
		rd.dec = &textDecoder{lr: lr, name: rd.name, keep: c.KeepTrailingSpace}
	case JSONL:
		rd.dec = newJSONLDecoder(lr, rd.name, c)
	case Arrow, Parquet:
		var (
			sr   *io.SectionReader
			size int64 = -1
		)
		if ras != nil {
			if n, err := ras.Seek(0, io.SeekEnd); err == nil {
				sr, size = io.NewSectionReader(ras, 0, n), n
			}
		}
		if rd.format == Arrow && !bytes.HasPrefix(lr.peek(len(arrowMagic)), arrowMagic) {
			var src io.Reader = sr
			if sr == nil {
				src = lr.rest()
			}
			d, err := newArrowStream(src, size, rd.name, c)
			if err != nil {
				return err
			}
			rd.dec = d
			break
		}
		if sr == nil {
			// Both file formats need random access: read it all into memory.
			data, err := io.ReadAll(lr.rest())
			if err != nil {
				return readError(err)
			}
			sr, size = io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))), int64(len(data))
		}
		if rd.format == Arrow {
			d, err := newArrowFile(sr, size, rd.name, c)
			if err != nil {
				return err
			}
			rd.dec = d
			break
		}
		d, err := newParquet(sr, size, rd.name, c)
		if err != nil {
			return err
		}
		rd.dec = d
	}
	return nil
}

// detect returns the format of the input that lr reads, without consuming it.
func detect(lr *lineReader) Format {
	head := lr.peek(len(arrowMagic))
	switch {
	case bytes.HasPrefix(head, par1Magic):
		return Parquet
	case bytes.HasPrefix(head, arrowMagic), bytes.HasPrefix(head, ipcMarker):
		return Arrow
	}
	// JSONL when the first non-blank line is a JSON object. Offsets are
	// relative to lr.start, which fill keeps pointing at the same byte.
	i := 0
	if bytes.HasPrefix(head, bom) {
		i = len(bom)
	}
	for {
		b := lr.buf[lr.start:lr.end]
		i = skipWS(b, i)
		if i == len(b) {
			if lr.done() {
				return Text
			}
			lr.fill()
			continue
		}
		if b[i] != '{' {
			return Text
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 && !lr.done() {
			lr.fill()
			continue
		}
		line := b[i:]
		if j >= 0 {
			line = line[:j]
		}
		var d jsonlDecoder
		if d.scanLine(line, false) == nil {
			return JSONL
		}
		return Text
	}
}

// Format returns the format being read: Config.Format, or the detected one.
func (r *Reader) Format() Format { return r.format }

// Name returns the name of the input, as given to Open or NewReader.
func (r *Reader) Name() string { return r.name }

// Field returns the field or column being read: Config.Field, or the first of
// Config.Fields present. It is "" for text, and for JSONL with Fields until
// Next has returned the first item (the choice is made on the first record).
func (r *Reader) Field() string {
	switch d := r.dec.(type) {
	case *jsonlDecoder:
		return d.field()
	case *arrowDecoder:
		return d.field
	case *parquetDecoder:
		return d.field
	}
	return ""
}

// Next returns the next item, or io.EOF after the last. Any other error is an
// [*Error] naming the input and the line or row.
func (r *Reader) Next() (Item, error) {
	if r.err != nil {
		return Item{}, r.err
	}
	if r.dec == nil {
		r.err = &Error{Name: r.name, Err: errors.New("corpus: reader is closed")}
		return Item{}, r.err
	}
	// r.it, not a local: a pointer passed to an interface method escapes.
	it := &r.it
	if err := r.dec.next(it); err != nil {
		var e *Error
		if err != io.EOF && !errors.As(err, &e) {
			err = &Error{Name: r.name, Field: r.Field(), Err: err}
		}
		r.err = err
		return Item{}, err
	}
	return *it, nil
}

// Close releases the resources of the Reader and closes the file that Open
// opened. It does not close the io.Reader given to NewReader.
func (r *Reader) Close() error {
	var errs []error
	if r.dec != nil {
		errs = append(errs, r.dec.close())
		r.dec = nil
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// ReadAll reads the remaining items. Their Texts are not reused. It checks ctx
// between items and returns ctx.Err() when it is cancelled.
func (r *Reader) ReadAll(ctx context.Context) ([]Item, error) {
	var (
		items []Item
		slab  []string
	)
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, err
		}
		// Copy Texts into a shared slab: one allocation per 1024 strings.
		if k := len(it.Texts); cap(slab)-len(slab) < k {
			slab = make([]string, 0, max(1024, k))
		}
		start := len(slab)
		slab = append(slab, it.Texts...)
		it.Texts = slab[start:len(slab):len(slab)]
		items = append(items, it)
	}
}

// ReadStrings reads the remaining items, each of which must hold exactly one
// string: a text line, a JSON string (or an array of one string), an Arrow or
// Parquet string. A null or another number of strings is an error wrapping
// ErrNotString.
func (r *Reader) ReadStrings(ctx context.Context) ([]string, error) {
	var out []string
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if it.Null || len(it.Texts) != 1 {
			what := "null"
			if !it.Null {
				what = fmt.Sprintf("%d strings", len(it.Texts))
			}
			r.err = &Error{Name: r.name, Line: it.Line, Field: r.Field(), row: r.format == Arrow || r.format == Parquet,
				Err: details(ErrNotString, "field %q is %s, want one string", r.Field(), what)}
			return nil, r.err
		}
		out = append(out, it.Texts[0])
	}
}

// ReadAll opens the file name, reads all its items and closes it.
func ReadAll(ctx context.Context, name string, c Config) ([]Item, error) {
	r, err := Open(name, c)
	if err != nil {
		return nil, err
	}
	items, err := r.ReadAll(ctx)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return items, nil
}

// ReadStrings opens the file name, reads one string per item (see
// [Reader.ReadStrings]) and closes it.
func ReadStrings(ctx context.Context, name string, c Config) ([]string, error) {
	r, err := Open(name, c)
	if err != nil {
		return nil, err
	}
	s, err := r.ReadStrings(ctx)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}
