package checkpoint

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

// Names of the files WriteManifest writes into the directory.
const (
	SumsFileName     = "SHA256SUMS"
	ManifestFileName = "manifest.json"
)

// ManifestVersion is the version of the manifest.json format.
const ManifestVersion = 1

// Sentinels of VerifyManifest.
var (
	ErrChecksumMismatch = errors.New("checkpoint: SHA-256 does not match the checksum file")
	ErrFileMissing      = errors.New("checkpoint: file listed in the checksum file is missing")
	ErrFileUnlisted     = errors.New("checkpoint: file not listed in the checksum file")
	ErrSumsSyntax       = errors.New("checkpoint: malformed checksum line")
)

// Stable codes of VerifyManifest's findings.
const (
	CodeChecksumMismatch = "checksum_mismatch"
	CodeFileMissing      = "file_missing"
	CodeFileUnlisted     = "file_unlisted"
)

// ManifestConfig says how WriteManifest reads the files. The zero value is valid.
type ManifestConfig struct {
	// Config validates the *.safetensors files (workers, NaN/Inf policy, logger,
	// progress); Hash is switched on whatever it says. Default: the zero Config.
	Config Config
}

// Manifest describes every file of a directory, as manifest.json records it.
type Manifest struct {
	// Version is ManifestVersion.
	Version int `json:"version"`
	// Files in byte order of their paths.
	Files []ManifestFile `json:"files"`
	// Findings of the validation of the safetensors files, File set to the file's
	// path. They are not written to manifest.json; ManifestFile.Valid is.
	Findings []Finding `json:"-"`
}

// ManifestFile is one file of a Manifest.
type ManifestFile struct {
	// Path is relative to the directory, with forward slashes.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Kind is "safetensors" for a *.safetensors file (validated), else by
	// extension: "nemo", "torch" (.ckpt, .pt, .pth, .bin), "json", "yaml", "text"
	// (.txt, .md) or "other".
	Kind string `json:"kind"`
	// Tensors, DTypes (sorted, unique) and Valid (no error finding) are set for
	// safetensors files.
	Tensors int      `json:"tensors,omitempty"`
	DTypes  []string `json:"dtypes,omitempty"`
	Valid   *bool    `json:"valid,omitempty"`
}

// WriteManifest checksums every file under dir and writes two files into dir, each
// atomically (a failure leaves the old file or none, and no temporary file):
//   - SHA256SUMS, in GNU coreutils format ("<hex>  <path>", paths relative to dir
//     with forward slashes; a name with a backslash, newline or carriage return
//     is escaped the way coreutils 9 escapes it: the line starts with a backslash
//     and the name has \\, \n and \r), so that `sha256sum -c SHA256SUMS` run in
//     dir verifies it;
//   - manifest.json: path, size, SHA-256, kind, and for safetensors files the
//     tensor count and dtypes.
//
// Regular files are listed, and symbolic links to regular files (with the
// content they point to, as sha256sum reads it); directories behind symbolic
// links are not entered. SHA256SUMS and manifest.json at the top of dir and
// temporary files of atomic writes (".<name>.tmp-<digits>") are left out. Each
// *.safetensors file is validated with ValidateFile, which computes its SHA-256
// in the same pass; the findings are in Manifest.Findings. The error is non-nil
// when a file cannot be read or written, or ctx is done.
func WriteManifest(ctx context.Context, dir string, c ManifestConfig) (*Manifest, error) {
	files, err := manifestFiles(dir)
	if err != nil {
		return nil, err
	}
	cfg := c.Config
	cfg.Hash = true
	m := &Manifest{Version: ManifestVersion, Files: make([]ManifestFile, 0, len(files))}
	for _, rel := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		mf := ManifestFile{Path: rel, Kind: fileKind(rel)}
		if mf.Kind == "safetensors" {
			rep, err := ValidateFile(ctx, p, cfg)
			if err != nil {
				return nil, err
			}
			mf.Size, mf.SHA256, mf.Tensors = rep.Size, rep.SHA256, len(rep.Tensors)
			for i := range rep.Tensors {
				mf.DTypes = append(mf.DTypes, rep.Tensors[i].DType.String())
			}
			slices.Sort(mf.DTypes)
			mf.DTypes = slices.Compact(mf.DTypes)
			valid := rep.Valid()
			mf.Valid = &valid
			for _, f := range rep.Findings {
				f.File = rel
				m.Findings = append(m.Findings, f)
			}
		}
		if mf.SHA256 == "" {
			if mf.SHA256, mf.Size, err = sha256File(ctx, p); err != nil {
				return nil, err
			}
		}
		m.Files = append(m.Files, mf)
	}
	var sums bytes.Buffer
	for _, f := range m.Files {
		sums.WriteString(sumsLine(f.SHA256, f.Path))
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	js = append(js, '\n')
	if err := atomicfile.WriteFile(filepath.Join(dir, ManifestFileName), js); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, SumsFileName), sums.Bytes()); err != nil {
		return nil, err
	}
	return m, nil
}

// sumsEscaper escapes a name the way coreutils' sha256sum does.
var sumsEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)

// sumsLine is one line of a SHA256SUMS file in coreutils' text mode.
func sumsLine(sum, name string) string {
	if strings.ContainsAny(name, "\\\n\r") {
		return `\` + sum + "  " + sumsEscaper.Replace(name) + "\n"
	}
	return sum + "  " + name + "\n"
}

// atomicTemp matches the temporary files of internal/atomicfile.
var atomicTemp = regexp.MustCompile(`^\..+\.tmp-\d+$`)

// manifestFiles lists the files under dir that a manifest covers, as sorted
// slash-separated relative paths.
func manifestFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == SumsFileName || rel == ManifestFileName || atomicTemp.MatchString(d.Name()) {
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
			mode = 0
		}
		if mode.IsRegular() {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %w", err)
	}
	slices.Sort(out)
	return out, nil
}

func fileKind(name string) string {
	ext := strings.ToLower(path.Ext(name))
	switch ext {
	case ".safetensors":
		return "safetensors"
	case ".nemo":
		return "nemo"
	case ".ckpt", ".pt", ".pth", ".bin":
		return "torch"
	case ".json":
		return "json"
	case ".yaml", ".yml":
		return "yaml"
	case ".txt", ".md":
		return "text"
	}
	return "other"
}

// sectionSHA256 returns the hex SHA-256 of the first size bytes of ra.
func sectionSHA256(ra io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, size)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sha256File returns the hex SHA-256 and the size of the file at p.
func sha256File(ctx context.Context, p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, err
		}
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", 0, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// FileStatus is the result of checking one listed file.
type FileStatus string

// Results of VerifyManifest per file.
const (
	FileOK       FileStatus = "ok"
	FileMismatch FileStatus = "mismatch"
	FileMissing  FileStatus = "missing"
)

// FileCheck is one line of a checksum file, checked.
type FileCheck struct {
	// Path as listed (unescaped), relative to the directory.
	Path string
	// Line is the line's number in the checksum file, from 1.
	Line   int
	Status FileStatus
	// Want is the listed SHA-256 (lower case), Got the file's ("" when missing).
	Want, Got string
}

// ManifestCheck is the result of VerifyManifest.
type ManifestCheck struct {
	// Sums is the checksum file that was read.
	Sums string
	// Files in the order of the checksum file.
	Files []FileCheck
	// Findings: checksum_mismatch and file_missing (errors), file_unlisted
	// (warnings), each with File set to the relative path.
	Findings []Finding
}

// Valid reports whether every listed file is present and matches.
func (m *ManifestCheck) Valid() bool {
	for i := range m.Findings {
		if m.Findings[i].Severity == Error {
			return false
		}
	}
	return true
}

// Err returns the error findings joined, or nil when m is valid.
func (m *ManifestCheck) Err() error {
	var errs []error
	for i := range m.Findings {
		if m.Findings[i].Severity == Error {
			errs = append(errs, &m.Findings[i])
		}
	}
	return errors.Join(errs...)
}

// VerifyManifest checks the files under dir against the coreutils checksum file at
// sumsPath (dir/SHA256SUMS when sumsPath is ""), as `sha256sum -c` run in dir
// would: lines "<hex>  <path>" (text mode) or "<hex> *<path>" (binary mode), or
// BSD-style "SHA256 (<path>) = <hex>" as `sha256sum --tag` writes them; a line
// starting with a backslash has an escaped name (\\, \n, \r). Each listed file is
// ok, a mismatch (checksum_mismatch) or missing (file_missing); files under dir
// that are not listed are warnings (file_unlisted), with the same exclusions as
// WriteManifest (SHA256SUMS, manifest.json, temporary files) and the checksum file
// itself. A malformed line is an error naming the file and the line (wrapping
// ErrSumsSyntax); so is a listed file that exists but cannot be read.
func VerifyManifest(ctx context.Context, dir, sumsPath string) (*ManifestCheck, error) {
	if sumsPath == "" {
		sumsPath = filepath.Join(dir, SumsFileName)
	}
	entries, err := readSums(sumsPath)
	if err != nil {
		return nil, err
	}
	mc := &ManifestCheck{Sums: sumsPath}
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := e.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
			listed[path.Clean(e.Path)] = true
		}
		got, _, err := sha256File(ctx, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			e.Status = FileMissing
			mc.Findings = append(mc.Findings, fileFinding(Error, CodeFileMissing, e.Path, ErrFileMissing,
				"%s (line %d of %s) does not exist", e.Path, e.Line, sumsPath))
		case err != nil:
			return nil, err
		case got != e.Want:
			e.Status, e.Got = FileMismatch, got
			mc.Findings = append(mc.Findings, fileFinding(Error, CodeChecksumMismatch, e.Path, ErrChecksumMismatch,
				"%s: SHA-256 %s, line %d of %s lists %s", e.Path, got, e.Line, sumsPath, e.Want))
		default:
			e.Status, e.Got = FileOK, got
		}
		mc.Files = append(mc.Files, e)
	}
	files, err := manifestFiles(dir)
	if err != nil {
		return nil, err
	}
	absSums, _ := filepath.Abs(sumsPath)
	for _, rel := range files {
		if listed[rel] {
			continue
		}
		if a, _ := filepath.Abs(filepath.Join(dir, filepath.FromSlash(rel))); a == absSums {
			continue
		}
		mc.Findings = append(mc.Findings, fileFinding(Warning, CodeFileUnlisted, rel, ErrFileUnlisted,
			"%s is not listed in %s", rel, sumsPath))
	}
	return mc, nil
}

func fileFinding(sev Severity, code, file string, sentinel error, detail string, args ...any) Finding {
	f := newFinding(sev, code, "", -1, sentinel, detail, args...)
	f.File = file
	return f
}

// readSums parses a coreutils SHA-256 checksum file.
func readSums(sumsPath string) ([]FileCheck, error) {
	f, err := os.Open(sumsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var out []FileCheck
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading %s: %w", sumsPath, err)
		}
		if line == "" && err == io.EOF {
			return out, nil
		}
		fc, perr := parseSumsLine(strings.TrimSuffix(line, "\n"))
		if perr != "" {
			return nil, fmt.Errorf("%s:%d: %w: %s", sumsPath, n, ErrSumsSyntax, perr)
		}
		fc.Line = n
		out = append(out, fc)
		if err == io.EOF {
			return out, nil
		}
	}
}

// parseSumsLine parses one line; the string is why it is malformed ("" if not).
func parseSumsLine(line string) (FileCheck, string) {
	var fc FileCheck
	escaped := strings.HasPrefix(line, `\`)
	if escaped {
		line = line[1:]
	}
	var sum, name string
	if rest, ok := strings.CutPrefix(line, "SHA256 ("); ok {
		i := strings.LastIndex(rest, ") = ")
		if i < 0 {
			return fc, `a BSD-style line needs "SHA256 (<name>) = <hex>"`
		}
		name, sum = rest[:i], rest[i+4:]
	} else {
		if len(line) < 66 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*') {
			return fc, `want "<64 hex digits>  <name>" or "<64 hex digits> *<name>"`
		}
		sum, name = line[:64], line[66:]
	}
	if len(sum) != 64 {
		return fc, "the SHA-256 must be 64 hex digits"
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return fc, "the SHA-256 must be 64 hex digits"
	}
	if name == "" {
		return fc, "no file name"
	}
	if escaped {
		var ok bool
		if name, ok = unescapeSumsName(name); !ok {
			return fc, `invalid escape in the file name (only \\, \n and \r)`
		}
	}
	fc.Path, fc.Want = name, strings.ToLower(sum)
	return fc, ""
}

func unescapeSumsName(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			return "", false
		}
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			return "", false
		}
	}
	return b.String(), true
}
