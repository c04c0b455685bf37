package corpus

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// Words of English-like text, and non-ASCII words mixed in at a given rate.
var (
	benchWords = strings.Fields(`the a of to and in is was for on that with as by it at from this be
are an or model training data evaluation score translation sentence reference hypothesis
1999 3.14 "quoted" (paren) end. well, however; said: yes! what? don't`)
	benchNonASCII = strings.Fields(`über café naïve 東京 résumé “quoted” — …`)
)

// benchSentence returns a sentence of about n bytes; one word in every
// nonASCII is non-ASCII.
func benchSentence(r *rand.Rand, n, nonASCII int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if r.IntN(nonASCII) == 0 {
			b.WriteString(benchNonASCII[r.IntN(len(benchNonASCII))])
		} else {
			b.WriteString(benchWords[r.IntN(len(benchWords))])
		}
	}
	return b.String()
}

// benchText returns about size bytes of text, lines of 20 to 200 bytes.
func benchText(size, nonASCII int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString(benchSentence(r, 20+r.IntN(180), nonASCII))
		if r.IntN(10) == 0 {
			b.WriteString(" \t")
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// benchJSONL returns about size bytes of NeMo-style predictions: a prompt of
// 300 to 1500 bytes, a prediction and a label of 20 to 200 bytes.
func benchJSONL(size int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	for b.Len() < size {
		line, _ := json.Marshal(map[string]string{
			"input": benchSentence(r, 300+r.IntN(1200), 100) + "\n\nAnswer:",
			"pred":  benchSentence(r, 20+r.IntN(180), 100),
			"label": benchSentence(r, 20+r.IntN(180), 100),
		})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var benchSink int

func benchRead(b *testing.B, data []byte, raw int, c Config) {
	b.SetBytes(int64(raw))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), "bench", c)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(it.Texts)
		}
		benchSink += n
		r.Close()
	}
}

// BenchmarkText reads English-like text (one word in 100 non-ASCII) plain and
// compressed, and text where one word in 8 is non-ASCII.
func BenchmarkText(b *testing.B) {
	data := benchText(32<<20, 100)
	for _, comp := range []compression{plain, gz, zst} {
		z := compressData(b, comp, data)
		b.Run(string(comp), func(b *testing.B) { benchRead(b, z, len(data), Config{}) })
	}
	mixed := benchText(32<<20, 8)
	b.Run("mixed", func(b *testing.B) { benchRead(b, mixed, len(mixed), Config{}) })
}

func BenchmarkJSONL(b *testing.B) {
	data := benchJSONL(32 << 20)
	for _, comp := range []compression{plain, gz, zst} {
		z := compressData(b, comp, data)
		b.Run(string(comp), func(b *testing.B) { benchRead(b, z, len(data), Config{Fields: []string{"pred", "prediction"}}) })
	}
	// The field last in each object, after the long prompt has been skipped.
	b.Run("label", func(b *testing.B) { benchRead(b, data, len(data), Config{Field: "label"}) })
}

// BenchmarkColumnar reads the pred column of the JSONL benchmark data stored as
// Arrow and Parquet. SetBytes counts the JSONL size, for comparison.
func BenchmarkColumnar(b *testing.B) {
	data := benchJSONL(32 << 20)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "input", Type: arrow.BinaryTypes.String},
		{Name: "pred", Type: arrow.BinaryTypes.String},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	recs := arrowRecords(b, s, rows, 8192)
	b.Run("arrow-file", func(b *testing.B) { benchRead(b, arrowIPC(b, s, recs, false), len(data), Config{Field: "pred"}) })
	b.Run("arrow-stream", func(b *testing.B) { benchRead(b, arrowIPC(b, s, recs, true), len(data), Config{Field: "pred"}) })
	pq := parquetWith(b, s, recs, parquet.WithCompression(compress.Codecs.Snappy))
	b.Run("parquet", func(b *testing.B) { benchRead(b, pq, len(data), Config{Field: "pred"}) })
}
