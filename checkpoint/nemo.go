package checkpoint

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"go.yaml.in/yaml/v3"
)

// A NeMo 1.x .nemo file is a tar archive (tar.gz before NeMo 1.7) written by
// SaveRestoreConnector with tar.add(dir, arcname="."): ./model_config.yaml, the
// weights (./model_weights.ckpt, ./mp_rank_XX/model_weights.ckpt,
// ./tp_rank_XX_pp_rank_XXX/model_weights.ckpt, or a distributed checkpoint
// directory ./model_weights/) and artifacts such as tokenizer files.

const (
	// maxConfigSize is the largest model_config.yaml or metadata.json read.
	maxConfigSize = 16 << 20
	// maxSpool is the largest member of a tar.gz archive copied to a temporary
	// file so that a torch.save zip inside it can be read at random.
	maxSpool = 4 << 30
)

var (
	mpRankRe   = regexp.MustCompile(`^mp_rank_\d+$`)
	tpPPRankRe = regexp.MustCompile(`^tp_rank_\d+_pp_rank_\d+$`)
)

// validateNeMoArchive validates a NeMo 1.x .nemo archive, tar or tar.gz:
//   - every member: findings for absolute paths, ".." components, symbolic and
//     hard links, device nodes and FIFOs (NeMo's extraction skips them), and
//     duplicate names; a member running past the end of the archive;
//   - model_config.yaml must be present and parse; its tensor_model_parallel_size,
//     pipeline_model_parallel_size and PEFT settings (peft.peft_scheme,
//     peft.lora_tuning.adapter_dim, alpha, target_modules) are checked and
//     returned in Report.Metadata under those dotted names;
//   - the weights must be model_weights.ckpt, mp_rank_XX/model_weights.ckpt or
//     tp_rank_XX_pp_rank_XXX/model_weights.ckpt for every rank the parallel sizes
//     imply, or a distributed checkpoint directory model_weights/ (its
//     metadata.json, .metadata and *.distcp files);
//   - every *.safetensors member is validated as a safetensors file, every
//     model_weights.ckpt (and model_weights/common.pt) as a torch.save zip.
//
// In an uncompressed tar, members are read in place (a section of the file at the
// member's data offset). In a tar.gz, safetensors members are validated from the
// decompressed stream, and a torch.save member of at most 4 GiB is copied to a
// temporary file (removed afterwards) because a zip must be read at random; a
// larger one is listed, with a not_inspected warning, but not inspected.
//
// Member reports are in Report.Files (Path is the member name); their findings
// and tensors are copied to the top report with File set to the member name and
// offsets made relative to the member.
func validateNeMoArchive(ctx context.Context, path string, c Config) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a := &nemoArchive{
		c: c, file: f, size: fi.Size(),
		rep:   &Report{Path: path, Kind: KindNeMo, Size: fi.Size()},
		seen:  map[string]bool{},
		files: map[string]int64{},
		dirs:  map[string]bool{},
	}
	if err := a.run(ctx); err != nil {
		return a.rep, fmt.Errorf("reading %s: %w", path, err)
	}
	return a.rep, nil
}

type nemoArchive struct {
	c    Config
	file *os.File
	size int64
	rep  *Report

	gz      bool
	sec     *io.SectionReader // the tar stream of an uncompressed archive
	stream  *countingReader   // the decompressed stream of a tar.gz
	seen    map[string]bool
	files   map[string]int64 // regular members by clean name: size
	dirs    map[string]bool  // directories, explicit or implied
	config  []byte
	hasConf bool
	conf    nemoConfig
	dist    distCkpt // what model_weights/ holds, when it is a directory
}

// countingReader counts the bytes read and stops at a limit.
type countingReader struct {
	r        io.Reader
	n, max   int64
	exceeded bool
}

var errDecompressedLimit = errors.New("decompressed size limit reached")

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n >= r.max {
		var one [1]byte
		if n, err := r.r.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		r.exceeded = true
		return 0, errDecompressedLimit
	}
	if int64(len(p)) > r.max-r.n {
		p = p[:r.max-r.n]
	}
	n, err := r.r.Read(p)
	r.n += int64(n)
	return n, err
}

func (a *nemoArchive) run(ctx context.Context) error {
	if a.c.Hash {
		var err error
		if a.rep.SHA256, err = sectionSHA256(a.file, a.size); err != nil {
			return err
		}
	}
	var head [2]byte
	n, err := a.file.ReadAt(head[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var tr *tar.Reader
	if n == 2 && bytes.Equal(head[:], gzipMagic) {
		a.gz = true
		a.rep.Compression = "gzip"
		zr, err := gzip.NewReader(bufio.NewReaderSize(io.NewSectionReader(a.file, 0, a.size), 1<<20))
		if err != nil {
			if isIOError(err) {
				return err
			}
			a.rep.add(newFinding(Error, CodeCorruptCompression, "", 0, ErrCorruptCompression, "gzip: %v", err))
			return nil
		}
		defer zr.Close()
		max := a.c.MaxDecompressed
		if max <= 0 {
			max = defaultMaxDecompressed
		}
		a.stream = &countingReader{r: zr, max: max}
		tr = tar.NewReader(a.stream)
	} else {
		a.sec = io.NewSectionReader(a.file, 0, a.size)
		tr = tar.NewReader(a.sec)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if a.gz {
				// Read the gzip stream to its end, so that its CRC-32 is checked.
				if _, err := io.Copy(io.Discard, a.stream); err != nil && a.streamError(err) {
					return err
				}
			}
			break
		}
		if err != nil {
			if a.streamError(err) {
				return err
			}
			break
		}
		stop, err := a.member(ctx, hdr, tr)
		if err != nil {
			return err
		}
		if stop {
			break
		}
	}
	if a.gz {
		a.rep.Size = a.stream.n
	}
	a.checkConfig()
	a.checkWeights()
	return nil
}

// streamError turns an error reading the archive into a finding; it reports
// whether the error rather means "could not finish".
func (a *nemoArchive) streamError(err error) bool {
	if isIOError(err) {
		return true
	}
	var off int64 = -1
	if a.sec != nil {
		off, _ = a.sec.Seek(0, io.SeekCurrent)
	}
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, errDecompressedLimit):
		a.rep.add(newFinding(Error, CodeDecompressedTooLarge, "", -1, ErrDecompressedTooLarge,
			"the archive decompresses to more than %d bytes", a.stream.max))
	case a.gz && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &corrupt)):
		a.rep.add(newFinding(Error, CodeCorruptCompression, "", -1, ErrCorruptCompression, "gzip: %v", err))
	default:
		a.rep.add(newFinding(Error, CodeArchiveCorrupt, "", off, ErrArchive, "tar: %v", err))
	}
	return false
}

// memberName checks a member name the way NeMo's _safe_extract does and returns
// its clean form ("./a/b" is "a/b", "./" is "."), or why it is unsafe.
func memberName(name string) (clean, code, why string) {
	switch {
	case name == "":
		return "", CodeDotDotPath, "an empty name"
	case strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) ||
		(len(name) >= 2 && name[1] == ':' && (name[0]|0x20) >= 'a' && (name[0]|0x20) <= 'z'):
		return "", CodeAbsolutePath, "an absolute path"
	case strings.IndexByte(name, 0) >= 0:
		return "", CodeDotDotPath, "a NUL byte in the name"
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return "", CodeDotDotPath, "a '..' component"
		}
	}
	return path.Clean(name), "", ""
}

// member lists and inspects one member; stop is true when the archive cannot be
// read further.
func (a *nemoArchive) member(ctx context.Context, hdr *tar.Header, tr *tar.Reader) (stop bool, err error) {
	var dataOff int64 = -1
	if a.sec != nil {
		dataOff, _ = a.sec.Seek(0, io.SeekCurrent)
	}
	name := hdr.Name
	clean, code, why := memberName(name)
	if code != "" {
		sentinel := ErrUnsafeMember
		a.rep.add(withFile(newFinding(Error, code, "", -1, sentinel,
			"member %q has %s; NeMo's extraction skips it, a plain tar extraction may write outside its directory", name, why), name))
	}
	switch hdr.Typeflag {
	case tar.TypeSymlink, tar.TypeLink:
		kind := "symbolic"
		if hdr.Typeflag == tar.TypeLink {
			kind = "hard"
		}
		a.rep.add(withFile(newFinding(Error, CodeLinkMember, "", -1, ErrUnsafeMember,
			"member %q is a %s link to %q; NeMo's extraction skips links", name, kind, hdr.Linkname), name))
		return false, nil
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		a.rep.add(withFile(newFinding(Error, CodeDeviceMember, "", -1, ErrUnsafeMember,
			"member %q is a device node or FIFO (type %q)", name, hdr.Typeflag), name))
		return false, nil
	case tar.TypeXGlobalHeader:
		return false, nil
	}
	if code != "" {
		return false, nil
	}
	isDir := hdr.Typeflag == tar.TypeDir
	isFile := hdr.Typeflag == tar.TypeReg || hdr.Typeflag == '\x00'
	if !isDir && !isFile {
		a.rep.add(withFile(newFinding(Warning, CodeNotInspected, "", -1, ErrNotInspected,
			"member %q has tar type %q, which is neither a file nor a directory", name, hdr.Typeflag), name))
		return false, nil
	}
	if clean == "." {
		return false, nil
	}
	if a.seen[clean] {
		a.rep.add(withFile(newFinding(Error, CodeDuplicateMember, "", -1, ErrDuplicateMember,
			"member %q appears twice; extraction keeps the last copy", clean), clean))
	}
	a.seen[clean] = true
	for d := path.Dir(clean); d != "."; d = path.Dir(d) {
		a.dirs[d] = true
	}
	if isDir {
		a.dirs[clean] = true
		return false, nil
	}
	a.files[clean] = hdr.Size
	if a.sec != nil && (dataOff < 0 || hdr.Size > a.size-dataOff) {
		a.rep.add(withFile(newFinding(Error, CodeArchiveCorrupt, "", -1, ErrArchive,
			"member %q (%d bytes at offset %d) runs past the end of the %d-byte archive", clean, hdr.Size, dataOff, a.size), clean))
		return true, nil
	}
	base := path.Base(clean)
	switch {
	case clean == "model_config.yaml":
		a.config, a.hasConf, err = a.readSmall(hdr, tr, dataOff, maxConfigSize)
	case clean == "model_weights/metadata.json":
		a.dist.metadataJSON, a.dist.hasJSON, err = a.readSmall(hdr, tr, dataOff, maxConfigSize)
	case clean == "model_weights/.metadata":
		a.dist.metaPickle, a.dist.hasPickle, err = a.readSmall(hdr, tr, dataOff, maxDistMetadata)
	case strings.HasSuffix(base, ".safetensors"):
		err = a.inspect(ctx, clean, hdr.Size, tr, dataOff, false)
	case base == "model_weights.ckpt" || clean == "model_weights/common.pt":
		err = a.inspect(ctx, clean, hdr.Size, tr, dataOff, true)
	}
	if err != nil {
		if a.streamError(err) {
			return true, err
		}
		return true, nil
	}
	return false, nil
}

// memberReader returns the member's bytes: a section of the file, or the tar
// stream itself.
func (a *nemoArchive) memberReader(size int64, tr *tar.Reader, dataOff int64) io.Reader {
	if a.sec != nil {
		return io.NewSectionReader(a.file, dataOff, size)
	}
	return tr
}

// readSmall reads a configuration member; ok is false (with a finding) when it
// is larger than limit.
func (a *nemoArchive) readSmall(hdr *tar.Header, tr *tar.Reader, dataOff, limit int64) ([]byte, bool, error) {
	if hdr.Size > limit {
		a.rep.add(withFile(newFinding(Warning, CodeNotInspected, "", -1, ErrNotInspected,
			"member %q is %d bytes, more than the %d read", hdr.Name, hdr.Size, limit), hdr.Name))
		return nil, false, nil
	}
	b, err := io.ReadAll(io.LimitReader(a.memberReader(hdr.Size, tr, dataOff), hdr.Size))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) < hdr.Size {
		return nil, false, io.ErrUnexpectedEOF
	}
	return b, true, nil
}

// inspect validates a safetensors or torch.save member and merges its report.
func (a *nemoArchive) inspect(ctx context.Context, name string, size int64, tr *tar.Reader, dataOff int64, torch bool) error {
	c := a.c
	if p := a.c.Progress; p != nil {
		base, total := dataOff, a.size
		if a.gz {
			base, total = a.stream.n, -1
		}
		c.Progress = func(done, _ int64) { p(base+done, total) }
	}
	var (
		rep     *Report
		offsets map[string]int64
		err     error
	)
	switch {
	case !torch && a.sec != nil:
		rep, err = ValidateAt(ctx, io.NewSectionReader(a.file, dataOff, size), size, c)
	case !torch:
		rep, err = ValidateStream(ctx, tr, size, c)
	case a.sec != nil:
		rep, offsets, err = validateTorchAt(ctx, io.NewSectionReader(a.file, dataOff, size), size, c)
	case size > maxSpool:
		a.rep.add(withFile(newFinding(Warning, CodeNotInspected, "", -1, ErrNotInspected,
			"member %q (%d bytes) of a tar.gz archive is listed but not inspected: a torch.save zip needs random access, and members above %d bytes are not copied to a temporary file",
			name, size, int64(maxSpool)), name))
		return nil
	default:
		rep, offsets, err = a.spoolTorch(ctx, size, tr, c)
	}
	if err != nil {
		return err
	}
	mergeMember(a.rep, name, rep, offsets)
	return nil
}

// spoolTorch copies a member of a tar.gz to a temporary file and validates it.
func (a *nemoArchive) spoolTorch(ctx context.Context, size int64, tr *tar.Reader, c Config) (*Report, map[string]int64, error) {
	tmp, err := os.CreateTemp("", "sophia-eval-member-*.ckpt")
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	n, err := io.Copy(tmp, io.LimitReader(tr, size))
	if err != nil {
		return nil, nil, err
	}
	if n < size {
		return nil, nil, io.ErrUnexpectedEOF
	}
	return validateTorchAt(ctx, tmp, size, c)
}

// mergeMember adds a member's report to top: in Files, and its findings and
// tensors with File set to the member and offsets made relative to it (offsets
// gives where each inner member's data starts in the member, for a torch.save
// zip; an offset that cannot be placed becomes -1).
func mergeMember(top *Report, name string, rep *Report, offsets map[string]int64) {
	rep.Path = name
	top.Files = append(top.Files, rep)
	// A directory of files (hf_weights/ with its shards, say) keeps the names of
	// its files, under the member's; other reports name the member.
	multi := rep.Kind == KindDirectory || rep.Kind == KindSharded || rep.Kind == KindPEFT
	for _, f := range rep.Findings {
		switch base, ok := offsets[f.File]; {
		case f.File == "":
			f.File = name
		case multi:
			f.File = path.Join(name, f.File)
		case ok && f.Offset >= 0:
			f.Offset += base
			f.File = name
		default:
			f.Offset = -1
			f.File = name
		}
		top.add(f)
	}
	for _, t := range rep.Tensors {
		if multi && t.File != "" {
			t.File = path.Join(name, t.File)
		} else {
			t.File = name
		}
		top.Tensors = append(top.Tensors, t)
	}
}

// nemoConfig is what the validator reads from model_config.yaml.
type nemoConfig struct {
	tp, pp   int
	parallel bool // tp and pp are known
}

// checkConfig parses model_config.yaml and checks the keys the weights layout
// and the LoRA adapter depend on.
func (a *nemoArchive) checkConfig() {
	if !a.hasConf {
		if !a.seen["model_config.yaml"] {
			a.rep.add(newFinding(Error, CodeNeMoConfigMissing, "", -1, ErrNeMoConfig,
				"no model_config.yaml: NeMo cannot restore the model"))
		}
		return
	}
	var root any
	if err := yaml.Unmarshal(a.config, &root); err != nil {
		a.rep.add(withFile(newFinding(Error, CodeNeMoConfigInvalid, "", -1, ErrNeMoConfig,
			"model_config.yaml does not parse: %v", err), "model_config.yaml"))
		return
	}
	cfg, ok := root.(map[string]any)
	if !ok {
		a.rep.add(withFile(newFinding(Error, CodeNeMoConfigInvalid, "", -1, ErrNeMoConfig,
			"model_config.yaml is not a mapping"), "model_config.yaml"))
		return
	}
	meta := map[string]string{}
	a.rep.Metadata = meta
	bad := func(sev Severity, code string, sentinel error, format string, args ...any) {
		a.rep.add(withFile(newFinding(sev, code, "", -1, sentinel, format, args...), "model_config.yaml"))
	}
	conf := nemoConfig{tp: 1, pp: 1, parallel: true}
	for _, k := range []string{"tensor_model_parallel_size", "pipeline_model_parallel_size"} {
		v, present := cfg[k]
		if !present || v == nil {
			continue
		}
		meta[k] = fmt.Sprint(v)
		n, ok := v.(int)
		switch {
		case !ok:
			conf.parallel = false
			bad(Warning, CodeNeMoConfigInvalid, ErrNeMoConfig,
				"%s is %q, not an integer (an unresolved interpolation?): the weights layout is not checked against it", k, fmt.Sprint(v))
		case n < 1:
			conf.parallel = false
			bad(Error, CodeNeMoConfigInvalid, ErrNeMoConfig, "%s is %d; it must be at least 1", k, n)
		case k == "tensor_model_parallel_size":
			conf.tp = n
		default:
			conf.pp = n
		}
	}
	a.conf = conf
	peft, _ := cfg["peft"].(map[string]any)
	if peft == nil {
		return
	}
	scheme, _ := peft["peft_scheme"].(string)
	if scheme == "" {
		return
	}
	meta["peft.peft_scheme"] = scheme
	var schemes []string
	for _, s := range strings.Split(scheme, ",") {
		schemes = append(schemes, strings.TrimSpace(strings.ToLower(s)))
	}
	if !slices.Contains(schemes, "lora") {
		return
	}
	lora, _ := peft["lora_tuning"].(map[string]any)
	if lora == nil {
		bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig, "peft.peft_scheme is %q but there is no peft.lora_tuning section", scheme)
		return
	}
	dim, present := lora["adapter_dim"]
	if present {
		meta["peft.lora_tuning.adapter_dim"] = fmt.Sprint(dim)
	}
	if d, ok := dim.(int); !ok || d < 1 {
		bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig,
			"peft.lora_tuning.adapter_dim (the LoRA rank) is %s; it must be a positive integer", yamlRepr(dim, present))
	}
	if alpha, present := lora["alpha"]; present {
		meta["peft.lora_tuning.alpha"] = fmt.Sprint(alpha)
		switch x := alpha.(type) {
		case int:
			if x <= 0 {
				bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig, "peft.lora_tuning.alpha is %d; it must be positive", x)
			}
		case float64:
			if !(x > 0) {
				bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig, "peft.lora_tuning.alpha is %v; it must be positive", x)
			}
		default:
			bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig, "peft.lora_tuning.alpha is %s, not a number", yamlRepr(alpha, true))
		}
	}
	if tm, present := lora["target_modules"]; present {
		list, ok := tm.([]any)
		var names []string
		for _, x := range list {
			s, isStr := x.(string)
			if !isStr {
				ok = false
				break
			}
			names = append(names, s)
		}
		if !ok {
			bad(Error, CodeNeMoPEFTConfig, ErrNeMoConfig, "peft.lora_tuning.target_modules is %s, not a list of module names", yamlRepr(tm, true))
			return
		}
		meta["peft.lora_tuning.target_modules"] = strings.Join(names, ",")
		for _, n := range names {
			if !nemoLoRATargets[n] {
				bad(Warning, CodeNeMoPEFTConfig, ErrNeMoConfig,
					"peft.lora_tuning.target_modules names %q, which is not one of NeMo 1.x's LoRA targets (%s)", n, nemoLoRATargetList)
			}
		}
	}
}

// nemoLoRATargets are the target_modules NeMo 1.x's LoRA config accepts.
var nemoLoRATargets = setOf("attention_qkv", "attention_dense", "mlp_fc1", "mlp_fc2", "attention", "mlp", "all")

const nemoLoRATargetList = "attention_qkv, attention_dense, mlp_fc1, mlp_fc2, attention, mlp, all"

func yamlRepr(v any, present bool) string {
	if !present {
		return "missing"
	}
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// checkWeights checks that the weights match the parallel sizes.
func (a *nemoArchive) checkWeights() {
	weightsBad := func(format string, args ...any) {
		a.rep.add(newFinding(Error, CodeNeMoWeights, "", -1, ErrNeMoWeights, format, args...))
	}
	if a.dirs["model_weights"] {
		a.dist.files = map[string]int64{}
		a.dist.dirs = map[string]bool{}
		for name, size := range a.files {
			if rel, ok := strings.CutPrefix(name, "model_weights/"); ok && !strings.Contains(rel, "/") {
				a.dist.files[rel] = size
			}
		}
		for d := range a.dirs {
			if rel, ok := strings.CutPrefix(d, "model_weights/"); ok && !strings.Contains(rel, "/") {
				a.dist.dirs[rel] = true
			}
		}
		for _, f := range a.dist.check() {
			a.rep.add(withFile(f, "model_weights/"+f.File))
		}
		return
	}
	var rankDirs []string
	for d := range a.dirs {
		if !strings.Contains(d, "/") && (mpRankRe.MatchString(d) || tpPPRankRe.MatchString(d)) {
			rankDirs = append(rankDirs, d)
		}
	}
	sort.Strings(rankDirs)
	root := a.seen["model_weights.ckpt"]
	if !a.conf.parallel {
		if !root && len(rankDirs) == 0 {
			weightsBad("no model weights: none of model_weights.ckpt, model_weights/, mp_rank_XX/ or tp_rank_XX_pp_rank_XXX/")
		}
		return
	}
	tp, pp := a.conf.tp, a.conf.pp
	sizes := fmt.Sprintf("tensor_model_parallel_size %d and pipeline_model_parallel_size %d", tp, pp)
	var want []string
	switch {
	case tp == 1 && pp == 1:
		want = []string{"model_weights.ckpt"}
	case pp == 1:
		for i := range tp {
			want = append(want, fmt.Sprintf("mp_rank_%02d/model_weights.ckpt", i))
		}
	default:
		for i := range tp {
			for j := range pp {
				want = append(want, fmt.Sprintf("tp_rank_%02d_pp_rank_%03d/model_weights.ckpt", i, j))
			}
		}
	}
	var missing []string
	for _, w := range want {
		if !a.seen[w] {
			missing = append(missing, w)
		}
	}
	var extra []string
	for _, d := range rankDirs {
		if !slices.Contains(want, d+"/model_weights.ckpt") {
			extra = append(extra, d+"/")
		}
	}
	if root && !slices.Contains(want, "model_weights.ckpt") {
		extra = append(extra, "model_weights.ckpt")
	}
	if len(missing) > 0 {
		weightsBad("%s need %s; missing: %s", sizes, listCut(want), listCut(missing))
	}
	if len(extra) > 0 {
		weightsBad("%s do not match %s in the archive", sizes, listCut(extra))
	}
}

// listCut joins names, the first 8 of them.
func listCut(names []string) string {
	if len(names) <= 8 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
}

// ExtractNeMo extracts the .nemo archive (tar or tar.gz) into dir, creating dir
// if needed, the way NeMo's _safe_extract does: members with absolute paths or
// ".." components, symbolic and hard links, device nodes, FIFOs and other special
// members are skipped, and nothing is written outside dir (the files are created
// through an os.Root, which also refuses to follow a symbolic link already in dir
// out of it). The safe members are extracted even when some are skipped; the
// error then lists the skipped ones and wraps ErrUnsafeMember, so a caller that
// treats them as NeMo does (a logged skip) tests errors.Is(err, ErrUnsafeMember).
// Extraction of a tar.gz is not size-limited beyond the disk.
func ExtractNeMo(ctx context.Context, archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	var head [2]byte
	n, err := f.Read(head[:])
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading %s: %w", archive, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading %s: %w", archive, err)
	}
	var r io.Reader = f
	if n == 2 && bytes.Equal(head[:], gzipMagic) {
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			return fmt.Errorf("reading %s: %w", archive, err)
		}
		defer zr.Close()
		r = zr
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	var skipped []string
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", archive, err)
		}
		clean, code, why := memberName(hdr.Name)
		if code != "" {
			skipped = append(skipped, fmt.Sprintf("%q (%s)", hdr.Name, why))
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if clean != "." {
				if err := root.MkdirAll(clean, 0o755); err != nil {
					return fmt.Errorf("extracting %s: %w", archive, err)
				}
			}
		case tar.TypeReg, '\x00':
			if clean == "." {
				skipped = append(skipped, fmt.Sprintf("%q (a file named like the root)", hdr.Name))
				continue
			}
			if err := extractFile(ctx, root, clean, hdr, tr, buf); err != nil {
				return fmt.Errorf("extracting %s: %w", archive, err)
			}
		case tar.TypeXGlobalHeader:
		case tar.TypeSymlink, tar.TypeLink:
			skipped = append(skipped, fmt.Sprintf("%q (a link to %q)", hdr.Name, hdr.Linkname))
		default:
			skipped = append(skipped, fmt.Sprintf("%q (tar type %q)", hdr.Name, hdr.Typeflag))
		}
	}
	if len(skipped) > 0 {
		return fmt.Errorf("extracting %s: skipped %d unsafe member(s): %s: %w", archive, len(skipped), listCut(skipped), ErrUnsafeMember)
	}
	return nil
}

func extractFile(ctx context.Context, root *os.Root, name string, hdr *tar.Header, r io.Reader, buf []byte) error {
	if d := path.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	perm := fs.FileMode(hdr.Mode).Perm()&0o755 | 0o600
	out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			out.Close()
			return err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				out.Close()
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			out.Close()
			return rerr
		}
	}
	return out.Close()
}
