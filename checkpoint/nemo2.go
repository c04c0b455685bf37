package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sophia-ai/sophia-eval/checkpoint/internal/pickle"
)

// A NeMo 2.0 checkpoint (nemo.lightning) is a directory:
//
//	<ckpt>/context/   io.json, model.yaml, tokenizer artifacts
//	<ckpt>/weights/   a megatron-core distributed checkpoint: metadata.json,
//	                  .metadata, __<rank>_<n>.distcp, common.pt; PEFT runs add
//	                  adapter_metadata.json
//
// or, with the Hugging Face checkpoint IO, hf_adapter/ or hf_weights/ instead of
// weights/. An unfinished save is marked by <ckpt>-unfinished (or, as pathlib's
// with_name(stem + "-unfinished") gives it, <ckpt without its last suffix>-unfinished)
// beside the directory.

// maxDistMetadata is the largest .metadata pickle read.
const maxDistMetadata = 256 << 20

// validateNeMo2 validates a NeMo 2.0 checkpoint directory:
//   - no *-unfinished marker beside it or inside it (or inside weights/);
//   - context/ present, with io.json (a warning without: NeMo 2 rebuilds the
//     model from it);
//   - weights/ present (unless hf_adapter/ or hf_weights/ replace it): its
//     metadata.json parses with a known sharded_backend (torch_dist; zarr is
//     deprecated, a warning); for torch_dist, .metadata and __*_*.distcp present,
//     .metadata read by the symbolic pickle reader (its globals audited, like
//     data.pkl's) and every storage_data entry's byte range inside an existing
//     .distcp file, without overlaps; common.pt validated as a torch.save zip;
//     adapter_metadata.json, when present (PEFT), with a model_ckpt_path;
//   - hf_adapter/ and hf_weights/ validated with ValidatePath (a PEFT adapter,
//     a sharded checkpoint), or file by file when they hold plain safetensors;
//     trainer.pt validated as a torch.save zip.
//
// Report.Metadata holds "model_ckpt_path" from adapter_metadata.json when there
// is one.
//
// Member reports are in Report.Files, their findings and tensors copied to the
// top report with File set to the path relative to dir.
func validateNeMo2(ctx context.Context, dir string, c Config) (*Report, error) {
	rep := &Report{Path: dir, Kind: KindNeMo2}
	bad := func(sev Severity, code string, sentinel error, file, format string, args ...any) {
		rep.add(withFile(newFinding(sev, code, "", -1, sentinel, format, args...), file))
	}
	clean := filepath.Clean(dir)
	base, parent := filepath.Base(clean), filepath.Dir(clean)
	markers := []string{base + "-unfinished"}
	if stem := pyStem(base); stem != base {
		markers = append(markers, stem+"-unfinished")
	}
	for _, m := range markers {
		if _, err := os.Lstat(filepath.Join(parent, m)); err == nil {
			bad(Error, CodeUnfinished, ErrUnfinished, "../"+m,
				"marker %q beside the checkpoint: its save did not finish (NeMo ignores or removes such checkpoints)", m)
		}
	}
	for _, sub := range []string{".", "weights"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "-unfinished") {
				bad(Error, CodeUnfinished, ErrUnfinished, path.Join(sub, e.Name()),
					"marker %q inside the checkpoint: its save did not finish", path.Join(sub, e.Name()))
			}
		}
	}

	if !isDir(filepath.Join(dir, "context")) {
		bad(Error, CodeNeMo2Context, ErrNeMo2Layout, "context", "no context/ directory: NeMo 2 cannot rebuild the model (io.json, model.yaml)")
	} else if !exists(filepath.Join(dir, "context", "io.json")) {
		bad(Warning, CodeNeMo2Context, ErrNeMo2Layout, "context/io.json", "no context/io.json: nemo.lightning's io.load_context cannot rebuild the model")
	}
	hf := []string{}
	for _, sub := range []string{"hf_adapter", "hf_weights"} {
		if isDir(filepath.Join(dir, sub)) {
			hf = append(hf, sub)
		}
	}
	weights := filepath.Join(dir, "weights")
	switch {
	case isDir(weights):
		if err := validateNeMo2Weights(ctx, rep, weights, c); err != nil {
			return rep, err
		}
	case len(hf) == 0:
		bad(Error, CodeNeMo2Weights, ErrNeMo2Layout, "weights", "no weights/ directory (and no hf_adapter/ or hf_weights/)")
	}
	for _, sub := range hf {
		if err := validateHFDir(ctx, rep, dir, sub, c); err != nil {
			return rep, err
		}
	}
	if p := filepath.Join(dir, "trainer.pt"); exists(p) {
		if err := validateTorchMember(ctx, rep, p, "trainer.pt", c); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// pyStem is pathlib's PurePath.stem: the name without its last suffix.
func pyStem(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return name
	}
	return name[:i]
}

// validateTorchMember validates the torch.save file at p and merges its report
// under name.
func validateTorchMember(ctx context.Context, rep *Report, p, name string, c Config) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	r, offsets, err := validateTorchAt(ctx, f, fi.Size(), c)
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	mergeMember(rep, name, r, offsets)
	return nil
}

// readLimited reads a file of at most limit bytes; ok is false when it is absent.
func readLimited(p string, limit int64) (b []byte, ok bool, tooLarge bool, err error) {
	b, tooLarge, err = readFileLimit(p, limit)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, false, nil
	}
	return b, err == nil && !tooLarge, tooLarge, err
}

func validateNeMo2Weights(ctx context.Context, rep *Report, weights string, c Config) error {
	entries, err := os.ReadDir(weights)
	if err != nil {
		return err
	}
	d := distCkpt{files: map[string]int64{}, dirs: map[string]bool{}}
	for _, e := range entries {
		if e.IsDir() {
			d.dirs[e.Name()] = true
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		d.files[e.Name()] = fi.Size()
	}
	var tooLarge bool
	d.metadataJSON, d.hasJSON, tooLarge, err = readLimited(filepath.Join(weights, "metadata.json"), maxConfigSize)
	if err != nil {
		return err
	}
	if tooLarge {
		rep.add(withFile(newFinding(Warning, CodeNotInspected, "", -1, ErrNotInspected,
			"metadata.json is more than %d bytes and is not read", maxConfigSize), "weights/metadata.json"))
	}
	d.metaPickle, d.hasPickle, tooLarge, err = readLimited(filepath.Join(weights, ".metadata"), maxDistMetadata)
	if err != nil {
		return err
	}
	if tooLarge {
		rep.add(withFile(newFinding(Warning, CodeNotInspected, "", -1, ErrNotInspected,
			".metadata is more than %d bytes and is not read", maxDistMetadata), "weights/.metadata"))
	}
	for _, f := range d.check() {
		rep.add(withFile(f, path.Join("weights", f.File)))
	}
	if _, ok := d.files["common.pt"]; ok {
		if err := validateTorchMember(ctx, rep, filepath.Join(weights, "common.pt"), "weights/common.pt", c); err != nil {
			return err
		}
	}
	b, ok, tooLarge, err := readLimited(filepath.Join(weights, "adapter_metadata.json"), maxConfigSize)
	if err != nil {
		return err
	}
	if ok || tooLarge {
		var m map[string]any
		file := "weights/adapter_metadata.json"
		switch {
		case tooLarge:
			rep.add(withFile(newFinding(Error, CodeNeMo2AdapterMetadata, "", -1, ErrAdapterMetadata,
				"adapter_metadata.json is more than %d bytes", maxConfigSize), file))
		case json.Unmarshal(b, &m) != nil || m == nil:
			rep.add(withFile(newFinding(Error, CodeNeMo2AdapterMetadata, "", -1, ErrAdapterMetadata,
				"adapter_metadata.json is not a JSON object"), file))
		default:
			if p, _ := m["model_ckpt_path"].(string); p == "" {
				rep.add(withFile(newFinding(Error, CodeNeMo2AdapterMetadata, "", -1, ErrAdapterMetadata,
					"adapter_metadata.json has no model_ckpt_path: the adapter cannot be matched to its base model"), file))
			} else {
				if rep.Metadata == nil {
					rep.Metadata = map[string]string{}
				}
				rep.Metadata["model_ckpt_path"] = p
			}
		}
	}
	return nil
}

// validateHFDir validates hf_adapter/ or hf_weights/.
func validateHFDir(ctx context.Context, rep *Report, dir, sub string, c Config) error {
	p := filepath.Join(dir, sub)
	r, err := ValidatePath(ctx, p, c)
	if err == nil {
		mergeMember(rep, sub, r, nil)
		return nil
	}
	if !errors.Is(err, ErrUnknownLayout) {
		return err
	}
	// ValidatePath reads a directory of *.safetensors itself; unknown means none.
	rep.add(withFile(newFinding(Error, CodeNeMo2Weights, "", -1, ErrNeMo2Layout,
		"%s/ holds no safetensors weights", sub), sub))
	return nil
}

// distCkpt is what a megatron-core distributed checkpoint directory holds.
type distCkpt struct {
	files        map[string]int64 // files directly inside: size
	dirs         map[string]bool  // directories directly inside
	metadataJSON []byte
	hasJSON      bool
	metaPickle   []byte
	hasPickle    bool
}

// check returns the findings about the checkpoint, with File relative to its
// directory.
func (d *distCkpt) check() []Finding {
	var out []Finding
	counts := map[string]int{}
	add := func(sev Severity, code string, sentinel error, file string, offset int64, format string, args ...any) {
		counts[code]++
		if counts[code] == maxFindingsPerCode+1 {
			out = append(out, withFile(newFinding(sev, code, "", -1, sentinel, "more %s findings not listed", code), file))
		}
		if counts[code] > maxFindingsPerCode {
			return
		}
		out = append(out, withFile(newFinding(sev, code, "", offset, sentinel, format, args...), file))
	}
	backend := "torch_dist" // megatron-core's default, assumed when metadata.json is missing
	_, jsonPresent := d.files["metadata.json"]
	switch {
	case !d.hasJSON && !jsonPresent:
		add(Error, CodeDistCkptMetadataJSON, ErrDistCkpt, "metadata.json", -1,
			"no metadata.json: megatron-core cannot tell the checkpoint's format")
	case d.hasJSON:
		var m map[string]any
		if err := json.Unmarshal(d.metadataJSON, &m); err != nil || m == nil {
			add(Error, CodeDistCkptMetadataJSON, ErrDistCkpt, "metadata.json", -1, "metadata.json is not a JSON object")
			break
		}
		b, ok := m["sharded_backend"].(string)
		backend = b
		switch {
		case !ok:
			add(Error, CodeDistCkptBackend, ErrUnknownBackend, "metadata.json", -1, "metadata.json has no sharded_backend")
		case b == "torch_dist":
		case b == "zarr":
			add(Warning, CodeDistCkptBackendLegacy, ErrDeprecatedFormat, "metadata.json", -1,
				"sharded_backend is \"zarr\", deprecated in megatron-core (torch_dist is the default)")
		default:
			add(Error, CodeDistCkptBackend, ErrUnknownBackend, "metadata.json", -1,
				"sharded_backend %q is not one megatron-core knows (torch_dist, zarr)", b)
		}
	}
	if backend != "torch_dist" {
		return out
	}
	var distcp []string
	for name := range d.files {
		if ok, _ := path.Match("__*_*.distcp", name); ok {
			distcp = append(distcp, name)
		}
	}
	sort.Strings(distcp)
	if len(distcp) == 0 {
		add(Error, CodeDistCkptMissing, ErrDistCkpt, "", -1, "no __<rank>_<n>.distcp data files")
	}
	if _, ok := d.files[".metadata"]; !ok {
		add(Error, CodeDistCkptMissing, ErrDistCkpt, ".metadata", -1,
			"no .metadata: torch.distributed.checkpoint cannot load the checkpoint")
		return out
	}
	if !d.hasPickle {
		return out
	}
	res, err := pickle.Parse(d.metaPickle, pickle.Limits{MaxInput: maxDistMetadata})
	if res != nil {
		for _, f := range auditGlobals(res) {
			out = append(out, withFile(f, ".metadata"))
		}
	}
	if err != nil {
		off := int64(-1)
		var pe *pickle.Error
		if errors.As(err, &pe) {
			off = pe.Offset
		}
		add(Error, CodeDistCkptMetadata, ErrDistCkpt, ".metadata", off, ".metadata cannot be unpickled: %v", err)
		return out
	}
	entries, why := storageData(res.Value)
	if why != "" {
		add(Error, CodeDistCkptMetadata, ErrDistCkpt, ".metadata", -1, ".metadata is not a torch.distributed.checkpoint Metadata: %s", why)
		return out
	}
	type span struct {
		lo, hi int64
		fqn    string
	}
	spans := map[string][]span{}
	for i, e := range entries {
		if e.why != "" {
			add(Error, CodeDistCkptMetadata, ErrDistCkpt, ".metadata", -1, "storage_data entry %d: %s", i, e.why)
			continue
		}
		size, ok := d.files[e.path]
		switch {
		case e.path == "" || strings.ContainsAny(e.path, `/\`) || e.path == "." || e.path == "..":
			add(Error, CodeDistCkptMetadata, ErrDistCkpt, ".metadata", -1,
				"storage_data entry %d (%s) names %q, not a file of the checkpoint directory", i, e.fqn, e.path)
		case !ok:
			add(Error, CodeDistCkptMissing, ErrDistCkpt, e.path, -1,
				"%s: data file %q named by .metadata is missing", e.fqn, e.path)
		case e.offset < 0 || e.length < 0 || e.offset > size || e.length > size-e.offset:
			add(Error, CodeDistCkptRange, ErrDistCkpt, e.path, e.offset,
				"%s: bytes [%d, %d) are outside the %d-byte file (truncated?)", e.fqn, e.offset, e.offset+e.length, size)
		default:
			spans[e.path] = append(spans[e.path], span{e.offset, e.offset + e.length, e.fqn})
		}
	}
	for _, name := range distcp {
		s := spans[name]
		if len(s) == 0 {
			add(Warning, CodeDistCkptRange, ErrDistCkpt, name, -1, "data file %q is not referenced by .metadata", name)
			continue
		}
		sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo || (s[i].lo == s[j].lo && s[i].hi < s[j].hi) })
		for i := 1; i < len(s); i++ {
			if s[i].lo < s[i-1].hi {
				add(Error, CodeDistCkptRange, ErrDistCkpt, name, s[i].lo,
					"%s at bytes [%d, %d) overlaps %s at [%d, %d)", s[i].fqn, s[i].lo, s[i].hi, s[i-1].fqn, s[i-1].lo, s[i-1].hi)
			}
		}
	}
	return out
}

// storageEntry is one storage_data item of a torch.distributed.checkpoint
// Metadata: MetadataIndex(fqn, ...) -> _StorageInfo(relative_path, offset, length).
type storageEntry struct {
	fqn            string
	path           string
	offset, length int64
	why            string
}

// objectState returns the attribute dict a dataclass instance was pickled with
// (NEWOBJ + BUILD, the state a dict or a (dict, slots dict) pair).
func objectState(v any) (*pickle.Dict, bool) {
	b, ok := v.(*pickle.Build)
	if !ok {
		return nil, false
	}
	switch s := b.State.(type) {
	case *pickle.Dict:
		return s, true
	case pickle.Tuple:
		if len(s) == 2 {
			if d, ok := s[1].(*pickle.Dict); ok {
				return d, true
			}
			if d, ok := s[0].(*pickle.Dict); ok {
				return d, true
			}
		}
	}
	return nil, false
}

func storageData(v any) ([]storageEntry, string) {
	st, ok := objectState(v)
	if !ok {
		return nil, fmt.Sprintf("the pickled object is %s", pickle.Repr(v, 60))
	}
	sd, _ := st.Get("storage_data")
	d, ok := sd.(*pickle.Dict)
	if !ok {
		return nil, fmt.Sprintf("storage_data is %s, not a dict", pickle.Repr(sd, 60))
	}
	out := make([]storageEntry, 0, len(d.Items))
	for _, p := range d.Items {
		e := storageEntry{fqn: "?"}
		if ks, ok := objectState(p.Key); ok {
			if f, ok := ks.Get("fqn"); ok {
				if s, ok := f.(string); ok {
					e.fqn = fmt.Sprintf("%q", s)
				}
			}
		}
		vs, ok := objectState(p.Value)
		if !ok {
			e.why = fmt.Sprintf("%s is not a _StorageInfo", pickle.Repr(p.Value, 60))
			out = append(out, e)
			continue
		}
		rp, _ := vs.Get("relative_path")
		off, _ := vs.Get("offset")
		ln, _ := vs.Get("length")
		var ok1, ok2, ok3 bool
		e.path, ok1 = rp.(string)
		e.offset, ok2 = off.(int64)
		e.length, ok3 = ln.(int64)
		if !ok1 || !ok2 || !ok3 {
			e.why = fmt.Sprintf("_StorageInfo of %s lacks relative_path, offset or length", e.fqn)
		}
		out = append(out, e)
	}
	return out, ""
}
