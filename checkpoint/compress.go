package checkpoint

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// defaultMaxDecompressed is Config.MaxDecompressed's default: 1 TiB.
const defaultMaxDecompressed = 1 << 40

// compressedBuf is the read buffer on the compressed file.
const compressedBuf = 256 << 10

// validateCompressed validates the gzip- or zstd-compressed (kind "gzip" or
// "zstd") safetensors file at path, decompressing it once as a stream into
// ValidateStream. When the decompressed data starts with a tar header the file is
// a compressed NeMo archive (.nemo from NeMo before 1.7, tar.gz) and
// validateNeMoArchive takes over.
//
// The whole stream is always decompressed, even after a structural finding, so
// that corruption anywhere is found and Report.Size is the decompressed size.
// More than c.MaxDecompressed bytes (default 1 TiB) stop the validation with a
// decompressed_too_large finding at that decompressed offset. A corrupt stream
// (bad header, checksum, truncation, trailing garbage) is a corrupt_compression
// finding whose Offset is about where in the compressed file the decoder failed
// (it reads ahead by up to a block); zstd frames with a window above 512 MiB
// (zstd --long=30 and up) are refused the same way. Other findings carry offsets
// in the decompressed data.
//
// Report.Compression is kind; with c.Hash, Report.SHA256 is the SHA-256 of the
// compressed file (what the Hugging Face Hub's LFS object id covers), not of the
// decompressed data.
func validateCompressed(ctx context.Context, path string, kind string, c Config) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	limit := c.MaxDecompressed
	if limit <= 0 {
		limit = defaultMaxDecompressed
	}
	raw := &rawReader{r: f}
	if c.Hash {
		raw.h = sha256.New()
	}
	br := bufio.NewReaderSize(raw, compressedBuf)
	d := &decompReader{raw: raw, br: br, limit: limit, kind: kind}

	switch kind {
	case "gzip":
		g, err := gzip.NewReader(br)
		if err != nil {
			d.fail(err)
			return d.stopped(ctx, path, c, nil)
		}
		d.z, d.closeZ = g, func() { g.Close() }
	case "zstd":
		// The size limit is ours (decompReader); the decoder's own limit on
		// declared frame sizes is lifted so that it cannot refuse a large
		// checkpoint. Its window limit (512 MiB) stays.
		opts := []zstd.DOption{zstd.WithDecoderMaxMemory(1 << 63)}
		if c.Workers == 1 {
			opts = append(opts, zstd.WithDecoderConcurrency(1))
		}
		z, err := zstd.NewReader(br, opts...)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		d.z, d.closeZ = z, z.Close
	default:
		return nil, fmt.Errorf("checkpoint: unknown compression %q", kind)
	}
	defer d.close()
	dr := bufio.NewReaderSize(d, 64<<10)

	head, err := dr.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		if d.err == nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		return d.stopped(ctx, path, c, nil)
	}
	if isTar(head) {
		d.close()
		f.Close()
		return validateNeMoArchive(ctx, path, c)
	}

	ic := c
	ic.Hash = false
	rep, err := ValidateStream(ctx, dr, -1, ic)
	if err != nil {
		if d.err != nil && errors.Is(err, d.err) {
			return d.stopped(ctx, path, c, nil)
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	// Read what the validator left (after a structural finding), so that the
	// stream's integrity and size are known.
	if err := drain(ctx, dr); err != nil {
		if d.err == nil || !errors.Is(err, d.err) {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		return d.stopped(ctx, path, c, rep)
	}
	return d.finish(ctx, path, c, rep)
}

// rawReader reads the compressed file, hashing and counting what it reads and
// keeping the first read error, so that a failing disk is told apart from a
// corrupt stream.
type rawReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func (r *rawReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.n += int64(n)
		if r.h != nil {
			r.h.Write(p[:n])
		}
	}
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

// decompReader is the decompressed stream with the size limit. Its errors are
// sticky; a decompressor failure becomes a *compressError, which the validator
// cannot mistake for the end of the data (io.ErrUnexpectedEOF from a truncated
// gzip stream would otherwise read as a short file).
type decompReader struct {
	z      io.Reader
	closeZ func() // stops the decoder's goroutines (zstd); nil once called
	raw    *rawReader
	br     *bufio.Reader
	kind   string
	limit  int64
	n      int64 // decompressed bytes delivered
	err    error
}

// compressError is a failure of the compressed stream.
type compressError struct {
	tooLarge bool
	offset   int64 // in the compressed file (corrupt) or the decompressed data (too large)
	cause    error // the decoder's error; nil when the limit was crossed
}

func (e *compressError) Error() string {
	if e.cause == nil {
		return "decompressed size limit exceeded"
	}
	return e.cause.Error()
}

func (d *decompReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	// Ask for at most one byte past the limit: that byte proves it is exceeded.
	if room := d.limit - d.n + 1; room > 0 && int64(len(p)) > room {
		p = p[:room]
	}
	n, err := d.z.Read(p)
	if d.n+int64(n) > d.limit {
		n = int(d.limit - d.n)
		d.n = d.limit + 1
		d.err = &compressError{tooLarge: true, offset: d.limit}
		return n, d.err
	}
	d.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		d.fail(err)
		return n, d.err
	}
	return n, err
}

// close stops the decoder; it must not read the compressed file any more.
func (d *decompReader) close() {
	if d.closeZ != nil {
		d.closeZ()
		d.closeZ = nil
	}
}

// fail records a decoder error: a read error of the file stays one (validation
// cannot finish); anything else is a corrupt stream. The decoder is stopped
// first, so that no goroutine of it reads the file while its position is taken.
func (d *decompReader) fail(err error) {
	d.close()
	if d.raw.err != nil {
		d.err = d.raw.err
		return
	}
	d.err = &compressError{offset: d.raw.n - int64(d.br.Buffered()), cause: err}
}

// drain reads r to its end.
func drain(ctx context.Context, r io.Reader) error {
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := r.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// stopped builds the report of a stream that could not be decompressed to its
// end. rep is the validator's report when it finished first, else nil.
func (d *decompReader) stopped(ctx context.Context, path string, c Config, rep *Report) (*Report, error) {
	var ce *compressError
	if !errors.As(d.err, &ce) {
		return nil, fmt.Errorf("reading %s: %w", path, d.err)
	}
	if rep == nil {
		rep = &Report{Kind: KindSafetensors}
	}
	if ce.tooLarge {
		rep.add(newFinding(Error, CodeDecompressedTooLarge, "", ce.offset, ErrDecompressedTooLarge,
			"the decompressed %s stream exceeds the limit of %d bytes (Config.MaxDecompressed)", d.kind, d.limit))
	} else {
		hint := ""
		if errors.Is(ce.cause, zstd.ErrWindowSizeExceeded) {
			hint = " (a corrupt block, or a frame window above the decoder's 512 MiB)"
		}
		rep.add(causeFinding(Error, CodeCorruptCompression, "", ce.offset, ErrCorruptCompression, ce.cause,
			"corrupt %s stream near compressed byte %d: %v%s", d.kind, ce.offset, ce.cause, hint))
	}
	return d.finish(ctx, path, c, rep)
}

// finish sets the fields every compressed report has and, with c.Hash, reads the
// rest of the compressed file so that SHA256 covers all of it.
func (d *decompReader) finish(ctx context.Context, path string, c Config, rep *Report) (*Report, error) {
	rep.Path = path
	rep.Compression = d.kind
	rep.Size = d.n
	if c.Hash {
		d.close() // a zstd decoder may still be reading ahead from d.br
		if err := drain(ctx, d.br); err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		rep.SHA256 = hex.EncodeToString(d.raw.h.Sum(nil))
	}
	return rep, nil
}
