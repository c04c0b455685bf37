package checkpoint

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

var benchSink counts

// BenchmarkScan measures the NaN/Inf scan of one dtype over a 4 MiB buffer of
// weight-like values (the fast path; hits are rare in real checkpoints).
func BenchmarkScan(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []DType{F32, BF16, F16, F64, F8E4M3, F8E5M2, F8E8M0, F8E4M3FNUZ, BOOL} {
		buf := stfile.Fill(rng, d.String(), uint64(4<<20)*8/uint64(d.Bits()))
		b.Run(d.String(), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				benchSink = counts{firstBad: -1}
				scanContent(d, buf, 0, &benchSink)
			}
		})
	}
}

// BenchmarkStats measures the statistics pass, which converts every element.
func BenchmarkStats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range []DType{F32, BF16, F16} {
		buf := stfile.Fill(rng, d.String(), uint64(1<<20)*8/uint64(d.Bits()))
		b.Run(d.String(), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				var s segAcc
				statSegment(d, buf, &s)
			}
		})
	}
}

// benchFile writes a page-cached checkpoint of about size bytes: BF16, F32 and F16
// matrices, as a fine-tune writes them.
func benchFile(b *testing.B, size int) string {
	b.Helper()
	rng := rand.New(rand.NewPCG(2, 2))
	var ts []stfile.Tensor
	per := size / 6
	for i, dt := range []string{"BF16", "F32", "F16", "BF16", "F32", "F16"} {
		n := uint64(per * 8 / stfile.Bits(dt))
		ts = append(ts, stfile.Tensor{Name: fmt.Sprintf("layers.%d.weight", i), DType: dt, Shape: []uint64{n}, Data: stfile.Fill(rng, dt, n)})
	}
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	if err := os.WriteFile(path, stfile.Build(ts, map[string]string{"format": "pt"}), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkValidateFile measures whole-file validation of a page-cached 256 MiB file
// (64 MiB with -short) with one and two workers, with hashing off and on, against
// Go's SHA-256 alone over the same bytes.
func BenchmarkValidateFile(b *testing.B) {
	size := 256 << 20
	if testing.Short() {
		size = 64 << 20
	}
	path := benchFile(b, size)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, hash := range []bool{false, true} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("hash=%v/workers=%d", hash, w), func(b *testing.B) {
				b.SetBytes(fi.Size())
				b.ReportAllocs()
				for b.Loop() {
					rep, err := ValidateFile(ctx, path, Config{Workers: w, Hash: hash})
					if err != nil || !rep.Valid() {
						b.Fatal(err, rep.Findings)
					}
				}
			})
		}
	}
	b.Run("stats/workers=2", func(b *testing.B) {
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ValidateFile(ctx, path, Config{Workers: 2, Stats: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sha256-only", func(b *testing.B) {
		buf := make([]byte, chunkSize)
		b.SetBytes(fi.Size())
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			for {
				n, err := f.Read(buf)
				h.Write(buf[:n])
				if err != nil {
					break
				}
			}
			f.Close()
		}
	})
}
