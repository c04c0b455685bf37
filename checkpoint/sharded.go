package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sentinels of the Hugging Face sharded layout (model.safetensors.index.json and
// its model-0000i-of-0000N.safetensors shards).
var (
	ErrIndexJSON         = errors.New("checkpoint: sharded index is not a valid JSON object")
	ErrWeightMap         = errors.New("checkpoint: sharded index weight_map missing or invalid")
	ErrShardPath         = errors.New("checkpoint: shard path outside the directory")
	ErrShardMissing      = errors.New("checkpoint: shard file missing")
	ErrTensorNotInShard  = errors.New("checkpoint: indexed tensor missing from its shard")
	ErrStrayTensor       = errors.New("checkpoint: shard tensor not listed in the index")
	ErrTensorInTwoShards = errors.New("checkpoint: tensor stored in more than one shard")
	ErrTotalSize         = errors.New("checkpoint: index total_size does not match the tensors")
	ErrShardFormat       = errors.New("checkpoint: shards disagree on the __metadata__ format")
	ErrMultipleIndexes   = errors.New("checkpoint: more than one sharded index in the directory")
	ErrUnreferencedShard = errors.New("checkpoint: shard file not referenced by any index")
)

// Finding codes of the sharded layout.
const (
	CodeIndexJSON          = "index_json"
	CodeWeightMapMissing   = "weight_map_missing"
	CodeWeightMapInvalid   = "weight_map_invalid"
	CodeWeightMapDuplicate = "weight_map_duplicate"
	CodeShardPath          = "shard_path"
	CodeShardMissing       = "shard_missing"
	CodeTensorNotInShard   = "tensor_not_in_shard"
	CodeStrayTensor        = "stray_tensor"
	CodeTensorInTwoShards  = "tensor_in_two_shards"
	CodeTotalSizeMissing   = "total_size_missing"
	CodeTotalSizeInvalid   = "total_size_invalid"
	CodeTotalSizeMismatch  = "total_size_mismatch"
	CodeShardFormat        = "shard_format_mismatch"
	CodeMultipleIndexes    = "multiple_indexes"
	CodeUnreferencedShard  = "shard_unreferenced"
)

// shardName matches the file names save_pretrained gives shards.
var shardName = regexp.MustCompile(`-[0-9]+-of-[0-9]+\.safetensors$`)

// validateSharded validates a Hugging Face sharded checkpoint: the directory dir
// with the index files indexes (*.safetensors.index.json) and the shards they name.
//
// Each index is checked on its own: it must be one JSON object with a weight_map
// object whose values are plain file names inside dir. Every shard it names must
// exist and be a valid safetensors file (validated with ValidateFile and c; its
// report goes to Files and its findings, with File set to the shard name, to the
// top report). Every indexed tensor must be in the shard the index names, every
// shard tensor must be in the index, no tensor may be in two shards,
// metadata.total_size must equal the sum of the tensors' byte sizes (a missing
// total_size is a warning; transformers does not read it), and shards that record
// a __metadata__ format must agree on it.
//
// A directory with several index files (for example a model.safetensors.index.json
// beside a renamed copy) gets a multiple_indexes warning and every index is
// checked against its own shards; a shard named by several indexes is read once.
// Shard files named like save_pretrained's shards that no index references are
// reported as warnings (a left-over from an earlier save).
//
// Findings about an index entry carry File = the index name and the entry's byte
// offset in the index; findings about a shard carry File = the shard name.
// Report.Tensors holds the shards' tensors, shards in order (indexes sorted by
// name, shards by name as transformers loads them), with Tensor.File set;
// Report.Size is the sum of the shard file sizes.
func validateSharded(ctx context.Context, dir string, indexes []string, c Config) (*Report, error) {
	s := &shardedCheck{
		dir:    dir,
		c:      c,
		rep:    &Report{Path: dir, Kind: KindSharded},
		shards: map[string]*shardState{},
	}
	indexes = slices.Clone(indexes)
	slices.Sort(indexes)
	if len(indexes) > 1 {
		names := make([]string, len(indexes))
		for i, p := range indexes {
			names[i] = filepath.Base(p)
		}
		s.rep.add(layoutFinding(Warning, CodeMultipleIndexes, "", "", -1, ErrMultipleIndexes,
			"%d index files (%s): each is checked against its own shards", len(names), strings.Join(names, ", ")))
	}
	for _, idx := range indexes {
		if err := s.index(ctx, idx); err != nil {
			return nil, err
		}
	}
	if !s.partial {
		if err := s.unreferenced(); err != nil {
			return nil, err
		}
	}
	return s.rep, nil
}

type shardedCheck struct {
	dir    string
	c      Config
	rep    *Report
	shards map[string]*shardState // by shard name, each validated once
	// partial is set when an index could not be read far enough to know its
	// shards; then no file is called unreferenced.
	partial bool
}

// shardState is one shard file as read.
type shardState struct {
	name    string
	missing bool           // absent or not a regular file
	rep     *Report        // nil when missing
	tensors map[string]int // name -> index in rep.Tensors; nil when the header is unreadable
}

// headerUnreadable lists the codes after which a safetensors file has no tensor list.
var headerUnreadable = []string{CodeHeaderTooSmall, CodeHeaderTooLarge, CodeInvalidHeaderLength,
	CodeHeaderUTF8, CodeHeaderJSON}

// indexEntry is one weight_map entry.
type indexEntry struct {
	tensor, shard string
	offset        int64
}

// index checks one index file and its shards.
func (s *shardedCheck) index(ctx context.Context, path string) error {
	name := filepath.Base(path)
	data, tooLarge, err := readFileLimit(path, maxJSONDoc)
	if err != nil {
		return err
	}
	if tooLarge {
		s.partial = true
		s.rep.add(layoutFinding(Error, CodeIndexJSON, name, "", -1, ErrIndexJSON,
			"index is larger than %d bytes", maxJSONDoc))
		return nil
	}
	members, perr := parseJSONObject(data, 0)
	if perr != nil {
		s.partial = true
		s.rep.add(causeFinding(Error, CodeIndexJSON, name, perr.Offset, ErrIndexJSON, perr,
			"invalid JSON at line %d, column %d: %v", perr.Line, perr.Col, perr.Err))
		return nil
	}
	wm, ok := lastMember(members, "weight_map")
	if !ok {
		s.partial = true
		s.rep.add(layoutFinding(Error, CodeWeightMapMissing, name, "", -1, ErrWeightMap,
			"index has no \"weight_map\" object"))
		return nil
	}
	if wm.Value[0] != '{' {
		s.partial = true
		s.rep.add(layoutFinding(Error, CodeWeightMapInvalid, name, "", wm.Offset, ErrWeightMap,
			"\"weight_map\" is %s, not an object", jsonKind(wm.Value)))
		return nil
	}
	wmMembers, _ := parseJSONObject(wm.Value, wm.Offset) // already valid JSON
	entries := s.entries(name, wmMembers)
	if len(entries) == 0 {
		s.partial = true
		if len(wmMembers) == 0 {
			s.rep.add(layoutFinding(Error, CodeWeightMapInvalid, name, "", wm.Offset, ErrWeightMap,
				"\"weight_map\" is empty"))
		}
		return nil
	}

	// Shards in the order transformers loads them: sorted(set(weight_map.values())).
	var shardNames []string
	firstRef := map[string]int64{}
	refs := map[string]int{}
	for _, e := range entries {
		if _, seen := firstRef[e.shard]; !seen {
			firstRef[e.shard] = e.offset
			shardNames = append(shardNames, e.shard)
		}
		refs[e.shard]++
	}
	slices.Sort(shardNames)
	var shards []*shardState
	complete := true // every shard present with a readable header
	for _, sn := range shardNames {
		if why := unsafeShardPath(sn); why != "" {
			s.rep.add(layoutFinding(Error, CodeShardPath, name, "", firstRef[sn], ErrShardPath,
				"weight_map names shard %q (%d tensors): path outside the directory (%s); only plain file names are allowed",
				sn, refs[sn], why))
			complete = false
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := s.shard(ctx, sn, name, refs[sn])
		if err != nil {
			return err
		}
		if st.rep == nil || st.tensors == nil {
			complete = false
		}
		shards = append(shards, st)
	}

	// Every indexed tensor in the shard the index names.
	byName := map[string]*shardState{}
	for _, st := range shards {
		byName[st.name] = st
	}
	indexed := make(map[string]string, len(entries))
	for _, e := range entries {
		indexed[e.tensor] = e.shard
	}
	for _, e := range entries {
		st := byName[e.shard]
		if st == nil || st.tensors == nil {
			continue // path refused, shard missing or unreadable: reported above
		}
		if _, ok := st.tensors[e.tensor]; ok {
			continue
		}
		where := ""
		for _, o := range shards {
			if _, ok := o.tensors[e.tensor]; ok && o != st {
				where = fmt.Sprintf("; it is in %s", o.name)
				break
			}
		}
		s.rep.add(layoutFinding(Error, CodeTensorNotInShard, name, e.tensor, e.offset, ErrTensorNotInShard,
			"weight_map puts tensor %q in %s, which does not contain it%s", e.tensor, e.shard, where))
	}

	// Every shard tensor in the index; no tensor in two shards.
	var total uint64
	owner := map[string]string{}
	for _, st := range shards {
		if st.tensors == nil {
			continue
		}
		for _, t := range st.rep.Tensors {
			total += t.NBytes()
			if first, dup := owner[t.Name]; dup {
				s.rep.add(layoutFinding(Error, CodeTensorInTwoShards, st.name, t.Name, -1, ErrTensorInTwoShards,
					"tensor %q is in both %s and %s", t.Name, first, st.name))
			} else {
				owner[t.Name] = st.name
			}
			if _, ok := indexed[t.Name]; !ok {
				s.rep.add(layoutFinding(Error, CodeStrayTensor, st.name, t.Name, -1, ErrStrayTensor,
					"tensor %q is in %s but not in %s's weight_map", t.Name, st.name, name))
			}
		}
	}

	s.totalSize(name, members, total, complete)
	s.formats(name, shards)
	return nil
}

// entries reads the weight_map members, reporting values that are not strings and
// duplicate tensor names (the loaders keep the last entry, and so do we).
func (s *shardedCheck) entries(index string, ms []jsonMember) []indexEntry {
	pos := map[string]int{}
	var out []indexEntry
	for _, m := range ms {
		var shard string
		if len(m.Value) == 0 || m.Value[0] != '"' || json.Unmarshal(m.Value, &shard) != nil {
			s.rep.add(layoutFinding(Error, CodeWeightMapInvalid, index, m.Key, m.Offset, ErrWeightMap,
				"weight_map value of tensor %q is %s, not a shard file name", m.Key, jsonKind(m.Value)))
			continue
		}
		e := indexEntry{tensor: m.Key, shard: shard, offset: m.Offset}
		if i, dup := pos[m.Key]; dup {
			s.rep.add(layoutFinding(Warning, CodeWeightMapDuplicate, index, m.Key, m.Offset, ErrWeightMap,
				"tensor %q is listed twice in weight_map (%s, then %s); loaders keep the last entry",
				m.Key, out[i].shard, shard))
			out[i] = e
			continue
		}
		pos[m.Key] = len(out)
		out = append(out, e)
	}
	return out
}

// unsafeShardPath says why a weight_map value is not a plain file name inside the
// directory, or returns "" when it is one.
func unsafeShardPath(p string) string {
	switch {
	case p == "":
		return "empty name"
	case p == "." || p == "..":
		return "a directory reference"
	case strings.ContainsAny(p, `/\`):
		if filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
			return "absolute path"
		}
		if slices.Contains(strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }), "..") {
			return "parent directory component"
		}
		return "contains a path separator"
	case len(p) >= 2 && p[1] == ':' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z'):
		return "drive-letter path"
	case strings.ContainsRune(p, 0):
		return "contains a NUL byte"
	}
	return ""
}

// shard validates the shard file name once and adds its report, tensors and
// findings to the top report.
func (s *shardedCheck) shard(ctx context.Context, name, index string, refs int) (*shardState, error) {
	if st, ok := s.shards[name]; ok {
		return st, nil
	}
	st := &shardState{name: name}
	s.shards[name] = st
	path := filepath.Join(s.dir, name)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.missing = true
		s.rep.add(layoutFinding(Error, CodeShardMissing, name, "", -1, ErrShardMissing,
			"shard %s named by %s (%d tensors) does not exist", name, index, refs))
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("reading shard %s: %w", path, err)
	case !fi.Mode().IsRegular():
		st.missing = true
		s.rep.add(layoutFinding(Error, CodeShardMissing, name, "", -1, ErrShardMissing,
			"shard %s named by %s is not a regular file (%s)", name, index, fi.Mode().Type()))
		return st, nil
	}
	rep, err := ValidateFile(ctx, path, s.c)
	if err != nil {
		return nil, err
	}
	st.rep = rep
	s.rep.Files = append(s.rep.Files, rep)
	s.rep.Size += rep.Size
	unreadable := false
	for _, f := range rep.Findings {
		if f.File == "" {
			f.File = name
		}
		s.rep.add(f)
		if f.Severity == Error && slices.Contains(headerUnreadable, f.Code) {
			unreadable = true
		}
	}
	if unreadable {
		return st, nil
	}
	st.tensors = make(map[string]int, len(rep.Tensors))
	for i, t := range rep.Tensors {
		st.tensors[t.Name] = i
		t.File = name
		s.rep.Tensors = append(s.rep.Tensors, t)
	}
	return st, nil
}

// totalSize compares metadata.total_size with the tensors' byte sizes, when every
// shard could be read.
func (s *shardedCheck) totalSize(index string, members []jsonMember, total uint64, complete bool) {
	md, ok := lastMember(members, "metadata")
	if !ok || md.Value[0] != '{' {
		s.rep.add(layoutFinding(Warning, CodeTotalSizeMissing, index, "", -1, ErrTotalSize,
			"index has no \"metadata\" object with total_size (transformers does not need it)"))
		return
	}
	mdMembers, _ := parseJSONObject(md.Value, md.Offset)
	ts, ok := lastMember(mdMembers, "total_size")
	if !ok {
		s.rep.add(layoutFinding(Warning, CodeTotalSizeMissing, index, "", md.Offset, ErrTotalSize,
			"index metadata has no total_size (transformers does not need it)"))
		return
	}
	want, ok := jsonSize(ts.Value)
	if !ok {
		s.rep.add(layoutFinding(Error, CodeTotalSizeInvalid, index, "", ts.Offset, ErrTotalSize,
			"total_size is %s, not a non-negative integer", string(ts.Value)))
		return
	}
	if complete && want != total {
		s.rep.add(layoutFinding(Error, CodeTotalSizeMismatch, index, "", ts.Offset, ErrTotalSize,
			"total_size is %d, the shards' tensors hold %d bytes", want, total))
	}
}

// jsonSize reads a JSON number that is a non-negative integer (an integral float
// such as 1.6e10 is accepted: Python may write one).
func jsonSize(raw json.RawMessage) (uint64, bool) {
	s := string(raw)
	if v, err := strconv.ParseUint(s, 10, 64); err == nil {
		return v, true
	}
	if len(s) == 0 || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f >= 1<<63 {
		return 0, false
	}
	return uint64(f), true
}

// formats reports shards whose __metadata__ format differs. Shards without one
// already carry a format_missing warning.
func (s *shardedCheck) formats(index string, shards []*shardState) {
	var parts []string
	distinct := map[string]bool{}
	for _, st := range shards {
		if st.rep == nil {
			continue
		}
		if f, ok := st.rep.Metadata["format"]; ok {
			distinct[f] = true
			parts = append(parts, fmt.Sprintf("%s: %q", st.name, f))
		}
	}
	if len(distinct) > 1 {
		s.rep.add(layoutFinding(Error, CodeShardFormat, "", "", -1, ErrShardFormat,
			"shards of %s record different formats (%s)", index, strings.Join(parts, ", ")))
	}
}

// unreferenced warns about shard-named files that no index references.
func (s *shardedCheck) unreferenced() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", s.dir, err)
	}
	for _, e := range ents {
		n := e.Name()
		if _, ok := s.shards[n]; ok || !shardName.MatchString(n) {
			continue
		}
		s.rep.add(layoutFinding(Warning, CodeUnreferencedShard, n, "", -1, ErrUnreferencedShard,
			"%s looks like a shard but no index references it (left over from an earlier save?)", n))
	}
	return nil
}
