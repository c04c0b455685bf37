package standin

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math"
	"strconv"
)

// A checkpoint is written the way torch.save (1.6 and later) writes a Lightning
// checkpoint dict: a zip archive, every member STORED and its data 64-byte aligned,
// holding <root>/data.pkl (the dict pickled with protocol 2, tensors as
// _rebuild_tensor_v2 calls whose storages are persistent ids), <root>/data/<key>
// (the raw little-endian bytes of each storage), <root>/byteorder, <root>/version
// and <root>/.data/serialization_id.

// tensor is one float32 tensor of a checkpoint's state_dict.
type tensor struct {
	name  string
	shape []int64
	data  []float32
}

// pickler assembles a protocol-2 pickle opcode by opcode, memoizing strings,
// tuples, globals and reduce results as Python's pickler does.
type pickler struct {
	bytes.Buffer
	memo    uint32
	globals map[string]uint32
}

func newPickler() *pickler {
	p := &pickler{globals: map[string]uint32{}}
	p.op(0x80, 2) // PROTO 2
	return p
}

func (p *pickler) op(b ...byte) { p.Write(b) }

// put memoizes the top of the stack (BINPUT, LONG_BINPUT).
func (p *pickler) put() {
	if p.memo < 256 {
		p.op('q', byte(p.memo))
	} else {
		p.op('r')
		p.Write(binary.LittleEndian.AppendUint32(nil, p.memo))
	}
	p.memo++
}

func (p *pickler) get(i uint32) {
	if i < 256 {
		p.op('h', byte(i))
		return
	}
	p.op('j')
	p.Write(binary.LittleEndian.AppendUint32(nil, i))
}

func (p *pickler) global(mod, name string) {
	if i, ok := p.globals[mod+"."+name]; ok {
		p.get(i)
		return
	}
	p.WriteString("c" + mod + "\n" + name + "\n")
	p.globals[mod+"."+name] = p.memo
	p.put()
}

func (p *pickler) str(s string) {
	p.WriteByte('X') // BINUNICODE
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
	p.put()
}

func (p *pickler) int(n int64) {
	switch {
	case n >= 0 && n < 256:
		p.op('K', byte(n))
	case n >= 0 && n < 65536:
		p.op('M', byte(n), byte(n>>8))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		p.WriteByte('J')
		p.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(n))))
	default:
		p.op(0x8a, 8) // LONG1 of 8 bytes
		p.Write(binary.LittleEndian.AppendUint64(nil, uint64(n)))
	}
}

func (p *pickler) float(f float64) {
	p.WriteByte('G') // BINFLOAT, big-endian
	p.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(f)))
}

// tuple writes a tuple of ints: EMPTY_TUPLE, TUPLE1-3 or MARK ... TUPLE.
func (p *pickler) tuple(xs []int64) {
	if len(xs) == 0 {
		p.op(')')
		return
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
	p.put()
}

// orderedDict writes collections.OrderedDict().
func (p *pickler) orderedDict() {
	p.global("collections", "OrderedDict")
	p.op(')', 'R')
	p.put()
}

// tensor writes torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False,
// OrderedDict()) with storage the persistent id ('storage', torch.FloatStorage,
// key, 'cpu', numel).
func (p *pickler) tensor(t tensor, key string) {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op('(')
	p.op('(')
	p.str("storage")
	p.global("torch", "FloatStorage")
	p.str(key)
	p.str("cpu")
	p.int(int64(len(t.data)))
	p.op('t')
	p.put()
	p.op('Q') // BINPERSID
	p.int(0)
	p.tuple(t.shape)
	stride := make([]int64, len(t.shape))
	n := int64(1)
	for i := len(t.shape) - 1; i >= 0; i-- {
		stride[i] = n
		n *= t.shape[i]
	}
	p.tuple(stride)
	p.op(0x89) // NEWFALSE: requires_grad
	p.orderedDict()
	p.op('t')
	p.put()
	p.op('R')
	p.put()
}

// lightningCheckpoint is the dict a Lightning checkpoint of a NeMo PEFT run holds:
// the loop counters and the adapter weights under state_dict.
type lightningCheckpoint struct {
	epoch      int64
	globalStep int64
	tensors    []tensor
}

// pickle returns data.pkl: {"epoch": e, "global_step": s,
// "pytorch-lightning_version": "2.0.7", "state_dict": OrderedDict(...)}.
func (c *lightningCheckpoint) pickle() []byte {
	p := newPickler()
	p.op('}')
	p.put()
	p.op('(')
	p.str("epoch")
	p.int(c.epoch)
	p.str("global_step")
	p.int(c.globalStep)
	p.str("pytorch-lightning_version")
	p.str("2.0.7")
	p.str("state_dict")
	p.orderedDict()
	p.op('(')
	for i, t := range c.tensors {
		p.str(t.name)
		p.tensor(t, strconv.Itoa(i))
	}
	p.op('u') // SETITEMS into the OrderedDict
	p.op('u') // SETITEMS into the outer dict
	p.op('.')
	return p.Bytes()
}

// writeTorchZip writes c as torch.save does, under the archive root name.
func writeTorchZip(w io.Writer, root string, c *lightningCheckpoint) error {
	cw := &countingWriter{w: w}
	zw := zip.NewWriter(cw)
	store := func(name string, data []byte) error {
		if err := zw.Flush(); err != nil {
			return err
		}
		// PyTorchStreamWriter aligns every member's data to 64 bytes with a padding
		// extra field ("FB") in the local header: 30 fixed bytes, the name, the
		// field's 4-byte header, then the padding.
		off := cw.n + 30 + int64(len(name)) + 4
		pad := int((64 - off%64) % 64)
		extra := binary.LittleEndian.AppendUint16(nil, 0x4246)
		extra = binary.LittleEndian.AppendUint16(extra, uint16(pad))
		extra = append(extra, make([]byte, pad)...)
		fw, err := zw.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Store, Extra: extra,
			CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data)),
		})
		if err != nil {
			return err
		}
		_, err = fw.Write(data)
		return err
	}
	if err := store(root+"/data.pkl", c.pickle()); err != nil {
		return err
	}
	if err := store(root+"/byteorder", []byte("little")); err != nil {
		return err
	}
	for i, t := range c.tensors {
		b := make([]byte, 0, 4*len(t.data))
		for _, v := range t.data {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		if err := store(root+"/data/"+strconv.Itoa(i), b); err != nil {
			return err
		}
	}
	if err := store(root+"/version", []byte("3\n")); err != nil {
		return err
	}
	if err := store(root+"/.data/serialization_id", []byte(strconv.FormatInt(c.globalStep, 10))); err != nil {
		return err
	}
	return zw.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
