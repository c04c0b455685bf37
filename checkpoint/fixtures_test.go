package checkpoint

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sophia-ai/sophia-eval/checkpoint/internal/pickle"
	"github.com/stretchr/testify/require"
)

// Fixtures for the torch.save and NeMo tests, written in the tests: pickles
// assembled opcode by opcode the way torch.save's protocol-2 pickler writes them,
// zip archives in torch's layout (STORED, 64-byte aligned) and tar archives.

// pkl assembles a protocol-2 pickle, memoizing like Python's pickler: every
// string, tuple, global and reduce result gets a BINPUT, and a global seen
// before is a BINGET.
type pkl struct {
	bytes.Buffer
	memo    byte
	globals map[string]byte
}

func newPkl() *pkl {
	p := &pkl{globals: map[string]byte{}}
	p.op(0x80, 2)
	return p
}

func (p *pkl) op(b ...byte) *pkl { p.Write(b); return p }

func (p *pkl) put() *pkl { p.op('q', p.memo); p.memo++; return p }

func (p *pkl) global(mod, name string) *pkl {
	if m, ok := p.globals[mod+"."+name]; ok {
		return p.op('h', m)
	}
	p.WriteString("c" + mod + "\n" + name + "\n")
	p.globals[mod+"."+name] = p.memo
	return p.put()
}

func (p *pkl) str(s string) *pkl {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
	return p.put()
}

func (p *pkl) int(n int64) *pkl {
	switch {
	case n >= 0 && n < 256:
		return p.op('K', byte(n))
	case n >= 0 && n < 65536:
		return p.op('M', byte(n), byte(n>>8))
	}
	p.WriteByte('J')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(n))))
	return p
}

// tuple writes a tuple of ints the way pickle does: TUPLE1-3 or MARK ... TUPLE.
func (p *pkl) tuple(xs []int64) *pkl {
	if len(xs) == 0 {
		return p.op(')')
	}
	if len(xs) > 3 {
		p.op('(')
	}
	for _, x := range xs {
		p.int(x)
	}
	switch len(xs) {
	case 1:
		p.op(0x85)
	case 2:
		p.op(0x86)
	case 3:
		p.op(0x87)
	default:
		p.op('t')
	}
	return p.put()
}

// orderedDict writes collections.OrderedDict() (an empty one, as torch writes
// backward_hooks).
func (p *pkl) orderedDict() *pkl {
	return p.global("collections", "OrderedDict").op(')', 'R').put()
}

// fxTensor is one tensor of a fixture.
type fxTensor struct {
	name    string
	storage string // torch storage class: FloatStorage, BFloat16Storage, UntypedStorage...
	key     string
	numel   int64 // storage element count
	offset  int64
	shape   []int64
	stride  []int64 // nil: contiguous
	dtype   string  // _rebuild_tensor_v3's dtype (torch.<dtype>); "" for v2
	param   bool    // wrap in _rebuild_parameter
}

func contiguous(shape []int64) []int64 {
	s := make([]int64, len(shape))
	n := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = n
		n *= shape[i]
	}
	return s
}

// tensor writes a tensor as torch.save does.
func (p *pkl) tensor(t fxTensor) *pkl {
	if t.param {
		p.global("torch._utils", "_rebuild_parameter")
	}
	if t.dtype != "" {
		p.global("torch._utils", "_rebuild_tensor_v3")
	} else {
		p.global("torch._utils", "_rebuild_tensor_v2")
	}
	p.op('(')
	p.op('(').str("storage").global("torch", t.storage).str(t.key).str("cpu").int(t.numel).op('t').put().op('Q')
	p.int(t.offset)
	p.tuple(t.shape)
	stride := t.stride
	if stride == nil {
		stride = contiguous(t.shape)
	}
	p.tuple(stride)
	p.op(0x89) // NEWFALSE: requires_grad
	p.orderedDict()
	if t.dtype != "" {
		p.global("torch", t.dtype)
	}
	p.op('t').put().op('R').put()
	if t.param {
		p.op(0x88).orderedDict().op(0x87).put().op('R').put()
	}
	return p
}

// stateDict writes an OrderedDict of tensors with its _metadata, as torch.save of
// model.state_dict() does.
func (p *pkl) stateDict(ts []fxTensor) *pkl {
	p.global("collections", "OrderedDict").op(')', 'R').put()
	p.op('(')
	for _, t := range ts {
		p.str(t.name)
		p.tensor(t)
	}
	p.op('u')
	p.op('}').put().str("_metadata").orderedDict().op('s', 'b')
	return p
}

func (p *pkl) stop() []byte { p.op('.'); return bytes.Clone(p.Bytes()) }

// zipMember is one member of a fixture zip.
type zipMember struct {
	name    string
	data    []byte
	deflate bool
}

// torchZipBytes writes members as torch's PyTorchStreamWriter does: STORED, the
// data of each member 64-byte aligned by a padding extra field.
func torchZipBytes(t testing.TB, members []zipMember) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		if m.deflate {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Deflate})
			require.NoError(t, err)
			_, err = w.Write(m.data)
			require.NoError(t, err)
			continue
		}
		require.NoError(t, zw.Flush())
		off := buf.Len() + 30 + len(m.name) + 4
		pad := (64 - off%64) % 64
		extra := binary.LittleEndian.AppendUint16(nil, 0x4246) // "FB", torch's padding field
		extra = binary.LittleEndian.AppendUint16(extra, uint16(pad))
		extra = append(extra, make([]byte, pad)...)
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: m.name, Method: zip.Store, Extra: extra,
			CRC32: crc32.ChecksumIEEE(m.data), CompressedSize64: uint64(len(m.data)), UncompressedSize64: uint64(len(m.data)),
		})
		require.NoError(t, err)
		_, err = w.Write(m.data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// torchMembers returns the members of a torch.save archive named root holding
// data.pkl and the given storages.
func torchMembers(root string, pickle []byte, storages map[string][]byte, keys ...string) []zipMember {
	ms := []zipMember{{name: root + "/data.pkl", data: pickle}, {name: root + "/byteorder", data: []byte("little")}}
	for _, k := range keys {
		ms = append(ms, zipMember{name: root + "/data/" + k, data: storages[k]})
	}
	ms = append(ms, zipMember{name: root + "/version", data: []byte("3\n")},
		zipMember{name: root + "/.data/serialization_id", data: []byte("1234567890")})
	return ms
}

func f32Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func bf16Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(v)>>16))
	}
	return b
}

func i64Bytes(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// stateDictFixture is torch.save(OrderedDict) of an F32 tensor with one NaN, a
// BF16 tensor and an I64 tensor.
func stateDictFixture(t testing.TB) []byte {
	ts := []fxTensor{
		{name: "model.layers.0.weight", storage: "FloatStorage", key: "0", numel: 6, shape: []int64{2, 3}},
		{name: "model.layers.0.bias", storage: "BFloat16Storage", key: "1", numel: 3, shape: []int64{3}},
		{name: "model.step", storage: "LongStorage", key: "2", numel: 1, shape: []int64{}},
	}
	data := map[string][]byte{
		"0": f32Bytes(1, 2, float32(math.NaN()), 4, 5, 6),
		"1": bf16Bytes(0.5, -1, 2),
		"2": i64Bytes(7),
	}
	p := newPkl().stateDict(ts)
	return torchZipBytes(t, torchMembers("archive", p.stop(), data, "0", "1", "2"))
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

// tarMember is one member of a fixture tar.
type tarMember struct {
	name     string
	data     []byte
	typ      byte // 0 means a regular file
	linkname string
}

func tarBytes(t testing.TB, members []tarMember) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: m.name, Typeflag: typ, Linkname: m.linkname, Mode: 0o644, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(m.data))
		}
		if typ == tar.TypeDir {
			h.Mode = 0o755
		}
		require.NoError(t, tw.WriteHeader(h))
		if typ == tar.TypeReg {
			_, err := tw.Write(m.data)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func pickleGlobal(mod, name string) pickle.Global { return pickle.Global{Module: mod, Name: name} }

// zipWriterStore writes members with archive/zip's own writer (STORED, with data
// descriptors, not aligned), in the given order.
func zipWriterStore(w io.Writer, members map[string][]byte, order ...string) error {
	zw := zip.NewWriter(w)
	for _, name := range order {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			return err
		}
		if _, err := fw.Write(members[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// distEntry is one storage_data item of a torch.distributed.checkpoint .metadata.
type distEntry struct {
	fqn, path      string
	offset, length int64
}

// distMetadataPickle writes a .metadata as FileSystemWriter pickles its Metadata
// dataclass: NEWOBJ + BUILD for Metadata, MetadataIndex and _StorageInfo.
func distMetadataPickle(es []distEntry) []byte {
	const md = "torch.distributed.checkpoint.metadata"
	p := newPkl()
	p.global(md, "Metadata").op(')', 0x81).put()
	p.op('}').put().op('(')
	p.str("state_dict_metadata").op('}').put()
	p.str("planner_data").op('N')
	p.str("storage_data").op('}').put().op('(')
	for _, e := range es {
		p.global(md, "MetadataIndex").op(')', 0x81).put()
		p.op('}').put().op('(').str("fqn").str(e.fqn)
		p.str("offset").global("torch", "Size").int(0).int(0).op(0x86).put().op(0x85).put().op('R').put()
		p.str("index").int(0).op('u', 'b')
		p.global("torch.distributed.checkpoint.filesystem", "_StorageInfo").op(')', 0x81).put()
		p.op('}').put().op('(').str("relative_path").str(e.path).str("offset").int(e.offset).str("length").int(e.length).op('u', 'b')
	}
	p.op('u')
	p.op('u', 'b')
	return p.stop()
}
