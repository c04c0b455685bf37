package checkpoint

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// synthFile is a safetensors file generated on the fly: one F32 tensor of n
// elements whose data repeats a 64 KiB block holding nanPerBlock NaNs, then a
// small BF16 tensor. It is an io.ReaderAt and, through stream(), an io.Reader
// without ReadAt, so files of any size can be validated without existing anywhere.
type synthFile struct {
	header []byte
	block  []byte
	n      uint64 // F32 elements
	tail   []byte // the BF16 tensor
	size   int64
}

const synthBlock = 64 << 10

func newSynthFile(n uint64) *synthFile {
	block := make([]byte, synthBlock)
	for i := 0; i < synthBlock; i += 4 {
		binary.LittleEndian.PutUint32(block[i:], math.Float32bits(float32(i%1000)*1e-4))
	}
	binary.LittleEndian.PutUint32(block[4000:], 0x7FC00000) // NaN
	binary.LittleEndian.PutUint32(block[8000:], 0xFF800000) // -Inf
	tail := []byte{0x80, 0x3F, 0x00, 0x40}                  // BF16 1.0, 2.0
	f32 := n * 4
	hdr := fmt.Sprintf(`{"__metadata__":{"format":"pt"},"big":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]},"small":{"dtype":"BF16","shape":[2],"data_offsets":[%d,%d]}}`,
		n, f32, f32, f32+4)
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	header := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	header = append(header, hdr...)
	return &synthFile{header: header, block: block, n: n, tail: tail, size: int64(len(header)) + int64(f32) + 4}
}

func (s *synthFile) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for len(p) > 0 && off < s.size {
		var k int
		switch data := off - int64(len(s.header)); {
		case off < int64(len(s.header)):
			k = copy(p, s.header[off:])
		case uint64(data) < s.n*4:
			k = copy(p, s.block[data%synthBlock:])
			k = int(min(int64(k), int64(s.n*4)-data))
		default:
			k = copy(p, s.tail[uint64(data)-s.n*4:])
		}
		p, off, n = p[k:], off+int64(k), n+k
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}

type synthStream struct {
	f   *synthFile
	off int64
}

func (s *synthStream) Read(p []byte) (int, error) {
	n, err := s.f.ReadAt(p, s.off)
	s.off += int64(n)
	if n > 0 {
		return n, nil
	}
	return n, err
}

// TestMultiGBBoundedMemory validates a file of several GB (256 MB with -short)
// generated on the fly, on both paths, and checks the counts and that the heap
// stays under a fixed bound while it runs.
func TestMultiGBBoundedMemory(t *testing.T) {
	blocks := uint64(48 << 10) // 3 GiB of F32
	if testing.Short() {
		blocks = 4 << 10 // 256 MiB
	}
	n := blocks * synthBlock / 4
	f := newSynthFile(n)
	const bound = 64 << 20
	for _, path := range []string{"at", "stream"} {
		t.Run(path, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak uint64
			c := Config{Workers: 2, Progress: func(done, total int64) {
				// Sampled once every 64 chunks: ReadMemStats stops the world.
				if done/chunkSize%64 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}}
			var rep *Report
			var err error
			if path == "at" {
				rep, err = ValidateAt(context.Background(), f, f.size, c)
			} else {
				rep, err = ValidateStream(context.Background(), &synthStream{f: f}, -1, c)
			}
			require.NoError(t, err)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			require.Equal(t, f.size, rep.Size)
			require.Len(t, rep.Tensors, 2)
			big := rep.Tensors[0]
			require.Equal(t, "big", big.Name)
			require.Equal(t, int64(blocks), big.NaN)
			require.Equal(t, int64(blocks), big.NegInf)
			require.Zero(t, rep.Tensors[1].NaN)
			require.Less(t, peak, uint64(bound), "peak heap in use")
			require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(bound), "bytes allocated while validating %d bytes", f.size)
			t.Logf("%s: %d bytes validated, peak heap in use %.1f MiB, allocated %.1f MiB", path, f.size,
				float64(peak)/(1<<20), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
		})
	}
}
