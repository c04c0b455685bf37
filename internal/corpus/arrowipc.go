package corpus

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrow-go trusts the flatbuffer metadata of an IPC input: it allocates as many
// fields, children or key-value pairs as a vector's length claims, and as
// large a message body as the metadata claims, before finding out that the
// bytes are not there. One flipped byte can make it ask for tens of gigabytes
// and kill the process. So the metadata is checked here first: every vector
// that arrow-go sizes an allocation by must fit in its buffer, nesting is
// bounded, variadic buffer counts are bounded by the buffers present, and a
// stream's message body is read before it is allocated in full.

// Flatbuffer field ids, from Arrow's Message.fbs, Schema.fbs and File.fbs.
const (
	msgHeaderType     = 1 // Message.header_type
	msgHeader         = 2 // Message.header
	msgBodyLength     = 3 // Message.bodyLength
	msgCustomMetadata = 4 // Message.custom_metadata

	headerSchema          = 1 // MessageHeader.Schema
	headerDictionaryBatch = 2 // MessageHeader.DictionaryBatch
	headerRecordBatch     = 3 // MessageHeader.RecordBatch

	schemaFields         = 1 // Schema.fields
	schemaCustomMetadata = 2 // Schema.custom_metadata
	schemaFeatures       = 3 // Schema.features

	fieldName           = 0 // Field.name
	fieldChildren       = 5 // Field.children
	fieldCustomMetadata = 6 // Field.custom_metadata

	dictBatchData = 1 // DictionaryBatch.data

	batchNodes    = 1 // RecordBatch.nodes
	batchBuffers  = 2 // RecordBatch.buffers
	batchVariadic = 4 // RecordBatch.variadicBufferCounts

	footerSchema        = 1 // Footer.schema
	footerDictionaries  = 2 // Footer.dictionaries
	footerRecordBatches = 3 // Footer.recordBatches
	footerCustomMeta    = 4 // Footer.custom_metadata

	maxFieldDepth = 64 // arrow-go's own limit on nesting
)

var errBadMetadata = details(ErrFormat, "malformed Arrow IPC metadata: offsets or lengths out of bounds")

// fbTable is a flatbuffer table whose vtable has been bounds-checked.
type fbTable struct {
	b   []byte
	pos int // the table
	vt  int // its vtable
	n   int // number of fields in the vtable
}

func u32(b []byte, p int) (int, bool) {
	if p < 0 || p+4 > len(b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(b[p:])), true
}

// fbRoot returns the root table of b.
func fbRoot(b []byte) (fbTable, bool) {
	off, ok := u32(b, 0)
	if !ok {
		return fbTable{}, false
	}
	return fbAt(b, off)
}

// fbAt returns the table at pos.
func fbAt(b []byte, pos int) (fbTable, bool) {
	soff, ok := u32(b, pos)
	if !ok {
		return fbTable{}, false
	}
	vt := pos - int(int32(uint32(soff)))
	if vt < 0 || vt+4 > len(b) {
		return fbTable{}, false
	}
	vlen := int(binary.LittleEndian.Uint16(b[vt:]))
	if vlen < 4 || vlen%2 != 0 || vt+vlen > len(b) {
		return fbTable{}, false
	}
	return fbTable{b: b, pos: pos, vt: vt, n: (vlen - 4) / 2}, true
}

// field returns the position of field id, or -1 when it is absent.
func (t fbTable) field(id int) int {
	if id >= t.n {
		return -1
	}
	off := int(binary.LittleEndian.Uint16(t.b[t.vt+4+2*id:]))
	if off == 0 {
		return -1
	}
	return t.pos + off
}

// ref follows the offset stored in field id: -1 when absent, false when out
// of bounds.
func (t fbTable) ref(id int) (int, bool) {
	p := t.field(id)
	if p < 0 {
		return -1, true
	}
	off, ok := u32(t.b, p)
	if !ok || off == 0 {
		return 0, false
	}
	return p + off, true
}

// table returns the table in field id; present is false when it is absent.
func (t fbTable) table(id int) (sub fbTable, present, ok bool) {
	p, ok := t.ref(id)
	if !ok || p < 0 {
		return fbTable{}, false, ok
	}
	sub, ok = fbAt(t.b, p)
	return sub, true, ok
}

// vector returns the element positions of the vector in field id, each of
// size elem bytes; n is 0 when the field is absent.
func (t fbTable) vector(id, elem int) (start, n int, ok bool) {
	p, ok := t.ref(id)
	if !ok || p < 0 {
		return 0, 0, ok
	}
	n, ok = u32(t.b, p)
	if !ok || n > (len(t.b)-p-4)/elem {
		return 0, 0, false
	}
	return p + 4, n, true
}

// tables calls f on each table of the vector of tables in field id.
func (t fbTable) tables(id int, f func(fbTable) bool) bool {
	start, n, ok := t.vector(id, 4)
	if !ok {
		return false
	}
	for i := range n {
		p := start + 4*i
		off, _ := u32(t.b, p)
		sub, ok := fbAt(t.b, p+off)
		if off == 0 || !ok || !f(sub) {
			return false
		}
	}
	return true
}

func (t fbTable) u8(id int) byte {
	if p := t.field(id); p >= 0 && p < len(t.b) {
		return t.b[p]
	}
	return 0
}

func (t fbTable) i64(id int) (int64, bool) {
	p := t.field(id)
	if p < 0 {
		return 0, true
	}
	if p+8 > len(t.b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(t.b[p:])), true
}

func keyValuesOK(t fbTable, id int) bool {
	return t.tables(id, func(kv fbTable) bool {
		_, _, ok0 := kv.vector(0, 1)
		_, _, ok1 := kv.vector(1, 1)
		return ok0 && ok1
	})
}

func fieldOK(f fbTable, depth int) bool {
	if depth > maxFieldDepth {
		return false
	}
	if _, _, ok := f.vector(fieldName, 1); !ok || !keyValuesOK(f, fieldCustomMetadata) {
		return false
	}
	return f.tables(fieldChildren, func(c fbTable) bool { return fieldOK(c, depth+1) })
}

func schemaOK(s fbTable) bool {
	if _, _, ok := s.vector(schemaFeatures, 8); !ok || !keyValuesOK(s, schemaCustomMetadata) {
		return false
	}
	return s.tables(schemaFields, func(f fbTable) bool { return fieldOK(f, 1) })
}

func recordBatchOK(rb fbTable) bool {
	_, _, ok1 := rb.vector(batchNodes, 16)
	_, nbuf, ok2 := rb.vector(batchBuffers, 16)
	start, n, ok3 := rb.vector(batchVariadic, 8)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	for i := range n {
		v := int64(binary.LittleEndian.Uint64(rb.b[start+8*i:]))
		if v < 0 || v > int64(nbuf) {
			return false
		}
	}
	return true
}

// checkMessage checks the flatbuffer of an IPC message and returns its body
// length.
func checkMessage(meta []byte) (int64, error) {
	m, ok := fbRoot(meta)
	if !ok || !keyValuesOK(m, msgCustomMetadata) {
		return 0, errBadMetadata
	}
	body, ok := m.i64(msgBodyLength)
	if !ok || body < 0 {
		return 0, errBadMetadata
	}
	h, present, ok := m.table(msgHeader)
	if !ok {
		return 0, errBadMetadata
	}
	if !present {
		return body, nil
	}
	switch m.u8(msgHeaderType) {
	case headerSchema:
		ok = schemaOK(h)
	case headerRecordBatch:
		ok = recordBatchOK(h)
	case headerDictionaryBatch:
		var rb fbTable
		if rb, present, ok = h.table(dictBatchData); ok && present {
			ok = recordBatchOK(rb)
		}
	}
	if !ok {
		return 0, errBadMetadata
	}
	return body, nil
}

// messageReader reads the messages of an IPC stream for ipc.Reader, checking
// each one's metadata, and reading its body as it arrives rather than
// allocating what the metadata claims up front.
type messageReader struct {
	r    io.Reader
	msg  *ipc.Message
	refs atomic.Int64
	hdr  [4]byte
}

func newMessageReader(r io.Reader) *messageReader {
	m := &messageReader{r: r}
	m.refs.Add(1)
	return m
}

func (m *messageReader) Retain() { m.refs.Add(1) }

func (m *messageReader) Release() {
	if m.refs.Add(-1) == 0 && m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
}

// Message returns the next message, or io.EOF at the end of the stream (the
// end-of-stream marker, or the end of the input between two messages).
func (m *messageReader) Message() (*ipc.Message, error) {
	if m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
	n, err := io.ReadFull(m.r, m.hdr[:])
	if n == 0 && err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("arrow/ipc: reading a message: %w", noEOF(err))
	}
	size := binary.LittleEndian.Uint32(m.hdr[:])
	if size == 0xFFFFFFFF { // continuation marker, then the length
		if _, err := io.ReadFull(m.r, m.hdr[:]); err != nil {
			return nil, fmt.Errorf("arrow/ipc: reading a message length: %w", noEOF(err))
		}
		size = binary.LittleEndian.Uint32(m.hdr[:])
	}
	if size == 0 {
		return nil, io.EOF // end-of-stream marker
	}
	if int32(size) < 4 {
		return nil, details(ErrFormat, "malformed Arrow IPC stream: message metadata length %d", int32(size))
	}
	meta, err := readN(m.r, int64(size))
	if err != nil {
		return nil, fmt.Errorf("arrow/ipc: reading message metadata: %w", err)
	}
	bodyLen, err := checkMessage(meta)
	if err != nil {
		return nil, err
	}
	body, err := readN(m.r, bodyLen)
	if err != nil {
		return nil, fmt.Errorf("arrow/ipc: reading a message body: %w", err)
	}
	m.msg = ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(body))
	return m.msg, nil
}

// readN reads exactly n bytes, growing the buffer as the data arrives so that
// a false length costs no more memory than the data really there (times two).
func readN(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, min(n, 64<<20))
	got := 0
	for {
		k, err := io.ReadFull(r, buf[got:])
		got += k
		if err != nil {
			return nil, noEOF(err)
		}
		if int64(got) == n {
			return buf, nil
		}
		nb := make([]byte, min(n, 2*int64(len(buf))))
		copy(nb, buf)
		buf = nb
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// checkArrowFile checks the footer of an IPC file and the metadata of every
// block it lists, before ipc.NewFileReader trusts them.
func checkArrowFile(r io.ReaderAt, size int64) error {
	const tail = 4 + 6 // footer length, "ARROW1"
	if size < 8+tail {
		return nil // ipc.NewFileReader reports it
	}
	var t [tail]byte
	if _, err := r.ReadAt(t[:], size-tail); err != nil {
		return readError(err)
	}
	flen := int64(binary.LittleEndian.Uint32(t[:4]))
	if string(t[4:]) != "ARROW1" || flen <= 0 || flen > size-tail-8 {
		return nil // ipc.NewFileReader reports it
	}
	footer := make([]byte, flen)
	if _, err := r.ReadAt(footer, size-tail-flen); err != nil {
		return readError(err)
	}
	f, ok := fbRoot(footer)
	if !ok || !keyValuesOK(f, footerCustomMeta) {
		return errBadMetadata
	}
	if s, present, ok := f.table(footerSchema); !ok || present && !schemaOK(s) {
		return errBadMetadata
	}
	for _, id := range []int{footerDictionaries, footerRecordBatches} {
		start, n, ok := f.vector(id, 24) // struct Block { offset: long; metaDataLength: int; bodyLength: long }
		if !ok {
			return errBadMetadata
		}
		for i := range n {
			blk := footer[start+24*i:]
			off := int64(binary.LittleEndian.Uint64(blk))
			metaLen := int64(int32(binary.LittleEndian.Uint32(blk[8:])))
			if off < 0 || metaLen < 8 || off > size-metaLen {
				return errBadMetadata
			}
			meta := make([]byte, metaLen)
			if _, err := r.ReadAt(meta, off); err != nil {
				return readError(err)
			}
			fb := meta[4:]
			if binary.LittleEndian.Uint32(meta) == 0xFFFFFFFF {
				fb = meta[8:]
			}
			if _, err := checkMessage(fb); err != nil {
				return err
			}
		}
	}
	return nil
}

var _ ipc.MessageReader = (*messageReader)(nil)
