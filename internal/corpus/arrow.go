package corpus

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// arrowDecoder yields one column of an Arrow IPC file or stream, one record
// batch at a time.
type arrowDecoder struct {
	name  string
	field string
	keep  bool
	col   int
	list  bool // the column is a list of strings

	batch   func() (arrow.RecordBatch, error) // the next batch; io.EOF at the end
	release func()

	rec   arrow.RecordBatch
	arr   arrow.Array
	i     int // next row in arr
	row   int64
	texts []string
}

// newArrowStream reads the IPC stream format from r, of size bytes (-1 when
// unknown).
func newArrowStream(r io.Reader, size int64, name string, c Config) (d *arrowDecoder, err error) {
	defer recoverFormat(&err, "Arrow IPC stream")
	alloc := newLimitAllocator(size)
	rd, err := ipc.NewReaderFromMessageReader(newMessageReader(r), ipc.WithAllocator(alloc))
	if err != nil {
		return nil, malformed("Arrow IPC stream", err)
	}
	d = &arrowDecoder{
		name: name,
		keep: c.KeepTrailingSpace,
		batch: func() (arrow.RecordBatch, error) {
			if rd.Next() {
				rec := rd.RecordBatch()
				rec.Retain()
				return rec, nil
			}
			if err := rd.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		},
		release: rd.Release,
	}
	if err := d.choose(rd.Schema(), c); err != nil {
		rd.Release()
		return nil, err
	}
	return d, nil
}

// newArrowFile reads the IPC file format from r, of size bytes.
func newArrowFile(r ipc.ReadAtSeeker, size int64, name string, c Config) (d *arrowDecoder, err error) {
	defer recoverFormat(&err, "Arrow IPC file")
	if err := checkArrowFile(r, size); err != nil {
		return nil, err
	}
	fr, err := ipc.NewFileReader(r, ipc.WithAllocator(newLimitAllocator(size)))
	if err != nil {
		return nil, malformed("Arrow IPC file", err)
	}
	k := 0
	d = &arrowDecoder{
		name: name,
		keep: c.KeepTrailingSpace,
		batch: func() (arrow.RecordBatch, error) {
			if k >= fr.NumRecords() {
				return nil, io.EOF
			}
			k++
			return fr.RecordBatchAt(k - 1)
		},
		release: func() { _ = fr.Close() },
	}
	if err := d.choose(fr.Schema(), c); err != nil {
		_ = fr.Close()
		return nil, err
	}
	return d, nil
}

// choose picks the column and checks its type.
func (d *arrowDecoder) choose(s *arrow.Schema, c Config) error {
	tried := c.Fields
	if c.Field != "" {
		tried = []string{c.Field}
	}
	d.col = -1
	for _, f := range tried {
		if idx := s.FieldIndices(f); len(idx) > 0 {
			d.col, d.field = idx[0], f
			break
		}
	}
	if d.col < 0 {
		names := make([]string, s.NumFields())
		for i := range names {
			names[i] = s.Field(i).Name
		}
		return missingField(tried, names, "columns")
	}
	t := s.Field(d.col).Type
	if lt, ok := t.(arrow.ListLikeType); ok && isListID(t.ID()) && arrowStringType(lt.Elem()) {
		d.list = true
		return nil
	}
	if arrowStringType(t) {
		return nil
	}
	return details(ErrNotString, "column %q is %v, want a string or a list of strings", d.field, t)
}

func isListID(id arrow.Type) bool {
	switch id {
	case arrow.LIST, arrow.LARGE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW, arrow.FIXED_SIZE_LIST:
		return true
	}
	return false
}

// arrowStringType reports whether t is string, large_string, string_view or a
// dictionary of those.
func arrowStringType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	case arrow.DICTIONARY:
		switch t.(*arrow.DictionaryType).ValueType.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
			return true
		}
	}
	return false
}

func (d *arrowDecoder) errorf(err error) error {
	return &Error{Name: d.name, Line: d.row, Field: d.field, Err: err, row: true}
}

func (d *arrowDecoder) next(it *Item) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = d.errorf(malformed("Arrow record batch", fmt.Errorf("%v", p)))
		}
	}()
	for d.arr == nil || d.i >= d.arr.Len() {
		if d.rec != nil {
			d.rec.Release()
			d.rec, d.arr = nil, nil
		}
		rec, err := d.batch()
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return &Error{Name: d.name, Line: d.row + 1, Field: d.field, Err: malformed("Arrow record batch", err), row: true}
		}
		if int(rec.NumCols()) <= d.col {
			rec.Release()
			return &Error{Name: d.name, Line: d.row + 1, Field: d.field, Err: details(ErrFormat, "malformed Arrow record batch: %d columns", rec.NumCols()), row: true}
		}
		d.rec, d.arr, d.i = rec, rec.Column(d.col), 0
	}
	i := d.i
	d.i++
	d.row++
	d.texts = d.texts[:0]
	*it = Item{Line: d.row}
	if d.arr.IsNull(i) {
		it.Null = true
		return nil
	}
	if !d.list {
		s, null, err := d.value(d.arr, i)
		if err != nil {
			return d.errorf(err)
		}
		if null {
			it.Null = true
			return nil
		}
		d.texts = append(d.texts, s)
		it.Texts = d.texts
		return nil
	}
	l, ok := d.arr.(array.ListLike)
	if !ok {
		return d.errorf(details(ErrFormat, "column %q: unexpected array %T", d.field, d.arr))
	}
	start, end := l.ValueOffsets(i)
	vals := l.ListValues()
	for j := start; j < end; j++ {
		s, null, err := d.value(vals, int(j))
		if err != nil {
			return d.errorf(err)
		}
		if null {
			return d.errorf(details(ErrNotString, "field %q element %d is null, want a string", d.field, j-start+1))
		}
		d.texts = append(d.texts, s)
	}
	it.Texts = d.texts
	return nil
}

// value returns the string at a[i], a copy that does not keep the batch alive.
func (d *arrowDecoder) value(a arrow.Array, i int) (string, bool, error) {
	if a.IsNull(i) {
		return "", true, nil
	}
	switch a := a.(type) {
	case *array.Dictionary:
		return d.value(a.Dictionary(), a.GetValueIndex(i))
	case array.StringLike:
		return checkString(a.Value(i), d.keep)
	}
	return "", false, details(ErrFormat, "column %q: unexpected array %T", d.field, a)
}

// checkString validates s, right-strips it unless keep, and copies it.
func checkString(s string, keep bool) (string, bool, error) {
	if !utf8.ValidString(s) {
		return "", false, invalidUTF8(s)
	}
	if !keep {
		s = pystr.TrimRightSpace(s)
	}
	return strings.Clone(s), false, nil
}

func (d *arrowDecoder) close() error {
	if d.rec != nil {
		d.rec.Release()
		d.rec, d.arr = nil, nil
	}
	if d.release != nil {
		d.release()
		d.release = nil
	}
	return nil
}

// maxUnknownAlloc is the largest allocation while reading an input of unknown
// size (a compressed or piped Arrow stream).
const maxUnknownAlloc = 2 << 30

// limitAllocator is the Go allocator with a cap on the size of one
// allocation. Arrow and Parquet allocate what the input's metadata claims
// (message bodies, decompressed buffers, pages) before they find that the
// data is not there; the cap keeps a corrupt input from exhausting memory.
// A refused allocation panics, which recoverFormat turns into ErrFormat.
type limitAllocator struct {
	limit int
}

func newLimitAllocator(size int64) limitAllocator {
	// Room for buffers that are compressed inside the input.
	limit := int64(maxUnknownAlloc)
	if size >= 0 {
		limit = 64<<20 + 256*size
	}
	return limitAllocator{limit: int(min(limit, math.MaxInt))}
}

var errAllocLimit = errors.New("allocation larger than the input can hold")

func (a limitAllocator) Allocate(n int) []byte {
	if n > a.limit {
		panic(errAllocLimit)
	}
	return memory.DefaultAllocator.Allocate(n)
}

func (a limitAllocator) Reallocate(n int, b []byte) []byte {
	if n > a.limit {
		panic(errAllocLimit)
	}
	return memory.DefaultAllocator.Reallocate(n, b)
}

func (a limitAllocator) Free(b []byte) { memory.DefaultAllocator.Free(b) }

// recoverFormat turns a panic of a decoding library on malformed input into an
// ErrFormat error: no input may crash the reader.
func recoverFormat(err *error, what string) {
	if p := recover(); p != nil {
		*err = malformed(what, fmt.Errorf("%v", p))
	}
}
