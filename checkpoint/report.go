package checkpoint

import (
	"errors"
	"log/slog"
	"math/bits"
)

// Kind names a checkpoint layout.
type Kind string

// Layouts that ValidatePath recognises by content.
const (
	KindSafetensors Kind = "safetensors"         // one safetensors file
	KindSharded     Kind = "safetensors-sharded" // a *.safetensors.index.json and its shards
	KindPEFT        Kind = "peft-lora"           // adapter_config.json + adapter_model.safetensors
	KindNeMo        Kind = "nemo"                // NeMo 1.x .nemo tar archive
	KindTorch       Kind = "torch"               // torch.save zip (.ckpt, .pt, .bin)
	KindNeMo2       Kind = "nemo2"               // NeMo 2.0 checkpoint directory
	KindDirectory   Kind = "directory"           // a directory of checkpoints
)

// Config says what to check and how. The zero value is valid: structure and
// NaN/Inf counts, no statistics, no hash, all cores.
type Config struct {
	// Stats computes per-tensor statistics (Tensor.Stats). Default: off.
	Stats bool
	// Hash computes the SHA-256 of each file (Report.SHA256). Default: off.
	Hash bool
	// Workers is the number of scanning goroutines: 0 = GOMAXPROCS; 1 = everything
	// runs on the caller's goroutine. Default: 0.
	Workers int
	// AllowNonFinite reports NaN and infinite values as warnings instead of errors.
	// Default: they are errors.
	AllowNonFinite bool
	// MaxDecompressed limits the decompressed size of gzip- or zstd-compressed
	// checkpoints. Default: 1 TiB.
	MaxDecompressed int64
	// Digest computes a 64-bit content digest per tensor (Tensor.Digest), which
	// Diff uses to tell whether weights changed. Default: off.
	Digest bool
	// Progress, when set, is called with the number of bytes of the current file
	// read so far, from one goroutine at a time, at most once per chunk.
	Progress func(done, total int64)
	// Logger receives debug logs. Default: none.
	Logger *slog.Logger
}

func (c *Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Tensor is one tensor of a checkpoint as the validator saw it.
type Tensor struct {
	Name  string
	DType DType
	Shape []uint64
	// Begin and End are the tensor's data_offsets, relative to the data section.
	Begin, End uint64
	// File is the shard or member holding the tensor; "" for a single file.
	File string
	// Scanned is set when the tensor's bytes were read and the counts below are
	// meaningful (not when the file's structure is invalid).
	Scanned bool
	// NaN, PosInf and NegInf count non-finite values (both parts of complex values).
	NaN, PosInf, NegInf int64
	// BadBool counts BOOL bytes other than 0 and 1.
	BadBool int64
	// Stats are set when Config.Stats asked for them and the dtype has them.
	Stats *Stats
	// Digest is a 64-bit hash of the tensor's bytes (XXH3 over fixed chunks) when
	// Config.Digest asked for it; equal bytes give equal digests.
	Digest uint64
}

// NBytes is the tensor's size in bytes.
func (t *Tensor) NBytes() uint64 { return t.End - t.Begin }

// NumElements is the product of the shape (1 for a scalar); ok is false on overflow.
func (t *Tensor) NumElements() (n uint64, ok bool) {
	n = 1
	for _, d := range t.Shape {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// Report is what the validator found in one path.
type Report struct {
	Path string
	Kind Kind
	// Compression is "gzip" or "zstd" for a compressed file, else "".
	Compression string
	// Size is the number of bytes read (the file size; the decompressed size for a
	// compressed file).
	Size int64
	// HeaderLen is the safetensors header length of a single file.
	HeaderLen int64
	// Metadata is the safetensors __metadata__ map (nil when absent or null).
	Metadata map[string]string
	// Tensors in data-offset order (per file, files in order for multi-file layouts).
	Tensors []Tensor
	// Findings in the order they were found; empty means valid and clean.
	Findings []Finding
	// SHA256 is the hex SHA-256 of the file when Config.Hash was set (of the
	// compressed bytes for a compressed file, which is what the Hugging Face Hub's
	// LFS object id covers).
	SHA256 string
	// Files are the reports of the files of a multi-file layout (shards, members).
	Files []*Report
}

// Valid reports whether r has no finding of severity Error.
func (r *Report) Valid() bool {
	for i := range r.Findings {
		if r.Findings[i].Severity == Error {
			return false
		}
	}
	return true
}

// Err returns the error findings joined (errors.Join of *Finding), or nil when the
// report is valid. Warnings are not included.
func (r *Report) Err() error {
	var errs []error
	for i := range r.Findings {
		if r.Findings[i].Severity == Error {
			errs = append(errs, &r.Findings[i])
		}
	}
	return errors.Join(errs...)
}

func (r *Report) add(f Finding) { r.Findings = append(r.Findings, f) }
