package corpus

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// Fixtures are generated with the libraries inside the tests; no binary file
// is committed.

// arrowRecords builds record batches of schema s from rows given as JSON
// objects, batch rows per batch.
func arrowRecords(t testing.TB, s *arrow.Schema, rows []string, batch int) []arrow.RecordBatch {
	t.Helper()
	var recs []arrow.RecordBatch
	for i := 0; i < len(rows); i += batch {
		js := "[" + strings.Join(rows[i:min(i+batch, len(rows))], ",") + "]"
		rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, s, strings.NewReader(js))
		require.NoError(t, err, js)
		recs = append(recs, rec)
	}
	if len(recs) == 0 { // a schema with no batch
		rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, s, strings.NewReader("[]"))
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	return recs
}

// arrowFile returns an Arrow IPC file (stream false) or stream of the records.
func arrowIPC(t testing.TB, s *arrow.Schema, recs []arrow.RecordBatch, stream bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = ipc.NewWriter(&buf, ipc.WithSchema(s))
	} else {
		fw, err := ipc.NewFileWriter(&buf, ipc.WithSchema(s))
		require.NoError(t, err)
		w = fw
	}
	for _, r := range recs {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// parquetFile writes the records with pqarrow, rowGroup rows per row group and
// small pages, so that rows and lists straddle pages and level batches.
func parquetFile(t testing.TB, s *arrow.Schema, recs []arrow.RecordBatch, rowGroup int64, dict bool) []byte {
	t.Helper()
	return parquetWith(t, s, recs,
		parquet.WithMaxRowGroupLength(rowGroup),
		parquet.WithDataPageSize(64),
		parquet.WithBatchSize(3),
		parquet.WithDictionaryDefault(dict),
		parquet.WithCompression(compress.Codecs.Snappy),
	)
}

// parquetWith writes the records with pqarrow and the given properties.
func parquetWith(t testing.TB, s *arrow.Schema, recs []arrow.RecordBatch, props ...parquet.WriterProperty) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(s, &buf, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	require.NoError(t, err)
	for _, r := range recs {
		require.NoError(t, fw.Write(r))
	}
	require.NoError(t, fw.Close())
	return buf.Bytes()
}

// parquetLevels writes one BYTE_ARRAY leaf column under the top-level node
// top, with explicit levels: for schemas that pqarrow does not write
// (legacy 2-level lists, bare repeated fields, unannotated binary).
func parquetLevels(t testing.TB, top schema.Node, vals []string, defs, reps []int16) []byte {
	t.Helper()
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, schema.FieldList{top}, -1)
	require.NoError(t, err)
	var buf bytes.Buffer
	w := file.NewParquetWriter(&buf, root)
	rg := w.AppendRowGroup()
	cw, err := rg.NextColumn()
	require.NoError(t, err)
	bas := make([]parquet.ByteArray, len(vals))
	for i, v := range vals {
		bas[i] = parquet.ByteArray(v)
	}
	_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(bas, defs, reps)
	require.NoError(t, err)
	require.NoError(t, cw.Close())
	require.NoError(t, rg.Close())
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// compression names a way to compress a fixture.
type compression string

const (
	plain  compression = "plain"
	gz     compression = "gzip"
	gzMult compression = "gzip-multimember"
	zst    compression = "zstd"
	zstMul compression = "zstd-multiframe"
)

var compressions = []compression{plain, gz, gzMult, zst, zstMul}

func compressData(t testing.TB, c compression, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	parts := [][]byte{data}
	if c == gzMult || c == zstMul {
		h := len(data) / 2
		parts = [][]byte{data[:h], data[h:]}
	}
	for _, p := range parts {
		switch c {
		case plain:
			buf.Write(p)
		case gz, gzMult:
			zw := gzip.NewWriter(&buf)
			_, err := zw.Write(p)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
		case zst, zstMul:
			zw, err := zstd.NewWriter(&buf)
			require.NoError(t, err)
			_, err = zw.Write(p)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
		}
	}
	return buf.Bytes()
}

// sample is the data set of the format × compression matrix.
type sample struct {
	pred  *string  // nil: null
	label []string // nil: null
}

func sp(s string) *string { return &s }

var samples = []sample{
	{sp("the cat sat on the mat. \t"), []string{"the cat sat on the mat.", "a cat was on the mat "}},
	{sp("héllo wörld\u00a0\u3000"), []string{"hello world"}},
	{nil, nil},
	{sp(""), []string{}},
	{sp("  leading kept\x1f"), []string{"x\u2028y\u2029", "\ufeffbom"}},
	{sp("tab\tinside\rcr"), []string{"z"}},
	{sp("emoji 😀 \u0085"), []string{"😀"}},
}

func (s sample) json() string {
	m := map[string]any{"input": "prompt text", "pred": s.pred, "label": s.label}
	if s.label == nil {
		m["label"] = nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sampleText is the text file of the non-null predictions, one per line.
func sampleText() []byte {
	var b strings.Builder
	for _, s := range samples {
		if s.pred != nil {
			b.WriteString(*s.pred)
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

func sampleJSONL() []byte {
	var b strings.Builder
	for i, s := range samples {
		if i == 3 {
			b.WriteString("  \t\r\n") // a blank line
		}
		b.WriteString(s.json())
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

var sampleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "input", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "label", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
}, nil)

func sampleRecords(t testing.TB) []arrow.RecordBatch {
	rows := make([]string, len(samples))
	for i, s := range samples {
		rows[i] = s.json()
	}
	return arrowRecords(t, sampleSchema, rows, 3)
}

// want returns the items expected for field ("pred" or "label") of samples.
// lineOf maps the sample index to its line or row.
func want(field string, lineOf func(i int) int64) []Item {
	var items []Item
	for i, s := range samples {
		it := Item{Line: lineOf(i)}
		switch {
		case field == "pred" && s.pred == nil, field == "label" && s.label == nil:
			it.Null = true
		case field == "pred":
			it.Texts = []string{pyRstrip(*s.pred)}
		default:
			for _, l := range s.label {
				it.Texts = append(it.Texts, pyRstrip(l))
			}
		}
		items = append(items, it)
	}
	return items
}
