package checkpoint

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sophia-ai/sophia-eval/checkpoint/internal/pickle"
	"github.com/zeebo/xxh3"
)

// torch.save files since torch 1.6 are zip archives: <root>/data.pkl (the object,
// pickled with protocol 2, tensors as persistent-id references to storages),
// <root>/data/<key> (each storage's raw little-endian bytes, STORED and 64-byte
// aligned), <root>/version, and in newer versions <root>/byteorder and
// <root>/.data/serialization_id.

// torchPickleLimit is the largest data.pkl read into memory.
const torchPickleLimit = 256 << 20

// maxWalkDepth bounds the nesting of the pickled object the tensor index follows.
const maxWalkDepth = 512

// maxFindingsPerCode bounds the findings of one code in one report; the rest are
// summed up in one more finding.
const maxFindingsPerCode = 100

// torchLegacyMagic follows PROTO in a pre-1.6 torch.save file: LONG1 of the 10
// bytes of the magic number 0x1950a86a20f9469cfc6c.
var torchLegacyMagic = []byte{0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// validateTorchZip validates a torch.save zip file (.ckpt, .pt, .bin) without
// executing its pickle:
//   - the archive: one root directory, <root>/data.pkl and a version record, no
//     duplicate members, members inside the file, CRC-32s, STORED and 64-byte
//     aligned storages (warnings otherwise), byteorder "little";
//   - the pickle, read by a symbolic reader (internal/pickle) that never imports or
//     calls anything: every global it references is checked against an allow-list
//     (unsafe_pickle: an error for what could run code under
//     torch.load(weights_only=False), a warning for unknown classes);
//   - the tensor index: every _rebuild_tensor_v2/_v3 call (inside
//     _rebuild_parameter or _rebuild_from_type_v2 too), named by its path of dict
//     keys and list indices ("state_dict.model.layers.0.weight"); each storage's
//     data/<key> member must exist and hold numel elements, and each tensor's
//     (offset + extent over its strides) * element size must fit in it;
//   - the values: each storage member is streamed once in fixed chunks and every
//     tensor's bytes are scanned for NaN/Inf (and statistics when Config.Stats).
//     A non-contiguous view is counted over the storage span it covers, which the
//     finding says. Storages are spread over Config.Workers; the report does not
//     depend on the worker count.
//
// Tensor.File is the storage member, Begin and End the byte range of the tensor in
// it. Findings name the zip member in File and give offsets inside that member. A
// pre-1.6 (non-zip) torch.save file is reported as legacy and not read.
func validateTorchZip(ctx context.Context, path string, c Config) (*Report, error) {
	return validateFileWith(ctx, path, c, func(ctx context.Context, ra io.ReaderAt, size int64, c Config) (*Report, error) {
		rep, _, err := validateTorchAt(ctx, ra, size, c)
		return rep, err
	})
}

// torchDType is an element type of torch storages and tensors.
type torchDType struct {
	name  string
	dtype DType  // InvalidDType when safetensors has no equivalent (no NaN scan)
	size  uint64 // bytes per element; 0 when unknown
}

// torchStorageTypes are the legacy typed storage classes (torch.<Name>) that
// torch.save still names in its persistent ids.
var torchStorageTypes = map[string]torchDType{
	"FloatStorage":         {"float32", F32, 4},
	"HalfStorage":          {"float16", F16, 2},
	"BFloat16Storage":      {"bfloat16", BF16, 2},
	"DoubleStorage":        {"float64", F64, 8},
	"LongStorage":          {"int64", I64, 8},
	"IntStorage":           {"int32", I32, 4},
	"ShortStorage":         {"int16", I16, 2},
	"CharStorage":          {"int8", I8, 1},
	"ByteStorage":          {"uint8", U8, 1},
	"BoolStorage":          {"bool", BOOL, 1},
	"ComplexFloatStorage":  {"complex64", C64, 8},
	"ComplexDoubleStorage": {"complex128", InvalidDType, 16},
	"QInt8Storage":         {"qint8", I8, 1},
	"QUInt8Storage":        {"quint8", U8, 1},
	"QInt32Storage":        {"qint32", I32, 4},
	"QUInt4x2Storage":      {"quint4x2", U8, 1},
	"QUInt2x4Storage":      {"quint2x4", U8, 1},
	"UntypedStorage":       {"uint8", U8, 1},
}

// torchDTypes are the torch.dtype globals (torch.float16, ...), aliases included.
var torchDTypes = func() map[string]torchDType {
	m := map[string]torchDType{}
	add := func(d DType, size uint64, names ...string) {
		for _, n := range names {
			m[n] = torchDType{names[0], d, size}
		}
	}
	add(F32, 4, "float32", "float")
	add(F16, 2, "float16", "half")
	add(BF16, 2, "bfloat16")
	add(F64, 8, "float64", "double")
	add(I64, 8, "int64", "long")
	add(I32, 4, "int32", "int")
	add(I16, 2, "int16", "short")
	add(I8, 1, "int8")
	add(U8, 1, "uint8")
	add(U16, 2, "uint16")
	add(U32, 4, "uint32")
	add(U64, 8, "uint64")
	add(BOOL, 1, "bool")
	add(C64, 8, "complex64", "cfloat")
	add(InvalidDType, 16, "complex128", "cdouble")
	add(InvalidDType, 4, "complex32", "chalf")
	add(F8E4M3, 1, "float8_e4m3fn")
	add(F8E5M2, 1, "float8_e5m2")
	add(F8E4M3FNUZ, 1, "float8_e4m3fnuz")
	add(F8E5M2FNUZ, 1, "float8_e5m2fnuz")
	add(F8E8M0, 1, "float8_e8m0fnu")
	add(InvalidDType, 1, "float4_e2m1fn_x2")
	add(I8, 1, "qint8")
	add(U8, 1, "quint8")
	add(I32, 4, "qint32")
	add(U8, 1, "quint4x2")
	add(U8, 1, "quint2x4")
	add(InvalidDType, 1, "bits1x8")
	add(InvalidDType, 1, "bits2x4")
	add(InvalidDType, 1, "bits4x2")
	add(InvalidDType, 1, "bits8")
	add(InvalidDType, 2, "bits16")
	return m
}()

// torchStorage is one storage of the archive, as its persistent id describes it.
type torchStorage struct {
	key    string
	member string
	dtype  torchDType // element type of numel; size 0 when it comes from the tensor
	numel  uint64
	file   *zip.File
	views  []*torchView
	bad    bool // missing or unreadable: its tensors are not scanned
}

// torchView is one byte range of a storage scanned as one dtype; tensors with the
// same range and dtype share it.
type torchView struct {
	begin, end uint64
	dtype      DType
	c          counts
	s          statAcc
	digest     uint64
	scanned    bool
}

// torchTensor is one tensor of the index.
type torchTensor struct {
	t       Tensor
	storage *torchStorage
	view    *torchView
	dense   bool
}

type torchZip struct {
	c       Config
	ra      io.ReaderAt
	size    int64
	rep     *Report
	root    string
	files   map[string]*zip.File
	dataOff map[string]int64
	pkl     string
	perCode map[string]int

	storages map[string]*torchStorage
	order    []*torchStorage
	tensors  []*torchTensor
	views    map[torchViewKey]*torchView
	seen     map[any]bool
	deep     bool

	bigEndian   bool
	warnedDType map[string]bool
	ioErr       error // the first error that means "could not finish"

	mu   sync.Mutex
	done int64
}

type torchViewKey struct {
	storage    *torchStorage
	begin, end uint64
	dtype      DType
}

// add appends a finding, at most maxFindingsPerCode per code.
func (z *torchZip) add(f Finding) {
	z.perCode[f.Code]++
	if n := z.perCode[f.Code]; n > maxFindingsPerCode {
		return
	}
	z.rep.add(f)
}

// validateTorchAt validates the size bytes of a torch.save file in ra. It also
// returns the offset of each STORED member's data in ra, so that an enclosing
// archive can turn member offsets into its own.
func validateTorchAt(ctx context.Context, ra io.ReaderAt, size int64, c Config) (*Report, map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	z := &torchZip{
		c: c, ra: ra, size: size,
		rep:      &Report{Kind: KindTorch, Size: size},
		files:    map[string]*zip.File{},
		dataOff:  map[string]int64{},
		perCode:  map[string]int{},
		storages: map[string]*torchStorage{},
		views:    map[torchViewKey]*torchView{},
		seen:     map[any]bool{},

		warnedDType: map[string]bool{},
	}
	if c.Hash {
		var err error
		if z.rep.SHA256, err = sectionSHA256(ra, size); err != nil {
			return nil, nil, err
		}
	}
	err := z.run(ctx)
	if err == nil {
		err = z.ioErr
	}
	capped := make([]string, 0, len(z.perCode))
	for code := range z.perCode {
		capped = append(capped, code)
	}
	sort.Strings(capped)
	for _, code := range capped {
		if n := z.perCode[code]; n > maxFindingsPerCode {
			z.rep.add(Finding{Severity: Warning, Code: code, Offset: -1, Err: &detailError{
				sentinel: errorOfCode(z.rep, code),
				msg:      fmt.Sprintf("%d more %s findings not listed", n-maxFindingsPerCode, code),
			}})
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return z.rep, z.dataOff, nil
}

// errorOfCode returns the sentinel of the first finding with code.
func errorOfCode(rep *Report, code string) error {
	for i := range rep.Findings {
		if rep.Findings[i].Code == code {
			var d *detailError
			if errors.As(rep.Findings[i].Err, &d) {
				return d.sentinel
			}
			return rep.Findings[i].Err
		}
	}
	return ErrTorchFormat
}

func (z *torchZip) run(ctx context.Context) error {
	head := make([]byte, 16)
	n, err := z.ra.ReadAt(head, 0)
	if n < len(head) && err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	head = head[:n]
	if !bytes.HasPrefix(head, zipMagic) {
		if len(head) >= 2+len(torchLegacyMagic) && head[0] == 0x80 && bytes.HasPrefix(head[2:], torchLegacyMagic) {
			z.add(newFinding(Error, CodeTorchLegacy, "", 0, ErrTorchLegacy,
				"legacy torch format not supported: a pre-1.6 torch.save file (pickle magic number 0x1950a86a20f9469cfc6c); re-save it with torch >= 1.6 to get the zip format"))
			return nil
		}
		z.add(newFinding(Error, CodeTorchNotZip, "", 0, ErrTorchFormat, "not a zip archive (torch.save writes a zip since torch 1.6)"))
		return nil
	}
	zr, err := zip.NewReader(z.ra, z.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if isIOError(err) {
			return err
		}
		z.add(newFinding(Error, CodeTorchNotZip, "", -1, ErrTorchFormat, "cannot read the zip directory: %v", err))
		return nil
	}
	if !z.layout(zr) {
		return nil
	}
	res := z.readPickle()
	if res == nil {
		return nil
	}
	z.auditGlobals(res, z.pkl)
	z.collectStorages(res)
	if res.Value != nil {
		z.walk(res.Value, "", 0)
		if z.deep {
			z.add(withFile(newFinding(Warning, CodeTorchPickle, "", -1, ErrTorchPickle,
				"the pickled object nests deeper than %d levels; tensors below that depth are not indexed", maxWalkDepth), z.pkl))
		}
	}
	if err := z.scan(ctx); err != nil {
		return err
	}
	z.finish()
	return nil
}

// layout checks the members: one root directory, no duplicates, data.pkl and
// version present, STORED and aligned data, little-endian byte order.
func (z *torchZip) layout(zr *zip.Reader) bool {
	var compressed, unaligned []string
	for _, f := range zr.File {
		name := f.Name
		if z.root == "" {
			i := strings.IndexByte(name, '/')
			if i <= 0 {
				z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
					"member %q is not inside a root directory; torch.save puts every member under one", name), name))
				return false
			}
			z.root = name[:i]
		}
		if !strings.HasPrefix(name, z.root+"/") {
			z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
				"member %q is outside the archive's root directory %q; torch.load refuses it", name, z.root), name))
			continue
		}
		if _, dup := z.files[name]; dup {
			z.add(withFile(newFinding(Error, CodeDuplicateMember, "", -1, ErrDuplicateMember,
				"member %q appears twice", name), name))
			continue
		}
		z.files[name] = f
		off, err := f.DataOffset()
		if err != nil {
			z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
				"member %q: cannot read its local header: %v", name, err), name))
			continue
		}
		if off < 0 || uint64(off) > uint64(z.size) || f.CompressedSize64 > uint64(z.size-off) {
			z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
				"member %q (%d bytes at offset %d) extends past the end of the %d-byte file", name, f.CompressedSize64, off, z.size), name))
			delete(z.files, name)
			continue
		}
		if f.Method == zip.Store {
			z.dataOff[name] = off
		} else {
			compressed = append(compressed, name)
		}
		if strings.HasPrefix(name, z.root+"/data/") && f.Method == zip.Store && off%64 != 0 {
			unaligned = append(unaligned, name)
		}
	}
	if len(compressed) > 0 {
		z.add(withFile(newFinding(Warning, CodeTorchCompression, "", -1, ErrTorchFormat,
			"%d member(s) are compressed (first %q); torch.save writes them STORED, and torch.load(mmap=True) needs that",
			len(compressed), compressed[0]), compressed[0]))
	}
	if len(unaligned) > 0 {
		z.add(withFile(newFinding(Warning, CodeTorchAlignment, "", -1, ErrTorchFormat,
			"%d storage member(s) are not 64-byte aligned (first %q); torch.save aligns them", len(unaligned), unaligned[0]), unaligned[0]))
	}
	if z.root == "" {
		z.add(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat, "the zip archive is empty"))
		return false
	}
	z.pkl = z.root + "/data.pkl"
	if z.files[z.root+"/version"] == nil && z.files[z.root+"/.data/version"] == nil {
		z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
			"no %s/version record; torch.load fails without it", z.root), z.root+"/version"))
	}
	if f := z.files[z.root+"/byteorder"]; f != nil {
		b, err := readSmall(f, 64)
		switch {
		case err != nil:
			z.memberError(f.Name, err)
		case string(b) != "little":
			z.add(withFile(newFinding(Warning, CodeTorchByteOrder, "", -1, ErrTorchFormat,
				"byteorder is %q, not \"little\": tensor values are not scanned", b), f.Name))
			z.bigEndian = true
		}
	}
	if z.files[z.pkl] == nil {
		z.add(withFile(newFinding(Error, CodeTorchLayout, "", -1, ErrTorchFormat,
			"no %s: not a torch.save archive", z.pkl), z.pkl))
		return false
	}
	return true
}

// memberError turns an error reading a member into a finding, or keeps it as the
// error that stops validation when it means "could not finish".
func (z *torchZip) memberError(name string, err error) {
	if isIOError(err) {
		if z.ioErr == nil {
			z.ioErr = err
		}
		return
	}
	z.add(withFile(newFinding(Error, CodeMemberCorrupt, "", -1, ErrMemberCorrupt,
		"member %q cannot be read: %v", name, err), name))
}

// readSmall reads a member of at most max bytes.
func readSmall(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max))
	return bytes.TrimSpace(b), err
}

// readPickle parses data.pkl. The result may lack a Value (the pickle is
// malformed) but still lists the globals read before the failure.
func (z *torchZip) readPickle() *pickle.Result {
	f := z.files[z.pkl]
	if f.UncompressedSize64 > torchPickleLimit {
		z.add(withFile(newFinding(Error, CodeTorchPickle, "", -1, ErrTorchPickle,
			"data.pkl is %d bytes, more than the %d this validator reads", f.UncompressedSize64, torchPickleLimit), z.pkl))
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		z.memberError(z.pkl, err)
		return nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, torchPickleLimit+1))
	if err != nil {
		z.memberError(z.pkl, err)
		return nil
	}
	z.progress(int64(len(data)))
	res, err := pickle.Parse(data, pickle.Limits{MaxInput: torchPickleLimit})
	if err != nil {
		off := int64(-1)
		var pe *pickle.Error
		if errors.As(err, &pe) {
			off = pe.Offset
		}
		z.add(withFile(newFinding(Error, CodeTorchPickle, "", off, ErrTorchPickle,
			"data.pkl cannot be unpickled: %v", err), z.pkl))
	}
	return res
}

func (z *torchZip) progress(n int64) {
	if z.c.Progress == nil {
		return
	}
	z.mu.Lock()
	z.done += n
	z.c.Progress(z.done, z.size)
	z.mu.Unlock()
}

// auditGlobals reports every global of the pickle outside the allow-list, once
// per global, at its first occurrence.
func (z *torchZip) auditGlobals(res *pickle.Result, member string) {
	for _, f := range auditGlobals(res) {
		z.add(withFile(f, member))
	}
}

func auditGlobals(res *pickle.Result) []Finding {
	type use struct {
		ref pickle.GlobalRef
		n   int
	}
	var order []*use
	uses := map[pickle.Global]*use{}
	for _, r := range res.Globals {
		u := uses[r.Global]
		if u == nil {
			u = &use{ref: r}
			uses[r.Global] = u
			order = append(order, u)
		}
		u.n++
	}
	var out []Finding
	for _, u := range order {
		v, why := classifyGlobal(u.ref.Global)
		if v == globalSafe {
			continue
		}
		sev := Warning
		if v == globalUnsafe {
			sev = Error
		}
		out = append(out, newFinding(sev, CodeUnsafePickle, "", u.ref.Offset, ErrUnsafePickle,
			"the pickle references %s (%s, %d time(s)): %s", u.ref.Global, u.ref.Op, u.n, why))
	}
	return out
}

type globalVerdict uint8

const (
	globalSafe globalVerdict = iota
	globalWarn
	globalUnsafe
)

// dangerousModules are top-level modules whose members run commands, load code or
// reach the interpreter.
var dangerousModules = setOf("os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "shutil",
	"socket", "importlib", "runpy", "pty", "pickle", "_pickle", "cPickle", "marshal", "types", "code",
	"codeop", "ctypes", "webbrowser", "multiprocessing", "asyncio", "commands", "popen2", "pdb", "bdb",
	"timeit", "profile", "cProfile", "trace", "doctest", "pydoc", "pip", "setuptools", "distutils",
	"http", "urllib", "urllib2", "requests", "ftplib", "smtplib", "telnetlib", "shelve", "dill",
	"cloudpickle", "joblib", "io", "_io", "tempfile", "glob", "platform", "zipimport", "signal",
	"threading", "_thread", "gc", "inspect", "sysconfig", "site")

// dangerousBuiltins run code or reach objects by name.
var dangerousBuiltins = setOf("eval", "exec", "execfile", "compile", "open", "getattr", "setattr",
	"delattr", "__import__", "globals", "locals", "vars", "input", "raw_input", "breakpoint", "apply",
	"reload", "file", "help", "exit", "quit", "memoryview", "super", "type", "classmethod", "staticmethod", "property")

var safeBuiltins = setOf("set", "frozenset", "slice", "complex", "bytearray", "range", "list", "dict",
	"tuple", "int", "float", "bool", "str", "bytes", "object", "unicode", "long")

var torchSafeNames = setOf("Size", "device", "Tensor", "strided", "sparse_coo", "sparse_csr",
	"sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn", "contiguous_format", "channels_last",
	"channels_last_3d", "preserve_format")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// isClassName reports whether name looks like a class: one identifier starting
// with an upper-case letter.
func isClassName(name string) bool {
	return name != "" && name[0] >= 'A' && name[0] <= 'Z' && !strings.ContainsAny(name, ". ")
}

// safeGlobal is the allow-list: what torch's weights_only unpickler accepts for
// checkpoints, plus the containers NeMo and Lightning checkpoints carry.
func safeGlobal(mod, name string) bool {
	plain := name != "" && !strings.ContainsAny(name, ". ") && !strings.HasPrefix(name, "__")
	switch mod {
	case "torch._utils":
		return plain && strings.HasPrefix(name, "_rebuild_")
	case "torch", "torch.cuda":
		_, dt := torchDTypes[name]
		return plain && (strings.HasSuffix(name, "Storage") || strings.HasSuffix(name, "Tensor") ||
			(dt && mod == "torch") || torchSafeNames[name])
	case "torch.storage":
		return plain && name != "_load_from_bytes"
	case "torch.nn.parameter":
		return name == "Parameter" || name == "UninitializedParameter" || name == "Buffer"
	case "torch._tensor":
		return name == "Tensor" || name == "_rebuild_from_type_v2"
	case "torch.serialization":
		return name == "_get_layout"
	case "collections":
		return name == "OrderedDict" || name == "defaultdict" || name == "deque" || name == "Counter"
	case "builtins", "__builtin__":
		return safeBuiltins[name]
	case "copyreg", "copy_reg":
		return name == "_reconstructor" || name == "__newobj__" || name == "__newobj_ex__"
	case "_codecs":
		return name == "encode"
	case "pathlib":
		return name == "Path" || name == "PosixPath" || name == "WindowsPath" || name == "PurePath" ||
			name == "PurePosixPath" || name == "PureWindowsPath"
	case "typing":
		return name == "Any" || name == "Union" || name == "Optional" || name == "Dict" || name == "List" ||
			name == "Tuple" || name == "Set"
	case "datetime":
		return name == "datetime" || name == "date" || name == "time" || name == "timedelta" || name == "timezone"
	}
	if mod == "torch.distributed.checkpoint.filesystem" && name == "_StorageInfo" {
		return true
	}
	if mod == "omegaconf" || strings.HasPrefix(mod, "omegaconf.") || strings.HasPrefix(mod, "torch.distributed.checkpoint.") {
		return isClassName(name)
	}
	return false
}

func hasDunder(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if strings.HasPrefix(part, "__") {
			return true
		}
	}
	return false
}

// classifyGlobal decides whether a global the pickle references is safe, suspect
// (warning: torch.load(weights_only=True) refuses it, weights_only=False imports
// it) or unsafe (error: loading could execute code).
func classifyGlobal(g pickle.Global) (globalVerdict, string) {
	mod, name := g.Module, g.Name
	root, _, _ := strings.Cut(mod, ".")
	const load = "torch.load(weights_only=False) would import and call it"
	switch {
	case safeGlobal(mod, name):
		return globalSafe, ""
	case (mod == "_io" || mod == "io") && (name == "BytesIO" || name == "StringIO"):
		// Older TransformerEngine layers keep their _extra_state in a BytesIO.
		return globalWarn, "an in-memory buffer: torch.load(weights_only=True) refuses it"
	case hasDunder(name) || (hasDunder(mod) && mod != "__main__" && mod != "__builtin__"):
		return globalUnsafe, "a dunder name reaches arbitrary objects through attribute lookup; " + load
	case dangerousModules[root]:
		return globalUnsafe, fmt.Sprintf("module %s can run commands or load code; %s", mod, load)
	case mod == "builtins" || mod == "__builtin__":
		if dangerousBuiltins[name] {
			return globalUnsafe, "a builtin that evaluates code or reaches objects by name; " + load
		}
		return globalUnsafe, "a builtin outside the allow-list; " + load
	case mod == "operator" && (name == "methodcaller" || name == "attrgetter"):
		return globalUnsafe, "calls methods by name on loaded objects; " + load
	case root == "numpy" && (name == "scalar" || name == "_reconstruct" || name == "dtype" || name == "ndarray" || name == "_frombuffer" || isClassName(name)):
		return globalWarn, "a numpy object: torch.load(weights_only=True) refuses it unless allow-listed"
	case mod == "argparse" && name == "Namespace":
		return globalWarn, "argparse.Namespace: torch.load(weights_only=True) refuses it"
	case (root == "pytorch_lightning" || root == "lightning" || root == "lightning_fabric") && isClassName(name):
		return globalWarn, "a Lightning class: torch.load(weights_only=False) imports it and restores its state"
	case mod == "torch.storage" && name == "_load_from_bytes":
		return globalWarn, "a nested torch.save blob, loaded with weights_only=False and not inspected here"
	case mod == "functools" && name == "partial":
		return globalWarn, "functools.partial binds arguments to another global"
	case isClassName(name):
		return globalWarn, "a class outside the allow-list: torch.load(weights_only=False) imports it and runs its constructor or __setstate__"
	}
	return globalUnsafe, "a function outside the allow-list; " + load
}

// parseStorage reads a persistent id ('storage', storage_type, key, location,
// numel).
func parseStorage(v any) (st *torchStorage, why string) {
	t, ok := v.(pickle.Tuple)
	if !ok || len(t) != 5 {
		return nil, "not a 5-tuple"
	}
	if s, ok := t[0].(string); !ok || s != "storage" {
		return nil, "its type is not 'storage'"
	}
	key, ok := t[2].(string)
	if !ok {
		if b, isBytes := t[2].([]byte); isBytes {
			key, ok = string(b), true
		}
	}
	if !ok || key == "" || strings.ContainsAny(key, "/\\") {
		return nil, fmt.Sprintf("its key %s is not a plain name", pickle.Repr(t[2], 40))
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, fmt.Sprintf("its element count %s is not a non-negative integer", pickle.Repr(t[4], 40))
	}
	st = &torchStorage{key: key, numel: uint64(numel)}
	g, ok := t[1].(pickle.Global)
	if !ok {
		return nil, fmt.Sprintf("its storage type %s is not a global", pickle.Repr(t[1], 40))
	}
	switch {
	case g.Module == "torch" || g.Module == "torch.cuda" || g.Module == "torch.storage":
		if d, ok := torchStorageTypes[g.Name]; ok {
			st.dtype = d
		} else if d, ok := torchDTypes[g.Name]; ok {
			st.dtype = d
		} else {
			// TypedStorage or an unknown class: the element type comes from the tensor.
			st.dtype = torchDType{name: g.String()}
		}
	default:
		st.dtype = torchDType{name: g.String()}
	}
	return st, ""
}

// collectStorages indexes the storages named by the persistent ids and checks
// that each has its data member, long enough.
func (z *torchZip) collectStorages(res *pickle.Result) {
	for _, p := range res.PersIDs {
		st, why := parseStorage(p.Value)
		if st == nil {
			z.add(withFile(newFinding(Error, CodeTorchPickle, "", p.Offset, ErrTorchPickle,
				"persistent id %s is not a torch storage record (%s); torch.load accepts only ('storage', type, key, location, numel)",
				pickle.Repr(p.Value, 80), why), z.pkl))
			continue
		}
		if z.storages[st.key] != nil {
			continue
		}
		st.member = z.root + "/data/" + st.key
		st.file = z.files[st.member]
		z.storages[st.key] = st
		z.order = append(z.order, st)
		if st.file == nil {
			z.add(withFile(newFinding(Error, CodeTorchStorageMissing, "", -1, ErrTorchStorage,
				"storage %q (persistent id at byte %d of data.pkl) has no member %s", st.key, p.Offset, st.member), st.member))
			st.bad = true
			continue
		}
		if limit := z.maxDecompressed(); st.file.Method != zip.Store && st.file.UncompressedSize64 > uint64(limit) {
			z.add(withFile(newFinding(Error, CodeDecompressedTooLarge, "", -1, ErrDecompressedTooLarge,
				"compressed storage member %s declares %d bytes, more than the limit of %d", st.member, st.file.UncompressedSize64, limit), st.member))
			st.bad = true
			continue
		}
		if st.dtype.size == 0 {
			continue
		}
		hi, need := bits.Mul64(st.numel, st.dtype.size)
		if hi != 0 || need > st.file.UncompressedSize64 {
			z.add(withFile(newFinding(Error, CodeTorchStorageSize, "", -1, ErrTorchStorage,
				"storage %q holds %d %s elements (%d bytes) but its member is %d bytes",
				st.key, st.numel, st.dtype.name, st.numel*st.dtype.size, st.file.UncompressedSize64), st.member))
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func keyName(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return pickle.Repr(k, 40)
}

var (
	globalRebuildParameter          = pickle.Global{Module: "torch._utils", Name: "_rebuild_parameter"}
	globalRebuildParameterWithState = pickle.Global{Module: "torch._utils", Name: "_rebuild_parameter_with_state"}
	globalRebuildFromTypeV2         = pickle.Global{Module: "torch._tensor", Name: "_rebuild_from_type_v2"}
)

func isRebuildTensor(g pickle.Global) bool {
	return g.Module == "torch._utils" && (g.Name == "_rebuild_tensor_v2" || g.Name == "_rebuild_tensor_v3" || g.Name == "_rebuild_tensor")
}

// walk finds the tensors of the pickled object and names them by their path of
// dict keys and list indices ("state_dict.model.layers.0.weight").
func (z *torchZip) walk(v any, path string, depth int) {
	if depth > maxWalkDepth {
		z.deep = true
		return
	}
	switch x := v.(type) {
	case *pickle.Call:
		if g, ok := x.Func.(pickle.Global); ok {
			switch {
			case isRebuildTensor(g):
				z.tensor(path, g, x)
				return
			case g == globalRebuildParameter || g == globalRebuildParameterWithState:
				if len(x.Args) > 0 {
					z.walk(x.Args[0], path, depth+1)
				}
				return
			case g == globalRebuildFromTypeV2:
				// (func, new_type, args, state): the tensor is func(*args).
				if len(x.Args) >= 3 {
					if args, ok := x.Args[2].(pickle.Tuple); ok {
						z.walk(&pickle.Call{Func: x.Args[0], Args: args, Op: x.Op}, path, depth+1)
					}
				}
				return
			}
		}
		if z.seen[x] {
			return
		}
		z.seen[x] = true
		for i, a := range x.Args {
			z.walk(a, joinPath(path, strconv.Itoa(i)), depth+1)
		}
		for _, p := range x.Items {
			z.walk(p.Value, joinPath(path, keyName(p.Key)), depth+1)
		}
		for i, e := range x.Elems {
			z.walk(e, joinPath(path, strconv.Itoa(i)), depth+1)
		}
	case *pickle.Build:
		if z.seen[x] {
			return
		}
		z.seen[x] = true
		z.walk(x.Obj, path, depth+1)
		z.walk(x.State, path, depth+1)
	case *pickle.Dict:
		if z.seen[x] {
			return
		}
		z.seen[x] = true
		for _, p := range x.Items {
			z.walk(p.Value, joinPath(path, keyName(p.Key)), depth+1)
		}
	case *pickle.List:
		if z.seen[x] {
			return
		}
		z.seen[x] = true
		for i, e := range x.Items {
			z.walk(e, joinPath(path, strconv.Itoa(i)), depth+1)
		}
	case *pickle.Set:
		if z.seen[x] {
			return
		}
		z.seen[x] = true
		for i, e := range x.Items {
			z.walk(e, joinPath(path, strconv.Itoa(i)), depth+1)
		}
	case pickle.Tuple:
		if len(x) == 0 {
			return
		}
		// Tuples are values; a memoized tuple shares its backing array.
		if z.seen[&x[0]] {
			return
		}
		z.seen[&x[0]] = true
		for i, e := range x {
			z.walk(e, joinPath(path, strconv.Itoa(i)), depth+1)
		}
	}
}

// intTuple reads a size or stride: a tuple of non-negative integers, or
// torch.Size(tuple).
func intTuple(v any) ([]uint64, bool) {
	if c, ok := v.(*pickle.Call); ok && c.Func == (pickle.Global{Module: "torch", Name: "Size"}) && len(c.Args) == 1 {
		v = c.Args[0]
	}
	var items []any
	switch x := v.(type) {
	case pickle.Tuple:
		items = x
	case *pickle.List:
		items = x.Items
	default:
		return nil, false
	}
	out := make([]uint64, len(items))
	for i, it := range items {
		n, ok := it.(int64)
		if !ok || n < 0 {
			return nil, false
		}
		out[i] = uint64(n)
	}
	return out, true
}

// extentOf returns the element count of a view and the number of storage
// elements it needs from the start of the storage (offset + 1 + the largest
// index); ok is false on overflow.
func extentOf(offset uint64, shape, stride []uint64) (numel, extent uint64, ok bool) {
	numel = 1
	for _, d := range shape {
		hi, lo := bits.Mul64(numel, d)
		if hi != 0 {
			return 0, 0, false
		}
		numel = lo
	}
	if numel == 0 {
		return 0, offset, true
	}
	last := offset
	for i, d := range shape {
		hi, lo := bits.Mul64(d-1, stride[i])
		if hi != 0 {
			return 0, 0, false
		}
		var c uint64
		last, c = bits.Add64(last, lo, 0)
		if c != 0 {
			return 0, 0, false
		}
	}
	if last == ^uint64(0) {
		return 0, 0, false
	}
	return numel, last + 1, true
}

// isDense reports whether a view covers exactly numel consecutive elements (a
// contiguous tensor or a permutation of one, such as a transpose).
func isDense(shape, stride []uint64) bool {
	type dim struct{ size, stride uint64 }
	var ds []dim
	for i, d := range shape {
		if d > 1 {
			ds = append(ds, dim{d, stride[i]})
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].stride < ds[j].stride })
	want := uint64(1)
	for _, d := range ds {
		if d.stride != want {
			return false
		}
		want *= d.size
	}
	return true
}

// tensor indexes one _rebuild_tensor_v2/_v3 call: (storage, storage_offset, size,
// stride, requires_grad, backward_hooks[, dtype (v3)][, metadata]).
func (z *torchZip) tensor(name string, g pickle.Global, call *pickle.Call) {
	if name == "" {
		name = "(root)"
	}
	bad := func(format string, a ...any) {
		z.add(withFile(newFinding(Error, CodeTorchTensor, name, -1, ErrTorchTensor,
			"tensor %q: "+format, append([]any{name}, a...)...), z.pkl))
	}
	args := call.Args
	if len(args) < 4 {
		bad("%s has %d arguments, want at least 4", g.Name, len(args))
		return
	}
	pid, ok := args[0].(pickle.PersID)
	if !ok {
		bad("the storage argument %s is not a persistent id", pickle.Repr(args[0], 60))
		return
	}
	ref, _ := parseStorage(pid.Value)
	if ref == nil {
		return // reported by collectStorages
	}
	st := z.storages[ref.key]
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		bad("storage offset %s is not a non-negative integer", pickle.Repr(args[1], 40))
		return
	}
	shape, ok1 := intTuple(args[2])
	stride, ok2 := intTuple(args[3])
	if !ok1 || !ok2 || len(shape) != len(stride) {
		bad("size %s and stride %s are not two tuples of non-negative integers of one length",
			pickle.Repr(args[2], 60), pickle.Repr(args[3], 60))
		return
	}
	dt := st.dtype
	if g.Name == "_rebuild_tensor_v3" {
		if len(args) < 7 {
			bad("_rebuild_tensor_v3 has %d arguments, want at least 7", len(args))
			return
		}
		dg, _ := args[6].(pickle.Global)
		d, ok := torchDTypes[dg.Name]
		if dg.Module != "torch" || !ok {
			bad("_rebuild_tensor_v3 dtype argument %s is not a torch dtype", pickle.Repr(args[6], 40))
			return
		}
		dt = d
	}
	t := Tensor{Name: name, DType: dt.dtype, Shape: shape, File: st.member}
	tt := &torchTensor{t: t, storage: st}
	z.tensors = append(z.tensors, tt)
	if dt.size == 0 {
		z.dtypeWarning(dt.name, fmt.Sprintf("tensor %q: the element type of storage %q (%s) is unknown; its size and values are not checked", name, st.key, dt.name))
		return
	}
	numel, extent, ok := extentOf(uint64(off), shape, stride)
	hiB, begin := bits.Mul64(uint64(off), dt.size)
	hiE, end := bits.Mul64(extent, dt.size)
	if !ok || hiB != 0 || hiE != 0 {
		bad("offset %d, size %v and stride %v overflow", off, shape, stride)
		return
	}
	tt.t.Begin, tt.t.End = begin, end
	if st.file == nil {
		return
	}
	limit, what := st.file.UncompressedSize64, "its member is"
	if st.dtype.size > 0 {
		if hi, sb := bits.Mul64(st.numel, st.dtype.size); hi == 0 && sb < limit {
			limit, what = sb, "the storage holds"
		}
	}
	if end > limit {
		z.add(withFile(newFinding(Error, CodeTorchStorageSize, name, -1, ErrTorchStorage,
			"tensor %q (%s %v, offset %d, stride %v) needs bytes [%d, %d) of storage %q, but %s %d bytes",
			name, dt.name, shape, off, stride, begin, end, st.key, what, limit), st.member))
		return
	}
	if numel == 0 {
		tt.view = &torchView{begin: begin, end: begin, scanned: true}
		return
	}
	if dt.dtype == InvalidDType {
		z.dtypeWarning(dt.name, fmt.Sprintf("%s tensors (first %q) have no safetensors dtype: their values are not scanned for NaN/Inf", dt.name, name))
		return
	}
	if st.bad || z.bigEndian {
		return
	}
	tt.dense = isDense(shape, stride)
	key := torchViewKey{st, begin, end, dt.dtype}
	v := z.views[key]
	if v == nil {
		v = &torchView{begin: begin, end: end, dtype: dt.dtype, c: counts{firstBad: -1}}
		z.views[key] = v
		st.views = append(st.views, v)
	}
	tt.view = v
}

func (z *torchZip) maxDecompressed() int64 {
	if z.c.MaxDecompressed > 0 {
		return z.c.MaxDecompressed
	}
	return defaultMaxDecompressed
}

// dtypeWarning reports an element type once per archive.
func (z *torchZip) dtypeWarning(name, msg string) {
	if z.warnedDType[name] {
		return
	}
	z.warnedDType[name] = true
	z.add(withFile(newFinding(Warning, CodeTorchDType, "", -1, ErrTorchDType, "%s", msg), z.pkl))
}

// scan reads every storage with tensors once, in fixed chunks, and scans each
// tensor's bytes. Storages are spread over the workers; each storage is read by
// one worker in order, so the counts do not depend on the worker count.
func (z *torchZip) scan(ctx context.Context) error {
	var jobs []*torchStorage
	for _, st := range z.order {
		if !st.bad && len(st.views) > 0 {
			jobs = append(jobs, st)
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	w := z.c.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = min(w, len(jobs))
	bufSize := uint64(0)
	for _, st := range jobs {
		bufSize = max(bufSize, min(st.file.UncompressedSize64, chunkSize))
	}
	bufSize = max(bufSize, 1)
	errs := make([]error, len(jobs))
	if w == 1 {
		buf := make([]byte, bufSize)
		for i, st := range jobs {
			if err := ctx.Err(); err != nil {
				return err
			}
			errs[i] = z.scanStorage(ctx, st, buf)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, bufSize)
				for {
					i := int(next.Add(1) - 1)
					if i >= len(jobs) || ctx.Err() != nil {
						return
					}
					errs[i] = z.scanStorage(ctx, jobs[i], buf)
				}
			}()
		}
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, err := range errs {
		if err != nil {
			if isIOError(err) {
				return err
			}
			z.memberError(jobs[i].member, err)
			for _, v := range jobs[i].views {
				v.scanned = false
			}
		}
	}
	return nil
}

// scanStorage streams one storage member through buf and scans its views.
func (z *torchZip) scanStorage(ctx context.Context, st *torchStorage, buf []byte) error {
	rc, err := st.file.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	total := st.file.UncompressedSize64
	stats, digest := z.c.Stats, z.c.Digest
	for lo := uint64(0); lo < total; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(uint64(len(buf)), total-lo)
		if _, err := io.ReadFull(rc, buf[:n]); err != nil {
			return err
		}
		hi := lo + n
		for _, v := range st.views {
			a, b := max(v.begin, lo), min(v.end, hi)
			if a >= b {
				continue
			}
			seg := buf[a-lo : b-lo]
			scanContent(v.dtype, seg, int64(a), &v.c)
			if stats && hasStats(v.dtype) {
				var s segAcc
				statSegment(v.dtype, seg, &s)
				v.s.mergeSeg(&s)
			}
			if digest {
				var d [16]byte
				binary.LittleEndian.PutUint64(d[:8], v.digest)
				binary.LittleEndian.PutUint64(d[8:], xxh3.Hash(seg))
				v.digest = xxh3.Hash(d[:])
			}
		}
		lo = hi
		z.progress(int64(n))
	}
	// Read to the end, so that the zip reader checks the CRC-32.
	var one [1]byte
	for {
		m, err := rc.Read(one[:])
		if m > 0 {
			return fmt.Errorf("member longer than its declared %d bytes: %w", total, zip.ErrFormat)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	for _, v := range st.views {
		v.scanned = true
	}
	return nil
}

// finish turns the views' counts into tensors and findings.
func (z *torchZip) finish() {
	sev := Error
	if z.c.AllowNonFinite {
		sev = Warning
	}
	for _, tt := range z.tensors {
		t := tt.t
		v := tt.view
		if v != nil && v.scanned {
			t.Scanned = true
			t.NaN, t.PosInf, t.NegInf, t.BadBool = v.c.nan, v.c.posInf, v.c.negInf, v.c.badBool
			if z.c.Stats && hasStats(v.dtype) && v.end > v.begin {
				t.Stats = v.s.stats()
			}
			if z.c.Digest {
				t.Digest = v.digest
			}
		}
		z.rep.Tensors = append(z.rep.Tensors, t)
		if !t.Scanned {
			continue
		}
		span := ""
		if !tt.dense {
			span = " (counted over the storage span of a non-contiguous view)"
		}
		switch {
		case t.NaN > 0:
			z.add(withFile(newFinding(sev, CodeNaN, t.Name, v.c.firstBad, ErrNaN,
				"tensor %q (%s %v) has %d NaN values%s%s", t.Name, t.DType, t.Shape, t.NaN, infSuffix(&t), span), t.File))
		case t.PosInf+t.NegInf > 0:
			z.add(withFile(newFinding(sev, CodeInf, t.Name, v.c.firstBad, ErrInf,
				"tensor %q (%s %v) has %d +Inf and %d -Inf values%s", t.Name, t.DType, t.Shape, t.PosInf, t.NegInf, span), t.File))
		}
		if t.BadBool > 0 {
			z.add(withFile(newFinding(Warning, CodeBoolValue, t.Name, v.c.firstBad, ErrBoolValue,
				"BOOL tensor %q has %d bytes other than 0 and 1", t.Name, t.BadBool), t.File))
		}
	}
}
