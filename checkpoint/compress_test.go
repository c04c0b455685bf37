package checkpoint

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compressFixture is a safetensors file of a little over one chunk (so the
// stream crosses chunk boundaries) with two NaNs in it.
func compressFixture(t testing.TB, withNaN bool) []byte {
	rng := rand.New(rand.NewPCG(31, 32))
	big := testTensor(rng, "w.big", "F32", 600_000)
	if withNaN {
		binary.LittleEndian.PutUint32(big.Data[40:], math.Float32bits(float32(math.NaN())))
		binary.LittleEndian.PutUint32(big.Data[len(big.Data)-8:], 0x7FC00001)
	}
	return stfile.Build([]stfile.Tensor{big, testTensor(rng, "w.small", "BF16", 33), testTensor(rng, "w.odd", "U8", 5)},
		map[string]string{"format": "pt"})
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	require.NoError(t, err)
	defer w.Close()
	return w.EncodeAll(b, nil)
}

func writeTemp(t testing.TB, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

var compressors = []struct {
	kind string
	fn   func(testing.TB, []byte) []byte
}{{"gzip", gzipBytes}, {"zstd", zstdBytes}}

func TestCompressedMatchesPlain(t *testing.T) {
	ctx := context.Background()
	for _, withNaN := range []bool{false, true} {
		plainBytes := compressFixture(t, withNaN)
		plainPath := writeTemp(t, "model.safetensors", plainBytes)
		for _, cz := range compressors {
			comp := cz.fn(t, plainBytes)
			path := writeTemp(t, "model.safetensors."+cz.kind, comp)
			workers := []int{1, 2}
			if testing.Short() {
				workers = workers[1:]
			}
			for _, w := range workers {
				c := Config{Workers: w, Hash: true, Stats: true}
				want, err := ValidateFile(ctx, plainPath, c)
				require.NoError(t, err)
				got, err := ValidatePath(ctx, path, c)
				require.NoError(t, err)
				assert.Equal(t, withNaN, !got.Valid(), "%s NaN=%v", cz.kind, withNaN)
				assert.Equal(t, want.Valid(), got.Valid())
				assert.Equal(t, want.Findings, got.Findings, cz.kind)
				assert.Equal(t, want.Tensors, got.Tensors, cz.kind)
				assert.Equal(t, want.Metadata, got.Metadata)
				assert.Equal(t, want.HeaderLen, got.HeaderLen)
				assert.Equal(t, KindSafetensors, got.Kind)
				assert.Equal(t, cz.kind, got.Compression)
				assert.Equal(t, path, got.Path)
				assert.Equal(t, int64(len(plainBytes)), got.Size, "decompressed size")
				sum := sha256.Sum256(comp)
				assert.Equal(t, hex.EncodeToString(sum[:]), got.SHA256, "hash of the compressed bytes")
			}
		}
	}
}

func TestCompressedStructuralFinding(t *testing.T) {
	// A truncated file inside an intact stream: the validator's own finding, and
	// the whole stream is still read.
	plain := compressFixture(t, false)
	plain = plain[:len(plain)-100]
	for _, cz := range compressors {
		path := writeTemp(t, "x."+cz.kind, cz.fn(t, plain))
		rep, err := ValidatePath(context.Background(), path, Config{Workers: 1})
		require.NoError(t, err)
		assert.Equal(t, []string{CodeIncompleteBuffer}, codes(rep, Error), cz.kind)
		assert.Equal(t, int64(len(plain)), rep.Size)
	}
}

func TestCompressedBroken(t *testing.T) {
	plain := compressFixture(t, false)
	gz := gzipBytes(t, plain)
	zs := zstdBytes(t, plain)
	flip := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		for i := at; i < at+16; i++ {
			b[i] ^= 0x5A
		}
		return b
	}
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 1
	badHeader := bytes.Clone(gz)
	badHeader[2] = 7 // compression method other than deflate
	tests := []struct {
		name  string
		kind  string
		file  []byte
		limit int64
		code  string
	}{
		{"gzip corrupt middle", "gzip", flip(gz, len(gz)/2), 0, CodeCorruptCompression},
		{"gzip corrupt early", "gzip", flip(gz, 20), 0, CodeCorruptCompression},
		{"gzip bad checksum", "gzip", badCRC, 0, CodeCorruptCompression},
		{"gzip bad header", "gzip", badHeader, 0, CodeCorruptCompression},
		{"gzip truncated", "gzip", gz[:len(gz)*2/3], 0, CodeCorruptCompression},
		{"gzip header only", "gzip", gz[:5], 0, CodeCorruptCompression},
		{"gzip trailing garbage", "gzip", append(bytes.Clone(gz), "garbage!garbage!"...), 0, CodeCorruptCompression},
		{"zstd corrupt middle", "zstd", flip(zs, len(zs)/2), 0, CodeCorruptCompression},
		{"zstd truncated", "zstd", zs[:len(zs)*2/3], 0, CodeCorruptCompression},
		{"zstd trailing garbage", "zstd", append(bytes.Clone(zs), "garbage!garbage!"...), 0, CodeCorruptCompression},
		{"gzip over the limit", "gzip", gz, 1 << 20, CodeDecompressedTooLarge},
		{"zstd over the limit", "zstd", zs, 1 << 20, CodeDecompressedTooLarge},
		{"gzip limit inside the header", "gzip", gz, 100, CodeDecompressedTooLarge},
		{"zstd limit inside the header", "zstd", zs, 100, CodeDecompressedTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "x", tt.file)
			c := Config{Workers: 2, Hash: true, MaxDecompressed: tt.limit}
			rep, err := ValidatePath(context.Background(), path, c)
			require.NoError(t, err)
			require.False(t, rep.Valid())
			assert.Equal(t, []string{tt.code}, codes(rep, Error), "findings: %v", rep.Findings)
			f := findCode(rep, tt.code)
			assert.Equal(t, tt.kind, rep.Compression)
			sum := sha256.Sum256(tt.file)
			assert.Equal(t, hex.EncodeToString(sum[:]), rep.SHA256, "the hash covers the whole compressed file")
			switch tt.code {
			case CodeCorruptCompression:
				assert.ErrorIs(t, f, ErrCorruptCompression)
				assert.GreaterOrEqual(t, f.Offset, int64(0))
				assert.LessOrEqual(t, f.Offset, int64(len(tt.file)))
			case CodeDecompressedTooLarge:
				assert.ErrorIs(t, f, ErrDecompressedTooLarge)
				assert.Equal(t, tt.limit, f.Offset)
				assert.Equal(t, tt.limit+1, rep.Size)
			}
		})
	}
}

func TestCompressedCorruptOffset(t *testing.T) {
	gz := gzipBytes(t, compressFixture(t, false))
	at := len(gz) * 3 / 4
	bad := bytes.Clone(gz)
	for i := at; i < at+64; i++ {
		bad[i] = 0xFF
	}
	rep, err := ValidatePath(context.Background(), writeTemp(t, "x.gz", bad), Config{Workers: 1})
	require.NoError(t, err)
	f := findCode(rep, CodeCorruptCompression)
	require.NotNil(t, f, "findings: %v", rep.Findings)
	// Deflate may decode damaged bytes for a while (at worst until the CRC at the
	// end), so the offset is at or after the damage, never before it.
	assert.GreaterOrEqual(t, f.Offset, int64(at), "the decoder fails at or after the damage")
	assert.LessOrEqual(t, f.Offset, int64(len(bad)))
}

func TestCompressedTarIsNeMoArchive(t *testing.T) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	body := []byte("name: sophia\n")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./model_config.yaml", Mode: 0o644, Size: int64(len(body))}))
	_, err := tw.Write(body)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	path := writeTemp(t, "model.nemo", gzipBytes(t, tb.Bytes()))
	ctx := context.Background()
	want, wantErr := validateNeMoArchive(ctx, path, Config{})
	got, gotErr := ValidatePath(ctx, path, Config{})
	assert.Equal(t, wantErr, gotErr)
	if want != nil {
		assert.Equal(t, want.Kind, got.Kind)
		assert.Equal(t, want.Findings, got.Findings)
	} else {
		assert.Nil(t, got)
	}
}

func TestCompressedSmallStream(t *testing.T) {
	// Shorter than a tar header: Peek stops at the end of the stream.
	plain := stfile.Raw(`{"__metadata__":{"format":"pt"}}`, nil)
	for _, cz := range compressors {
		rep, err := ValidatePath(context.Background(), writeTemp(t, "x", cz.fn(t, plain)), Config{})
		require.NoError(t, err)
		assert.True(t, rep.Valid(), "%s: %v", cz.kind, rep.Findings)
		assert.Empty(t, rep.Findings)
		assert.Equal(t, int64(len(plain)), rep.Size)
	}
}

func TestCompressedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ValidatePath(ctx, writeTemp(t, "x", gzipBytes(t, compressFixture(t, false))), Config{})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
}
