package checkpoint

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/bits"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"
)

// chunkSize is the unit of reading, scanning and merging. It is fixed, so reports
// (statistics included) are identical for any number of workers and either path.
const chunkSize = 512 << 10

// tailPad extra bytes are read after each chunk, so the last element that starts in
// a chunk can be completed (elements are at most 8 bytes).
const tailPad = 7

// maxBuffers bounds the chunk buffers in flight: memory stays under
// maxBuffers*(chunkSize+tailPad) whatever the file size and worker count.
const maxBuffers = 16

// knownFormats are the __metadata__ "format" values transformers loads.
var knownFormats = []string{"pt", "tf", "flax", "mlx", "np", "paddle"}

// Validate reads one safetensors file from r and reports every problem it finds.
// When r is also an io.ReaderAt whose size is known (an *os.File, *bytes.Reader,
// *io.SectionReader), it is read with ValidateAt; otherwise with one sequential
// pass (ValidateStream with an unknown size). The error is non-nil only when
// validation could not finish (read failure, ctx cancelled); problems in the file
// are Findings.
func Validate(ctx context.Context, r io.Reader, c Config) (*Report, error) {
	if ra, ok := r.(io.ReaderAt); ok {
		switch v := r.(type) {
		case *os.File:
			if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
				if off, err := v.Seek(0, io.SeekCurrent); err == nil && off == 0 {
					return ValidateAt(ctx, ra, fi.Size(), c)
				}
			}
		case interface {
			Size() int64
			io.Seeker
		}:
			if off, err := v.Seek(0, io.SeekCurrent); err == nil && off == 0 {
				return ValidateAt(ctx, ra, v.Size(), c)
			}
		}
	}
	return ValidateStream(ctx, r, -1, c)
}

// ValidateFile validates the safetensors file at path with ValidateAt.
func ValidateFile(ctx context.Context, path string, c Config) (*Report, error) {
	return validateFileWith(ctx, path, c, ValidateAt)
}

// validateFileWith opens the file at path and validates it with at, setting
// Report.Path and naming path in a read error.
func validateFileWith(ctx context.Context, path string, c Config,
	at func(context.Context, io.ReaderAt, int64, Config) (*Report, error)) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	rep, err := at(ctx, f, fi.Size(), c)
	if rep != nil {
		rep.Path = path
	}
	if err != nil {
		return rep, fmt.Errorf("reading %s: %w", path, err)
	}
	return rep, nil
}

// ValidateStream validates a safetensors file read once, front to back, from r.
// size is the file's length, or -1 when unknown (a pipe, a decompressor): then the
// length checks that the reference makes against the whole buffer are made when
// the end of the stream is reached, with the same verdict. Memory is bounded by a
// constant (the header, at most 100 MB, plus a few chunk buffers).
func ValidateStream(ctx context.Context, r io.Reader, size int64, c Config) (*Report, error) {
	v := newValidator(c, size)
	v.stream = r
	return v.run(ctx)
}

// ValidateAt validates the size bytes of a safetensors file in r. With more than one
// worker, chunks of the data section are read and scanned in parallel; the report
// is identical to ValidateStream's.
func ValidateAt(ctx context.Context, r io.ReaderAt, size int64, c Config) (*Report, error) {
	if size < 0 {
		return nil, errors.New("checkpoint: ValidateAt needs the file size")
	}
	v := newValidator(c, size)
	v.at = r
	return v.run(ctx)
}

type validator struct {
	c      Config
	size   int64 // -1 unknown
	stream io.Reader
	at     io.ReaderAt
	rep    *Report
	hash   hash.Hash

	pre     []byte // bytes before the data phase (length prefix and header)
	dataOff int64  // file offset where the data phase starts
	scan    bool   // the structure is valid: scan tensor contents
	lastEnd uint64 // end of the data section by the header
	tensors []Tensor
	acc     []tensorAcc
	done    int64 // bytes read so far (progress)

	carry  [tailPad]byte
	ncarry int
	eof    bool
	readN  int64 // data bytes consumed by the stream path (chunk bytes, tails excluded)
}

type tensorAcc struct {
	c      counts
	s      statAcc
	digest uint64
}

func newValidator(c Config, size int64) *validator {
	v := &validator{c: c, size: size, rep: &Report{Kind: KindSafetensors, Size: size}}
	if c.Hash {
		v.hash = sha256.New()
	}
	return v
}

func (v *validator) workers() int {
	w := v.c.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return w
}

// readPre reads exactly len(b) bytes from the front part of the file.
func (v *validator) readPre(b []byte, off int) (int, error) {
	if v.at != nil {
		n, err := v.at.ReadAt(b, int64(off))
		if n == len(b) {
			err = nil
		}
		return n, err
	}
	return io.ReadFull(v.stream, b)
}

func (v *validator) run(ctx context.Context) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := v.structure(); err != nil {
		return nil, err
	}
	if v.scan || v.hash != nil {
		if err := v.data(ctx); err != nil {
			return nil, err
		}
	}
	v.finish()
	return v.rep, nil
}

// structure reads the length prefix and the header and checks everything that
// does not need the tensor data, in the reference reader's order.
func (v *validator) structure() error {
	rep := v.rep
	var lenBuf [8]byte
	n, err := v.readPre(lenBuf[:], 0)
	v.pre = append(v.pre, lenBuf[:n]...)
	v.dataOff = int64(n)
	if n < 8 || (v.size >= 0 && v.size < 8) {
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		rep.add(newFinding(Error, CodeHeaderTooSmall, "", 0, ErrHeaderTooSmall,
			"file is %d bytes, shorter than the 8-byte header length", n))
		return nil
	}
	hl := headerLen(lenBuf[:])
	if hl > MaxHeaderLen {
		rep.add(newFinding(Error, CodeHeaderTooLarge, "", 0, ErrHeaderTooLarge,
			"header length %d exceeds the limit of %d bytes", hl, MaxHeaderLen))
		return nil
	}
	rep.HeaderLen = int64(hl)
	if v.size >= 0 && 8+int64(hl) > v.size {
		rep.add(newFinding(Error, CodeInvalidHeaderLength, "", 0, ErrInvalidHeaderLength,
			"header length %d runs past the end of the %d-byte file", hl, v.size))
		return nil
	}
	// Read the header in growing steps, so that a short stream claiming a 100 MB
	// header does not make us allocate 100 MB.
	for int64(len(v.pre)) < 8+int64(hl) {
		want := min(8+int64(hl)-int64(len(v.pre)), max(int64(len(v.pre)), 64<<10))
		start := len(v.pre)
		v.pre = slices.Grow(v.pre, int(want))[:start+int(want)]
		n, err := v.readPre(v.pre[start:], start)
		v.pre = v.pre[:start+n]
		if n < int(want) {
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return err
			}
			if v.size >= 0 {
				return fmt.Errorf("file shorter than its size %d: %w", v.size, io.ErrUnexpectedEOF)
			}
			rep.add(newFinding(Error, CodeInvalidHeaderLength, "", 0, ErrInvalidHeaderLength,
				"header length %d runs past the end of the %d-byte file", hl, len(v.pre)))
			v.dataOff = int64(len(v.pre))
			v.eof = true
			return nil
		}
	}
	v.dataOff = int64(len(v.pre))
	h, f := ParseHeader(v.pre[8:])
	if f != nil {
		rep.add(*f)
		return nil
	}
	if h.LeadingSpace {
		rep.add(newFinding(Warning, CodeLeadingWhitespace, "", 8, ErrLeadingWhitespace,
			"header starts with whitespace; the format says it must begin with '{' (the reference loaders accept it)"))
	}
	rep.Metadata = h.Metadata
	if h.MetadataNull {
		rep.add(newFinding(Warning, CodeMetadataNull, "", 8, ErrMetadataNull,
			"\"__metadata__\" is null (accepted by the safetensors reader; transformers before 4.48.2 fails on it)"))
	}
	format, ok := h.Metadata["format"]
	switch {
	case !ok:
		rep.add(newFinding(Warning, CodeFormatMissing, "", 8, ErrFormatMetadata,
			"__metadata__ has no \"format\" entry; transformers refuses to load such files (save_pretrained writes \"pt\")"))
	case !slices.Contains(knownFormats, format):
		rep.add(newFinding(Warning, CodeFormatUnknown, "", 8, ErrFormatMetadata,
			"__metadata__ format %q is not one of %s", format, strings.Join(knownFormats, ", ")))
	}
	// Duplicate names: the reference keeps the last entry; the format forbids them.
	last := make(map[string]int, len(h.Tensors))
	for i := range h.Tensors {
		t := &h.Tensors[i]
		if j, dup := last[t.Name]; dup {
			rep.add(newFinding(Error, CodeDuplicateTensor, t.Name, t.Pos, ErrDuplicateTensor,
				"tensor %q is listed twice (first at byte %d); the reference keeps the last entry", t.Name, h.Tensors[j].Pos))
		}
		last[t.Name] = i
		if len(t.Unknown) > 0 {
			rep.add(newFinding(Warning, CodeUnknownField, t.Name, t.Pos, ErrUnknownField,
				"tensor %q has unknown field(s) %s, which readers ignore", t.Name, quoteList(t.Unknown)))
		}
	}
	ts := make([]Tensor, 0, len(last))
	for i := range h.Tensors {
		t := &h.Tensors[i]
		if last[t.Name] != i {
			continue
		}
		ts = append(ts, Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape, Begin: t.Begin, End: t.End})
	}
	sort.Slice(ts, func(i, j int) bool {
		a, b := &ts[i], &ts[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Name < b.Name
	})
	rep.Tensors = ts
	pos := make(map[string]int64, len(h.Tensors))
	for i := range h.Tensors {
		pos[h.Tensors[i].Name] = h.Tensors[i].Pos
	}
	var start uint64
	for i := range ts {
		t := &ts[i]
		p := pos[t.Name]
		if t.Begin != start || t.End < t.Begin {
			why := fmt.Sprintf("data_offsets [%d, %d] of tensor %q: ", t.Begin, t.End, t.Name)
			switch {
			case t.End < t.Begin:
				why += "end before start"
			case t.Begin > start:
				why += fmt.Sprintf("gap: the previous tensor ends at %d", start)
			default:
				why += fmt.Sprintf("overlap: the previous tensor ends at %d", start)
			}
			rep.add(newFinding(Error, CodeInvalidOffset, t.Name, p, ErrInvalidOffset, "%s", why))
			return nil
		}
		start = t.End
		n, ok := t.NumElements()
		if !ok {
			rep.add(newFinding(Error, CodeValidationOverflow, t.Name, p, ErrValidationOverflow,
				"shape %v of tensor %q overflows the element count", t.Shape, t.Name))
			return nil
		}
		hi, nbits := bits.Mul64(n, uint64(t.DType.Bits()))
		if hi != 0 {
			rep.add(newFinding(Error, CodeValidationOverflow, t.Name, p, ErrValidationOverflow,
				"shape %v of %s tensor %q overflows the size in bits", t.Shape, t.DType, t.Name))
			return nil
		}
		if nbits%8 != 0 {
			rep.add(newFinding(Error, CodeMisalignedSlice, t.Name, p, ErrMisalignedSlice,
				"%d %s elements of tensor %q are %d bits, not whole bytes", n, t.DType, t.Name, nbits))
			return nil
		}
		if t.End-t.Begin != nbits/8 {
			rep.add(newFinding(Error, CodeTensorInvalidInfo, t.Name, p, ErrTensorInvalidInfo,
				"tensor %q: %s %v is %d bytes, data_offsets [%d, %d] span %d",
				t.Name, t.DType, t.Shape, nbits/8, t.Begin, t.End, t.End-t.Begin))
			return nil
		}
	}
	v.lastEnd = start
	if v.size >= 0 {
		data := uint64(v.size) - 8 - hl
		if start != data {
			rep.add(v.coverageFinding(start, data))
			return nil
		}
	}
	v.scan = true
	v.tensors = ts
	v.acc = make([]tensorAcc, len(ts))
	for i := range v.acc {
		v.acc[i].c.firstBad = -1
	}
	return nil
}

func (v *validator) coverageFinding(want, have uint64) Finding {
	off := v.dataOff + int64(min(want, have))
	if have < want {
		return newFinding(Error, CodeIncompleteBuffer, "", off, ErrIncompleteBuffer,
			"data section is %d bytes, the header's tensors need %d: the file is truncated", have, want)
	}
	return newFinding(Error, CodeIncompleteBuffer, "", off, ErrIncompleteBuffer,
		"data section is %d bytes, the header's tensors cover %d: %d bytes follow the last tensor", have, want, have-want)
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// unit is the byte granule of a dtype: a whole element, or for the sub-byte types
// the smallest run of whole elements (1 byte for F4, 3 bytes for F6).
func unit(d DType) uint64 {
	b := d.Bits()
	switch {
	case b%8 == 0:
		return uint64(b / 8)
	case b == 4:
		return 1
	default:
		return 3
	}
}

// partial is the result of one tensor's elements that start in one chunk.
type partial struct {
	t      int
	c      counts
	s      segAcc
	digest uint64
}

// scanChunk scans the elements that start in chunk idx; data holds the chunk's bytes
// and up to tailPad bytes after it.
func (v *validator) scanChunk(idx int64, data []byte, n int) []partial {
	if !v.scan {
		return nil
	}
	lo := uint64(idx) * chunkSize
	hi := lo + uint64(n)
	ts := v.tensors
	i := sort.Search(len(ts), func(i int) bool { return ts[i].End > lo })
	var parts []partial
	for ; i < len(ts) && ts[i].Begin < hi; i++ {
		t := &ts[i]
		if t.End == t.Begin {
			continue
		}
		u := unit(t.DType)
		segLo := max(lo, t.Begin)
		segHi := min(hi, t.End)
		j0 := (segLo - t.Begin + u - 1) / u
		j1 := (segHi - t.Begin + u - 1) / u
		if j1 <= j0 {
			continue
		}
		a := t.Begin + j0*u - lo
		b := t.Begin + j1*u - lo
		if b > uint64(len(data)) {
			// The stream ended inside the element; the coverage check reports it.
			b = a + (uint64(len(data))-a)/u*u
			if b <= a {
				continue
			}
		}
		p := partial{t: i, c: counts{firstBad: -1}}
		seg := data[a:b]
		scanContent(t.DType, seg, v.dataOff+int64(lo+a), &p.c)
		if v.c.Stats && hasStats(t.DType) {
			statSegment(t.DType, seg, &p.s)
		}
		if v.c.Digest {
			p.digest = xxh3.Hash(seg)
		}
		parts = append(parts, p)
	}
	return parts
}

// collect folds the results of the next chunk (n bytes) in, in chunk order; chunk
// holds its bytes when they are to be hashed.
func (v *validator) collect(chunk []byte, n int, parts []partial) {
	if v.hash != nil {
		v.hash.Write(chunk)
	}
	for k := range parts {
		p := &parts[k]
		a := &v.acc[p.t]
		a.c.merge(&p.c)
		if v.c.Stats {
			a.s.mergeSeg(&p.s)
		}
		if v.c.Digest {
			var b [16]byte
			binary.LittleEndian.PutUint64(b[:8], a.digest)
			binary.LittleEndian.PutUint64(b[8:], p.digest)
			a.digest = xxh3.Hash(b[:])
		}
	}
	v.done += int64(n)
	if v.c.Progress != nil {
		v.c.Progress(v.done, v.size)
	}
}

// dataLen is the length of the data phase, or -1 when unknown.
func (v *validator) dataLen() int64 {
	if v.size < 0 {
		return -1
	}
	return v.size - v.dataOff
}

// fill reads chunk idx (and its tail) into buf and returns the buffer's valid bytes
// and the chunk's own length; n == 0 means the end.
func (v *validator) fill(idx int64, buf []byte) (data []byte, n int, err error) {
	lo := idx * chunkSize
	if dl := v.dataLen(); dl >= 0 {
		if lo >= dl {
			return nil, 0, nil
		}
		want := min(int64(chunkSize+tailPad), dl-lo)
		if v.at != nil {
			m, err := v.at.ReadAt(buf[:want], v.dataOff+lo)
			if int64(m) < want {
				if err == nil || errors.Is(err, io.EOF) {
					err = fmt.Errorf("file shorter than its size %d: %w", v.size, io.ErrUnexpectedEOF)
				}
				return nil, 0, err
			}
			return buf[:want], int(min(want, chunkSize)), nil
		}
		copy(buf, v.carry[:v.ncarry])
		m, err := io.ReadFull(v.stream, buf[v.ncarry:want])
		if int64(v.ncarry+m) < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, 0, fmt.Errorf("stream shorter than its size %d: %w", v.size, err)
		}
		n = int(min(want, chunkSize))
		v.ncarry = copy(v.carry[:], buf[n:want])
		return buf[:want], n, nil
	}
	// Unknown length: read until the end of the stream.
	copy(buf, v.carry[:v.ncarry])
	have := v.ncarry
	if !v.eof {
		m, err := io.ReadFull(v.stream, buf[have:chunkSize+tailPad])
		have += m
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, 0, err
			}
			v.eof = true
		}
	}
	n = min(have, chunkSize)
	v.ncarry = copy(v.carry[:], buf[n:have])
	v.readN += int64(n)
	return buf[:have], n, nil
}

// data runs the data phase: every chunk is read once, scanned, hashed and merged in
// order.
func (v *validator) data(ctx context.Context) error {
	if v.hash != nil {
		v.hash.Write(v.pre)
	}
	v.done = int64(len(v.pre))
	if v.eof {
		return nil
	}
	w := v.workers()
	if w == 1 || (v.dataLen() >= 0 && v.dataLen() <= chunkSize) {
		buf := make([]byte, chunkSize+tailPad)
		for idx := int64(0); ; idx++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			data, n, err := v.fill(idx, buf)
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			v.collect(data[:n], n, v.scanChunk(idx, data, n))
		}
	}
	return v.parallel(ctx, w)
}

type chunkResult struct {
	idx   int64
	buf   []byte
	n     int
	parts []partial
	err   error
}

func (v *validator) parallel(ctx context.Context, w int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// With hashing, a chunk's buffer travels to the collector, which hashes chunks in
	// file order, so the buffers in flight are bounded by the pool. Without hashing,
	// each worker keeps one buffer (which stays in its core's cache) and the pool
	// holds empty tokens that only bound the results in flight.
	private := v.hash == nil
	nbuf := min(w+2, maxBuffers)
	if private {
		nbuf = 4 * maxBuffers
	}
	pool := make(chan []byte, nbuf)
	for range nbuf {
		if private {
			pool <- nil
		} else {
			pool <- make([]byte, chunkSize+tailPad)
		}
	}
	results := make(chan chunkResult, nbuf)
	var wg sync.WaitGroup
	var mu sync.Mutex // guards next and the stream
	var next int64
	stop := false

	work := func() {
		defer wg.Done()
		var own []byte
		if private {
			own = make([]byte, chunkSize+tailPad)
		}
		for {
			var buf []byte
			select {
			case buf = <-pool:
			case <-ctx.Done():
				return
			}
			token := buf
			if private {
				buf = own
			}
			mu.Lock()
			if stop {
				mu.Unlock()
				pool <- token
				return
			}
			idx := next
			next++
			var data []byte
			var n int
			var err error
			if v.at == nil {
				// The stream is read in order under the lock; scanning runs outside.
				data, n, err = v.fill(idx, buf)
				if n == 0 || err != nil {
					stop = true
				}
			}
			mu.Unlock()
			if v.at != nil {
				data, n, err = v.fill(idx, buf)
				if n == 0 || err != nil {
					mu.Lock()
					stop = true
					mu.Unlock()
				}
			}
			var parts []partial
			if err == nil && n > 0 {
				parts = v.scanChunk(idx, data, n)
			}
			select {
			case results <- chunkResult{idx: idx, buf: token, n: n, parts: parts, err: err}:
			case <-ctx.Done():
				return
			}
			if n == 0 || err != nil {
				return
			}
		}
	}
	wg.Add(w)
	for range w {
		go work()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int64]chunkResult{}
	want := int64(0)
	var firstErr error
	for r := range results {
		pending[r.idx] = r
		for {
			r, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			if firstErr == nil {
				switch {
				case r.err != nil:
					firstErr = r.err
					cancel()
				case r.n == 0:
					cancel()
				default:
					if err := ctx.Err(); err != nil {
						firstErr = err
						cancel()
					} else {
						var chunk []byte
						if r.buf != nil {
							chunk = r.buf[:r.n]
						}
						v.collect(chunk, r.n, r.parts)
					}
				}
			}
			want++
			select {
			case pool <- r.buf:
			default:
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return nil
}

// finish turns the merged counts into tensors and findings.
func (v *validator) finish() {
	rep := v.rep
	if v.size < 0 {
		// The stream's length is known only now.
		rep.Size = v.dataOff + v.readN
		if have := uint64(v.readN); v.scan && have != v.lastEnd {
			rep.add(v.coverageFinding(v.lastEnd, have))
			v.scan = false
		}
	}
	if v.hash != nil {
		rep.SHA256 = hex.EncodeToString(v.hash.Sum(nil))
	}
	if !v.scan {
		return
	}
	sev := Error
	if v.c.AllowNonFinite {
		sev = Warning
	}
	for i := range rep.Tensors {
		t := &rep.Tensors[i]
		a := &v.acc[i]
		t.Scanned = true
		t.NaN, t.PosInf, t.NegInf, t.BadBool = a.c.nan, a.c.posInf, a.c.negInf, a.c.badBool
		if v.c.Stats && hasStats(t.DType) {
			t.Stats = a.s.stats()
		}
		if v.c.Digest {
			t.Digest = a.digest
		}
		switch {
		case t.NaN > 0:
			rep.add(newFinding(sev, CodeNaN, t.Name, a.c.firstBad, ErrNaN,
				"tensor %q (%s %v) has %d NaN values%s", t.Name, t.DType, t.Shape, t.NaN, infSuffix(t)))
		case t.PosInf+t.NegInf > 0:
			rep.add(newFinding(sev, CodeInf, t.Name, a.c.firstBad, ErrInf,
				"tensor %q (%s %v) has %d +Inf and %d -Inf values", t.Name, t.DType, t.Shape, t.PosInf, t.NegInf))
		}
		if t.BadBool > 0 {
			rep.add(newFinding(Warning, CodeBoolValue, t.Name, a.c.firstBad, ErrBoolValue,
				"BOOL tensor %q has %d bytes other than 0 and 1", t.Name, t.BadBool))
		}
	}
}

func infSuffix(t *Tensor) string {
	if t.PosInf+t.NegInf == 0 {
		return ""
	}
	return fmt.Sprintf(", %d +Inf and %d -Inf", t.PosInf, t.NegInf)
}
