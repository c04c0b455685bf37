package corpus

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// parquetBatch is the number of levels read at a time.
const parquetBatch = 1024

// parquetDecoder yields one column of a Parquet file straight from the column
// chunks of each row group, with the definition and repetition levels, without
// building Arrow arrays.
type parquetDecoder struct {
	name  string
	field string
	keep  bool
	pr    *file.Reader
	col   int

	maxDef, maxRep int16
	// For a list column (maxRep == 1): def < dList is a null row, def < dElem
	// an empty list, def < maxDef a null element, def == maxDef a string.
	dList, dElem int16

	rg   int                              // next row group
	cr   *file.ByteArrayColumnChunkReader // current column chunk; nil between chunks
	defs []int16
	reps []int16
	vals []parquet.ByteArray
	nlv  int // levels in defs/reps
	li   int // next level
	nv   int // values in vals
	vi   int // next value

	row   int64
	texts []string
}

// newParquet reads the Parquet file r, of size bytes.
func newParquet(r parquet.ReaderAtSeeker, size int64, name string, c Config) (d *parquetDecoder, err error) {
	defer recoverFormat(&err, "Parquet file")
	props := parquet.NewReaderProperties(newLimitAllocator(size))
	pr, err := file.NewParquetReader(r, file.WithReadProps(props))
	if err != nil {
		return nil, malformed("Parquet file", err)
	}
	d = &parquetDecoder{name: name, keep: c.KeepTrailingSpace, pr: pr}
	if err := d.choose(pr.MetaData().Schema, c); err != nil {
		return nil, err
	}
	d.defs = make([]int16, parquetBatch)
	d.reps = make([]int16, parquetBatch)
	d.vals = make([]parquet.ByteArray, parquetBatch)
	return d, nil
}

// choose picks the column and checks its type and shape.
func (d *parquetDecoder) choose(s *schema.Schema, c Config) error {
	root := s.Root()
	tried := c.Fields
	if c.Field != "" {
		tried = []string{c.Field}
	}
	top := -1
	for _, f := range tried {
		if top = root.FieldIndexByName(f); top >= 0 {
			d.field = f
			break
		}
	}
	if top < 0 {
		names := make([]string, root.NumFields())
		for i := range names {
			names[i] = root.Field(i).Name()
		}
		return missingField(tried, names, "columns")
	}
	node := root.Field(top)
	d.col = -1
	for i := range s.NumColumns() {
		if s.ColumnRoot(i) == node {
			if d.col >= 0 {
				d.col = -2 // more than one leaf: a struct or a map
				break
			}
			d.col = i
		}
	}
	notString := func(what string) error {
		return details(ErrNotString, "column %q is %s, want a string or a list of strings", d.field, what)
	}
	if d.col < 0 {
		return notString("a group of several columns")
	}
	leaf := s.Column(d.col)
	if leaf.PhysicalType() != parquet.Types.ByteArray {
		return notString(leaf.PhysicalType().String())
	}
	if _, ok := leaf.LogicalType().(schema.StringLogicalType); !ok && leaf.ConvertedType() != schema.ConvertedTypes.UTF8 {
		return notString("binary without the STRING annotation")
	}
	d.maxDef, d.maxRep = leaf.MaxDefinitionLevel(), leaf.MaxRepetitionLevel()
	if d.maxRep > 1 {
		return notString("a nested list")
	}
	// The nodes from the top-level field down to the leaf.
	var chain []schema.Node
	for n := leaf.SchemaNode(); n != nil && n != schema.Node(root); n = n.Parent() {
		chain = append([]schema.Node{n}, chain...)
	}
	if len(chain) > 1 {
		_, isList := node.LogicalType().(schema.ListLogicalType)
		if d.maxRep != 1 || !isList && node.ConvertedType() != schema.ConvertedTypes.List {
			return notString("a group")
		}
	}
	var def int16
	for _, n := range chain {
		if n.RepetitionType() == parquet.Repetitions.Repeated {
			d.dList, d.dElem = def, def+1
		}
		if n.RepetitionType() != parquet.Repetitions.Required {
			def++
		}
	}
	return nil
}

func (d *parquetDecoder) errorf(err error) error {
	return &Error{Name: d.name, Line: d.row, Field: d.field, Err: err, row: true}
}

// fill reads the next batch of levels, moving to the next row group when the
// current chunk is exhausted. It returns false at the end of a chunk (the
// caller finishes its row) and io.EOF after the last row group.
func (d *parquetDecoder) fill() (bool, error) {
	if d.cr == nil {
		if d.rg >= d.pr.NumRowGroups() {
			return false, io.EOF
		}
		rg := d.pr.RowGroup(d.rg)
		d.rg++
		cc, err := rg.Column(d.col)
		if err != nil {
			return false, malformed("Parquet file", err)
		}
		cr, ok := cc.(*file.ByteArrayColumnChunkReader)
		if !ok {
			return false, details(ErrFormat, "malformed Parquet file: column chunk reader %T", cc)
		}
		d.cr = cr
	}
	var defs, reps []int16
	if d.maxDef > 0 {
		defs = d.defs
	}
	if d.maxRep > 0 {
		reps = d.reps
	}
	n, nv, err := d.cr.ReadBatchInPage(parquetBatch, d.vals, defs, reps)
	if err != nil {
		return false, malformed("Parquet file", err)
	}
	d.nlv, d.li, d.nv, d.vi = int(n), 0, nv, 0
	if n == 0 {
		d.cr = nil
		return false, nil
	}
	return true, nil
}

func (d *parquetDecoder) next(it *Item) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = d.errorf(malformed("Parquet file", fmt.Errorf("%v", p)))
		}
	}()
	d.texts = d.texts[:0]
	started := false
	*it = Item{}
	for {
		if d.li >= d.nlv {
			ok, err := d.fill()
			if err == io.EOF && !started {
				return io.EOF
			}
			if err != nil && err != io.EOF {
				return &Error{Name: d.name, Line: d.row + 1, Field: d.field, Err: err, row: true}
			}
			if !ok {
				if started {
					break // end of the row group ends the row
				}
				continue
			}
		}
		def, rep := d.maxDef, int16(0)
		if d.maxDef > 0 {
			def = d.defs[d.li]
		}
		if d.maxRep > 0 {
			rep = d.reps[d.li]
		}
		if started && rep == 0 {
			break
		}
		if !started {
			started = true
			d.row++
			if rep != 0 {
				return d.errorf(details(ErrFormat, "malformed Parquet file: a row starts with repetition level %d", rep))
			}
		}
		d.li++
		if d.maxRep == 0 {
			if def < d.maxDef {
				it.Null = true
				break
			}
			s, err := d.value()
			if err != nil {
				return d.errorf(err)
			}
			d.texts = append(d.texts, s)
			break
		}
		switch {
		case def < d.dList:
			it.Null = true
		case def < d.dElem:
			// an empty list
		case def < d.maxDef:
			return d.errorf(details(ErrNotString, "field %q element %d is null, want a string", d.field, len(d.texts)+1))
		default:
			s, err := d.value()
			if err != nil {
				return d.errorf(err)
			}
			d.texts = append(d.texts, s)
		}
	}
	it.Line = d.row
	if !it.Null {
		it.Texts = d.texts
	}
	return nil
}

// value returns the next physical value as a validated, stripped string.
func (d *parquetDecoder) value() (string, error) {
	if d.vi >= d.nv {
		return "", details(ErrFormat, "malformed Parquet file: fewer values than levels")
	}
	b := []byte(d.vals[d.vi]) // aliases the page buffer
	d.vi++
	if !utf8.Valid(b) {
		return "", invalidUTF8(b)
	}
	s := string(b)
	if !d.keep {
		s = pystr.TrimRightSpace(s)
	}
	return s, nil
}

func (d *parquetDecoder) close() error {
	if d.pr == nil {
		return nil
	}
	err := d.pr.Close()
	d.pr = nil
	return err
}
