package gpu

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// SeriesWriter writes a time series of samples. Close flushes it; it does not close
// the underlying writer.
type SeriesWriter interface {
	Write(samples []Sample) error
	Close() error
}

// Series formats.
const (
	FormatCSV     = "csv"
	FormatJSONL   = "jsonl"
	FormatParquet = "parquet"
)

// FormatOf picks the series format from a file name: .csv, .jsonl (or .ndjson) and
// .parquet.
func FormatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".parquet":
		return FormatParquet, nil
	}
	return "", fmt.Errorf("gpu: %s: unknown series format; use .csv, .jsonl or .parquet", path)
}

// seriesColumns are the columns of every format, in order.
var seriesColumns = []string{"time", "device", "util_gpu", "util_memory", "memory_used", "memory_total",
	"temperature_c", "power_w", "energy_j", "ecc_corrected", "ecc_uncorrected", "throttle_mask"}

func (s *Sample) metrics() [9]float64 {
	return [9]float64{s.UtilGPU, s.UtilMemory, s.MemoryUsed, s.MemoryTotal, s.TemperatureC, s.PowerW,
		s.EnergyJ, s.ECCCorrected, s.ECCUncorrected}
}

// NewSeriesWriter writes samples to w in format (FormatCSV, FormatJSONL or
// FormatParquet). Times are UTC; a metric that is not reported is an empty CSV
// field, a JSON null or a Parquet null.
func NewSeriesWriter(w io.Writer, format string) (SeriesWriter, error) {
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(seriesColumns); err != nil {
			return nil, err
		}
		return &csvSeries{w: cw}, nil
	case FormatJSONL:
		return &jsonlSeries{w: w}, nil
	case FormatParquet:
		return newParquetSeries(w)
	}
	return nil, fmt.Errorf("gpu: unknown series format %q", format)
}

func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

type csvSeries struct {
	w   *csv.Writer
	rec []string
}

func (c *csvSeries) Write(samples []Sample) error {
	for i := range samples {
		s := &samples[i]
		c.rec = append(c.rec[:0], s.Time.UTC().Format(time.RFC3339Nano), strconv.Itoa(s.Device))
		for _, v := range s.metrics() {
			c.rec = append(c.rec, formatMetric(v))
		}
		c.rec = append(c.rec, strconv.FormatUint(s.ThrottleMask, 10))
		if err := c.w.Write(c.rec); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvSeries) Close() error { c.w.Flush(); return c.w.Error() }

type jsonlSeries struct {
	w   io.Writer
	buf []byte
}

func (j *jsonlSeries) Write(samples []Sample) error {
	j.buf = j.buf[:0]
	for i := range samples {
		s := &samples[i]
		j.buf = append(j.buf, `{"time":"`...)
		j.buf = s.Time.UTC().AppendFormat(j.buf, time.RFC3339Nano)
		j.buf = append(j.buf, `","device":`...)
		j.buf = strconv.AppendInt(j.buf, int64(s.Device), 10)
		for k, v := range s.metrics() {
			j.buf = append(j.buf, ',', '"')
			j.buf = append(j.buf, seriesColumns[2+k]...)
			j.buf = append(j.buf, '"', ':')
			if math.IsNaN(v) {
				j.buf = append(j.buf, "null"...)
			} else {
				j.buf = strconv.AppendFloat(j.buf, v, 'f', -1, 64)
			}
		}
		j.buf = append(j.buf, `,"throttle_mask":`...)
		j.buf = strconv.AppendUint(j.buf, s.ThrottleMask, 10)
		j.buf = append(j.buf, '}', '\n')
	}
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonlSeries) Close() error { return nil }

// parquetRowGroup is the number of rows buffered before a row group is written.
const parquetRowGroup = 4096

type parquetSeries struct {
	fw      *pqarrow.FileWriter
	b       *array.RecordBuilder
	pending int
}

// writeOnly hides any Close method of the destination, which the Parquet writer
// would otherwise call.
type writeOnly struct{ io.Writer }

func seriesSchema() *arrow.Schema {
	fields := []arrow.Field{
		{Name: "time", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "device", Type: arrow.PrimitiveTypes.Int32},
	}
	for _, name := range seriesColumns[2 : len(seriesColumns)-1] {
		fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "throttle_mask", Type: arrow.PrimitiveTypes.Uint64})
	return arrow.NewSchema(fields, nil)
}

func newParquetSeries(w io.Writer) (*parquetSeries, error) {
	s := seriesSchema()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	fw, err := pqarrow.NewFileWriter(s, writeOnly{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, err
	}
	return &parquetSeries{fw: fw, b: array.NewRecordBuilder(memory.DefaultAllocator, s)}, nil
}

func (p *parquetSeries) Write(samples []Sample) error {
	for i := range samples {
		s := &samples[i]
		p.b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(s.Time.UnixMicro()))
		p.b.Field(1).(*array.Int32Builder).Append(int32(s.Device))
		for k, v := range s.metrics() {
			fb := p.b.Field(2 + k).(*array.Float64Builder)
			if math.IsNaN(v) {
				fb.AppendNull()
			} else {
				fb.Append(v)
			}
		}
		p.b.Field(11).(*array.Uint64Builder).Append(s.ThrottleMask)
		p.pending++
	}
	if p.pending >= parquetRowGroup {
		return p.flush()
	}
	return nil
}

func (p *parquetSeries) flush() error {
	if p.pending == 0 {
		return nil
	}
	rec := p.b.NewRecordBatch()
	defer rec.Release()
	p.pending = 0
	return p.fw.Write(rec)
}

func (p *parquetSeries) Close() error {
	err := p.flush()
	p.b.Release()
	if cerr := p.fw.Close(); err == nil {
		err = cerr
	}
	return err
}
