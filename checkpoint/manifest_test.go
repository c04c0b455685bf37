package checkpoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// adapterDir writes a final adapter directory with awkward names; it returns the
// files' contents by relative path.
func adapterDir(t *testing.T) (string, map[string][]byte) {
	dir := t.TempDir()
	files := map[string][]byte{
		"adapter_model.safetensors": stBytes(f32T("lora_A", 1, 2), stfile.Tensor{Name: "lora_B", DType: "BF16", Shape: []uint64{1}, Data: []byte{0, 0x3f}}),
		"adapter_config.json":       []byte(`{"peft_type":"LORA","r":8}`),
		"sub/dir/tokenizer.model":   []byte("tok"),
		"name with spaces.txt":      []byte("spaces"),
		`back\slash.yaml`:           []byte("backslash"),
		"new\nline.bin":             []byte("newline"),
		"car\rriage":                []byte("cr"),
		"bad.safetensors":           []byte("not a safetensors file"),
		"empty":                     nil,
		" leading space":            []byte("lead"),
		"star*name":                 []byte("star"),
	}
	for rel, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
	// A temporary file of an interrupted atomic write is no part of the manifest.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".SHA256SUMS.tmp-12345"), []byte("junk"), 0o644))
	return dir, files
}

func TestWriteManifest(t *testing.T) {
	dir, files := adapterDir(t)
	ctx := context.Background()
	m, err := WriteManifest(ctx, dir, ManifestConfig{Config: Config{Workers: 1}})
	require.NoError(t, err)

	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		assert.Equal(t, sha(files[f.Path]), f.SHA256, f.Path)
		assert.Equal(t, int64(len(files[f.Path])), f.Size, f.Path)
	}
	assert.Equal(t, []string{" leading space", "adapter_config.json", "adapter_model.safetensors", "back\\slash.yaml",
		"bad.safetensors", "car\rriage", "empty", "name with spaces.txt", "new\nline.bin", "star*name", "sub/dir/tokenizer.model"}, paths)

	byPath := map[string]ManifestFile{}
	for _, f := range m.Files {
		byPath[f.Path] = f
	}
	st := byPath["adapter_model.safetensors"]
	assert.Equal(t, "safetensors", st.Kind)
	assert.Equal(t, 2, st.Tensors)
	assert.Equal(t, []string{"BF16", "F32"}, st.DTypes)
	require.NotNil(t, st.Valid)
	assert.True(t, *st.Valid)
	bad := byPath["bad.safetensors"]
	require.NotNil(t, bad.Valid)
	assert.False(t, *bad.Valid)
	assert.Equal(t, "json", byPath["adapter_config.json"].Kind)
	assert.Equal(t, "torch", byPath["new\nline.bin"].Kind)
	assert.Equal(t, "other", byPath["sub/dir/tokenizer.model"].Kind)
	assert.Nil(t, byPath["adapter_config.json"].Valid)
	require.NotEmpty(t, m.Findings)
	assert.Equal(t, "bad.safetensors", m.Findings[0].File)

	// SHA256SUMS: coreutils text mode, escaped names.
	sums, err := os.ReadFile(filepath.Join(dir, SumsFileName))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n")
	require.Len(t, lines, len(m.Files))
	assert.Equal(t, sha(files[" leading space"])+"   leading space", lines[0])
	assert.Equal(t, `\`+sha(files[`back\slash.yaml`])+`  back\\slash.yaml`, lines[3])
	assert.Equal(t, `\`+sha(files["car\rriage"])+`  car\rriage`, lines[5])
	assert.Equal(t, `\`+sha(files["new\nline.bin"])+`  new\nline.bin`, lines[8])
	assert.Equal(t, sha(files["sub/dir/tokenizer.model"])+"  sub/dir/tokenizer.model", lines[10])

	// manifest.json round-trips.
	js, err := os.ReadFile(filepath.Join(dir, ManifestFileName))
	require.NoError(t, err)
	var back Manifest
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, ManifestVersion, back.Version)
	assert.Equal(t, m.Files, back.Files)
	assert.Contains(t, string(js), `"path": "new\nline.bin"`)

	// The real sha256sum agrees.
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Log("sha256sum not on PATH: skipping the coreutils check")
	} else {
		cmd := exec.Command("sha256sum", "-c", "--strict", SumsFileName)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}

	// Written again: the same files (SHA256SUMS and manifest.json left out).
	m2, err := WriteManifest(ctx, dir, ManifestConfig{})
	require.NoError(t, err)
	assert.Equal(t, m.Files, m2.Files)
	sums2, err := os.ReadFile(filepath.Join(dir, SumsFileName))
	require.NoError(t, err)
	assert.Equal(t, sums, sums2)
}

func TestVerifyManifest(t *testing.T) {
	dir, _ := adapterDir(t)
	ctx := context.Background()
	_, err := WriteManifest(ctx, dir, ManifestConfig{})
	require.NoError(t, err)

	mc, err := VerifyManifest(ctx, dir, "")
	require.NoError(t, err)
	assert.Empty(t, mc.Findings)
	assert.True(t, mc.Valid())
	require.NoError(t, mc.Err())
	assert.Len(t, mc.Files, 11)
	for i, f := range mc.Files {
		assert.Equal(t, FileOK, f.Status, f.Path)
		assert.Equal(t, i+1, f.Line)
		assert.Equal(t, f.Want, f.Got)
	}
	assert.Equal(t, "new\nline.bin", mc.Files[8].Path)

	// Corrupt one byte, delete a file, add one.
	p := filepath.Join(dir, "adapter_model.safetensors")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	b[len(b)-1] ^= 1
	require.NoError(t, os.WriteFile(p, b, 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "new\nline.bin")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "extra.txt"), []byte("x"), 0o644))

	mc, err = VerifyManifest(ctx, dir, filepath.Join(dir, SumsFileName))
	require.NoError(t, err)
	assert.False(t, mc.Valid())
	require.Len(t, mc.Findings, 3)
	assert.Equal(t, []string{CodeChecksumMismatch, CodeFileMissing, CodeFileUnlisted}, findingCodes(mc.Findings))
	assert.Equal(t, []string{"adapter_model.safetensors", "new\nline.bin", "sub/extra.txt"},
		[]string{mc.Findings[0].File, mc.Findings[1].File, mc.Findings[2].File})
	assert.Equal(t, []Severity{Error, Error, Warning}, []Severity{mc.Findings[0].Severity, mc.Findings[1].Severity, mc.Findings[2].Severity})
	require.ErrorIs(t, mc.Err(), ErrChecksumMismatch)
	require.ErrorIs(t, mc.Err(), ErrFileMissing)
	assert.NotErrorIs(t, mc.Err(), ErrFileUnlisted, "warnings stay out of Err")
	assert.Equal(t, int64(-1), mc.Findings[0].Offset)
	assert.Contains(t, mc.Findings[0].Error(), "line 3 of")
	assert.Equal(t, FileMismatch, mc.Files[2].Status)
	assert.Equal(t, sha(b), mc.Files[2].Got)
	assert.Equal(t, FileMissing, mc.Files[8].Status)
	assert.Empty(t, mc.Files[8].Got)
}

// TestVerifyCoreutilsOutput checks files listed by the real sha256sum in its
// text, binary and BSD formats.
func TestVerifyCoreutilsOutput(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum not on PATH")
	}
	dir, files := adapterDir(t)
	var names []string
	for rel := range files {
		names = append(names, rel)
	}
	for _, flags := range [][]string{{"-t"}, {"-b"}, {"--tag"}} {
		out := filepath.Join(t.TempDir(), "SUMS")
		cmd := exec.Command("sha256sum", append(flags, names...)...)
		cmd.Dir = dir
		b, err := cmd.Output()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(out, b, 0o644))
		mc, err := VerifyManifest(context.Background(), dir, out)
		require.NoError(t, err, "%v", flags)
		assert.Empty(t, mc.Findings, "%v", flags)
		require.Len(t, mc.Files, len(files))
		for _, f := range mc.Files {
			assert.Equal(t, FileOK, f.Status, "%v %q", flags, f.Path)
			assert.Equal(t, sha(files[f.Path]), f.Got)
		}
	}
}

func TestParseSums(t *testing.T) {
	h := sha([]byte("x"))
	tests := []struct {
		line, name string
		bad        bool
	}{
		{h + "  a b", "a b", false},
		{h + " *a b", "a b", false},
		{h + "   lead", " lead", false},
		{strings.ToUpper(h) + "  up", "up", false},
		{`\` + h + `  a\\b\nc\rd`, "a\\b\nc\rd", false},
		{"SHA256 (x y) = " + h, "x y", false},
		{`\SHA256 (x\\y) = ` + h, `x\y`, false},
		{"SHA256 (a) = b) = " + h, "a) = b", false},
		{h + "  a\\b", `a\b`, false}, // unescaped lines take backslashes literally
		{"", "", true},
		{h, "", true},
		{h + "  ", "", true},
		{h + " a", "", true},
		{h + "\ta", "", true},
		{h[:63] + "  a", "", true},
		{h[:62] + "zz  a", "", true},
		{`\` + h + `  a\tb`, "", true},
		{`\` + h + `  a\`, "", true},
		{"SHA256 (a) " + h, "", true},
		{"SHA256 (a) = " + h[:10], "", true},
		{"MD5 (a) = " + h, "", true},
		{"# comment", "", true},
	}
	for _, tt := range tests {
		fc, why := parseSumsLine(tt.line)
		if tt.bad {
			assert.NotEmpty(t, why, "%q", tt.line)
			continue
		}
		assert.Empty(t, why, "%q", tt.line)
		assert.Equal(t, tt.name, fc.Path, "%q", tt.line)
		assert.Equal(t, h, fc.Want, "%q", tt.line)
	}
}

func TestVerifyMalformed(t *testing.T) {
	dir := t.TempDir()
	h := sha(nil)
	sums := filepath.Join(dir, "SUMS")
	require.NoError(t, os.WriteFile(sums, []byte(h+"  a\n"+h+"  b\nnot a checksum line\n"), 0o644))
	_, err := VerifyManifest(context.Background(), dir, sums)
	require.ErrorIs(t, err, ErrSumsSyntax)
	assert.Contains(t, err.Error(), sums+":3:")

	// No final newline is fine; a missing checksum file is an error.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), nil, 0o644))
	require.NoError(t, os.WriteFile(sums, []byte(h+"  a"), 0o644))
	mc, err := VerifyManifest(context.Background(), dir, sums)
	require.NoError(t, err)
	assert.Equal(t, []FileCheck{{Path: "a", Line: 1, Status: FileOK, Want: h, Got: h}}, mc.Files)
	assert.Empty(t, mc.Findings, "the checksum file itself is not unlisted")
	_, err = VerifyManifest(context.Background(), dir, filepath.Join(dir, "nope"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestWriteManifestAtomicFailure(t *testing.T) {
	for _, target := range []string{SumsFileName, ManifestFileName} {
		t.Run(target, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), []byte("{}"), 0o644))
			// A directory in the way makes the final rename fail.
			require.NoError(t, os.Mkdir(filepath.Join(dir, target), 0o755))
			_, err := WriteManifest(context.Background(), dir, ManifestConfig{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), target)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".tmp-", "temporary file left behind")
			}
		})
	}
}

func TestWriteManifestCancel(t *testing.T) {
	dir, _ := adapterDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := WriteManifest(ctx, dir, ManifestConfig{})
	require.ErrorIs(t, err, context.Canceled)
	_, err = os.Stat(filepath.Join(dir, SumsFileName))
	require.ErrorIs(t, err, os.ErrNotExist, "nothing written")
	sums := filepath.Join(t.TempDir(), "SUMS")
	require.NoError(t, os.WriteFile(sums, []byte(sha([]byte("{}"))+"  adapter_config.json\n"), 0o644))
	_, err = VerifyManifest(ctx, dir, sums)
	require.ErrorIs(t, err, context.Canceled)
}

// TestManifestInvalidSafetensors: the SHA-256 covers the whole file whatever the
// validator finds in it.
func TestManifestInvalidSafetensors(t *testing.T) {
	dir := t.TempDir()
	good := stBytes(f32T("w", 1, 2, 3))
	files := map[string][]byte{
		"truncated.safetensors": good[:len(good)-2],
		"trailing.safetensors":  append(append([]byte{}, good...), 1, 2, 3),
		"tiny.safetensors":      {1, 2, 3},
		"nan.safetensors":       stBytes(f32T("w", 1, float32(math.NaN()))),
		"header.safetensors":    append(lenPrefix(1000), "{}"...),
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	m, err := WriteManifest(context.Background(), dir, ManifestConfig{})
	require.NoError(t, err)
	require.Len(t, m.Files, len(files))
	for _, f := range m.Files {
		assert.Equal(t, sha(files[f.Path]), f.SHA256, f.Path)
		assert.Equal(t, int64(len(files[f.Path])), f.Size, f.Path)
		require.NotNil(t, f.Valid)
		assert.False(t, *f.Valid, f.Path)
	}
	assert.Len(t, m.Findings, len(files))
}
