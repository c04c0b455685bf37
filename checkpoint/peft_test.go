package checkpoint

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	modQ0 = "model.layers.0.self_attn.q_proj"
	modV0 = "model.layers.0.self_attn.v_proj"
	modQ1 = "model.layers.1.self_attn.q_proj"
	modV1 = "model.layers.1.self_attn.v_proj"
)

const baseLoRAConfig = `{
  "peft_type": "LORA",
  "task_type": "CAUSAL_LM",
  "r": 4,
  "lora_alpha": 8,
  "target_modules": ["q_proj", "v_proj"]
}`

// lora returns the lora_A [ra, in] and lora_B [out, rb] tensors of module.
func lora(rng *rand.Rand, module string, ra, rb, in, out uint64, zeroB bool) []stfile.Tensor {
	a := testTensor(rng, peftPrefix+module+".lora_A.weight", "F32", ra, in)
	b := testTensor(rng, peftPrefix+module+".lora_B.weight", "F32", out, rb)
	if zeroB {
		b.Data = make([]byte, len(b.Data))
	}
	return []stfile.Tensor{a, b}
}

// baseLoRA is a trained rank-4 adapter on q_proj (16 -> 16) and v_proj (16 -> 8)
// of two layers.
func baseLoRA(rng *rand.Rand) []stfile.Tensor {
	var ts []stfile.Tensor
	for _, m := range []string{modQ0, modQ1} {
		ts = append(ts, lora(rng, m, 4, 4, 16, 16, false)...)
	}
	for _, m := range []string{modV0, modV1} {
		ts = append(ts, lora(rng, m, 4, 4, 16, 8, false)...)
	}
	return ts
}

func withConfig(base string, set map[string]any) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		panic(err)
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func dropTensor(ts []stfile.Tensor, name string) []stfile.Tensor {
	var out []stfile.Tensor
	for _, t := range ts {
		if t.Name != name {
			out = append(out, t)
		}
	}
	return out
}

func writePEFT(t *testing.T, dir, config string, tensors []stfile.Tensor) {
	t.Helper()
	if config != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, peftConfigName), []byte(config), 0o644))
	}
	if tensors != nil {
		require.NoError(t, os.WriteFile(filepath.Join(dir, peftWeightsName),
			stfile.Build(tensors, map[string]string{"format": "pt"}), 0o644))
	}
}

func TestPEFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	dora := func(extra func(ts []stfile.Tensor) []stfile.Tensor) []stfile.Tensor {
		ts := baseLoRA(rng)
		for _, m := range []string{modQ0, modQ1} {
			ts = append(ts, testTensor(rng, peftPrefix+m+".lora_magnitude_vector", "F32", 16))
		}
		for _, m := range []string{modV0, modV1} {
			ts = append(ts, testTensor(rng, peftPrefix+m+".lora_magnitude_vector.weight", "F32", 8))
		}
		if extra != nil {
			ts = extra(ts)
		}
		return ts
	}
	tests := []struct {
		name    string
		config  string
		tensors []stfile.Tensor
		c       Config
		errs    []string // exact error codes, sorted
		warns   []string // exact warning codes, sorted
		check   func(t *testing.T, rep *Report)
	}{
		{name: "valid LoRA", config: baseLoRAConfig, tensors: baseLoRA(rng), check: func(t *testing.T, rep *Report) {
			require.Len(t, rep.Files, 1)
			require.Len(t, rep.Tensors, 8)
			assert.Equal(t, rep.Files[0].Size, rep.Size)
			assert.Equal(t, "pt", rep.Metadata["format"])
			for _, tn := range rep.Tensors {
				assert.Equal(t, peftWeightsName, tn.File)
				assert.Nil(t, tn.Stats, "Stats not asked for")
				assert.True(t, tn.Scanned)
			}
			assert.Nil(t, rep.Files[0].Tensors[0].Stats)
		}},
		{name: "valid with stats", config: baseLoRAConfig, tensors: baseLoRA(rng), c: Config{Stats: true},
			check: func(t *testing.T, rep *Report) {
				for _, tn := range rep.Tensors {
					assert.NotNil(t, tn.Stats)
				}
			}},
		{name: "r absent means 8", config: withConfig(baseLoRAConfig, map[string]any{"r": nil}),
			tensors: baseLoRA(rng), errs: []string{CodeAdapterShape, CodeAdapterShape, CodeAdapterShape, CodeAdapterShape}},
		{name: "rank_pattern", config: withConfig(baseLoRAConfig, map[string]any{"rank_pattern": map[string]int{`layers\.1\.self_attn\.q_proj`: 8}}),
			tensors: append(dropTensor(dropTensor(baseLoRA(rng), peftPrefix+modQ1+".lora_A.weight"), peftPrefix+modQ1+".lora_B.weight"),
				lora(rng, modQ1, 8, 8, 16, 16, false)...)},
		{name: "rank_pattern not honoured", config: withConfig(baseLoRAConfig, map[string]any{"rank_pattern": map[string]int{`layers\.1\.self_attn\.q_proj`: 8}}),
			tensors: baseLoRA(rng), errs: []string{CodeAdapterShape}, check: func(t *testing.T, rep *Report) {
				f := findCode(rep, CodeAdapterShape)
				assert.Equal(t, peftPrefix+modQ1+".lora_A.weight", f.Tensor)
				assert.Contains(t, f.Error(), `rank_pattern "layers\\.1\\.self_attn\\.q_proj" gives 8`)
			}},
		{name: "rank_pattern key Go cannot compile", config: withConfig(baseLoRAConfig, map[string]any{"rank_pattern": map[string]int{`(?=layers\.1)q_proj`: 8}}),
			tensors: append(dropTensor(dropTensor(baseLoRA(rng), peftPrefix+modQ1+".lora_A.weight"), peftPrefix+modQ1+".lora_B.weight"),
				lora(rng, modQ1, 8, 8, 16, 16, false)...),
			warns: []string{CodeAdapterPattern, CodeAdapterShape}},
		{name: "wrong r in A", config: baseLoRAConfig,
			tensors: append(dropTensor(baseLoRA(rng), peftPrefix+modQ0+".lora_A.weight"), testTensor(rng, peftPrefix+modQ0+".lora_A.weight", "F32", 3, 16)),
			errs:    []string{CodeAdapterShape}, check: func(t *testing.T, rep *Report) {
				f := findCode(rep, CodeAdapterShape)
				assert.Equal(t, peftPrefix+modQ0+".lora_A.weight", f.Tensor)
				assert.Equal(t, peftWeightsName, f.File)
				assert.ErrorIs(t, f, ErrAdapterShape)
			}},
		{name: "wrong r in B", config: baseLoRAConfig,
			tensors: append(dropTensor(baseLoRA(rng), peftPrefix+modV1+".lora_B.weight"), testTensor(rng, peftPrefix+modV1+".lora_B.weight", "F32", 8, 5)),
			errs:    []string{CodeAdapterShape}, check: func(t *testing.T, rep *Report) {
				assert.Equal(t, peftPrefix+modV1+".lora_B.weight", findCode(rep, CodeAdapterShape).Tensor)
			}},
		{name: "A and B agree on the wrong rank", config: baseLoRAConfig,
			tensors: append(dropTensor(dropTensor(baseLoRA(rng), peftPrefix+modQ0+".lora_A.weight"), peftPrefix+modQ0+".lora_B.weight"),
				lora(rng, modQ0, 2, 2, 16, 16, false)...),
			errs: []string{CodeAdapterShape}},
		{name: "A and B disagree with r and each other", config: baseLoRAConfig,
			tensors: append(dropTensor(dropTensor(baseLoRA(rng), peftPrefix+modQ0+".lora_A.weight"), peftPrefix+modQ0+".lora_B.weight"),
				lora(rng, modQ0, 2, 3, 16, 16, false)...),
			errs: []string{CodeAdapterShape, CodeAdapterShape, CodeAdapterShape}},
		{name: "missing B", config: baseLoRAConfig, tensors: dropTensor(baseLoRA(rng), peftPrefix+modV0+".lora_B.weight"),
			errs: []string{CodeAdapterPair}, check: func(t *testing.T, rep *Report) {
				assert.Equal(t, peftPrefix+modV0+".lora_A.weight", findCode(rep, CodeAdapterPair).Tensor)
			}},
		{name: "missing A", config: baseLoRAConfig, tensors: dropTensor(baseLoRA(rng), peftPrefix+modV0+".lora_A.weight"),
			errs: []string{CodeAdapterPair}},
		{name: "lora_B bias", config: baseLoRAConfig,
			tensors: append(baseLoRA(rng), testTensor(rng, peftPrefix+modQ0+".lora_B.bias", "F32", 16))},
		{name: "lora_B bias wrong length", config: baseLoRAConfig,
			tensors: append(baseLoRA(rng), testTensor(rng, peftPrefix+modQ0+".lora_B.bias", "F32", 4)),
			errs:    []string{CodeAdapterShape}},
		{name: "DoRA", config: withConfig(baseLoRAConfig, map[string]any{"use_dora": true}), tensors: dora(nil)},
		{name: "DoRA magnitude wrong length", config: withConfig(baseLoRAConfig, map[string]any{"use_dora": true}),
			tensors: dora(func(ts []stfile.Tensor) []stfile.Tensor {
				return append(dropTensor(ts, peftPrefix+modV0+".lora_magnitude_vector.weight"),
					testTensor(rng, peftPrefix+modV0+".lora_magnitude_vector.weight", "F32", 16))
			}), errs: []string{CodeDoRAShape}, check: func(t *testing.T, rep *Report) {
				assert.Equal(t, peftPrefix+modV0+".lora_magnitude_vector.weight", findCode(rep, CodeDoRAShape).Tensor)
			}},
		{name: "DoRA magnitude missing", config: withConfig(baseLoRAConfig, map[string]any{"use_dora": true}),
			tensors: dora(func(ts []stfile.Tensor) []stfile.Tensor {
				return dropTensor(ts, peftPrefix+modQ1+".lora_magnitude_vector")
			}), errs: []string{CodeDoRAMissing}},
		{name: "DoRA magnitude without use_dora", config: baseLoRAConfig, tensors: dora(nil),
			warns: []string{CodeDoRAUnexpected, CodeDoRAUnexpected, CodeDoRAUnexpected, CodeDoRAUnexpected}},
		{name: "module outside target_modules", config: baseLoRAConfig,
			tensors: append(baseLoRA(rng), lora(rng, "model.layers.0.self_attn.k_proj", 4, 4, 16, 16, false)...),
			warns:   []string{CodeModuleNotTargeted}, check: func(t *testing.T, rep *Report) {
				assert.Contains(t, findCode(rep, CodeModuleNotTargeted).Error(), "k_proj")
			}},
		{name: "excluded module", config: withConfig(baseLoRAConfig, map[string]any{"exclude_modules": []string{"layers.1.self_attn.v_proj"}}),
			tensors: baseLoRA(rng), warns: []string{CodeModuleNotTargeted}},
		{name: "target module unused", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"q_proj", "v_proj", "o_proj"}}),
			tensors: baseLoRA(rng), warns: []string{CodeTargetUnused}, check: func(t *testing.T, rep *Report) {
				assert.Equal(t, peftConfigName, findCode(rep, CodeTargetUnused).File)
			}},
		{name: "target_modules regex", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": `.*\.(q|v)_proj`}),
			tensors: baseLoRA(rng)},
		{name: "target_modules regex is a full match", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": `q_proj`}),
			tensors: baseLoRA(rng), warns: []string{CodeModuleNotTargeted, CodeModuleNotTargeted, CodeModuleNotTargeted, CodeModuleNotTargeted}},
		{name: "target_modules all-linear", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": "all-linear"}),
			tensors: append(baseLoRA(rng), lora(rng, "model.layers.0.mlp.up_proj", 4, 4, 16, 32, false)...)},
		{name: "target_modules of the wrong type", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": 3}),
			tensors: baseLoRA(rng), errs: []string{CodeAdapterConfig}},
		{name: "all-zero lora_B", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"q_proj"}}), tensors: func() []stfile.Tensor {
			var ts []stfile.Tensor
			for _, m := range []string{modQ0, modQ1} {
				ts = append(ts, lora(rng, m, 4, 4, 16, 16, true)...)
			}
			return ts
		}(), warns: []string{CodeAdapterUntrained}, check: func(t *testing.T, rep *Report) {
			assert.ErrorIs(t, findCode(rep, CodeAdapterUntrained), ErrAdapterUntrained)
			for _, tn := range rep.Tensors {
				assert.Nil(t, tn.Stats, "stats forced on for the check are dropped again")
			}
		}},
		{name: "one lora_B trained", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"q_proj"}}), tensors: append(lora(rng, modQ0, 4, 4, 16, 16, true),
			lora(rng, modQ1, 4, 4, 16, 16, false)...)},
		{name: "bad config JSON", config: "{\n  \"peft_type\": \"LORA\",\n  \"r\": 4\n  \"lora_alpha\": 8\n}",
			tensors: baseLoRA(rng), errs: []string{CodeAdapterConfigJSON}, check: func(t *testing.T, rep *Report) {
				f := findCode(rep, CodeAdapterConfigJSON)
				assert.Equal(t, peftConfigName, f.File)
				assert.Contains(t, f.Error(), "line 4, column 3")
				assert.Equal(t, int64(strings.Index("{\n  \"peft_type\": \"LORA\",\n  \"r\": 4\n  \"lora_alpha\"", `"lora_alpha"`)), f.Offset)
				var se *json.SyntaxError
				assert.ErrorAs(t, f, &se)
				assert.Len(t, rep.Files, 1, "the weights are still validated")
			}},
		{name: "r zero", config: withConfig(baseLoRAConfig, map[string]any{"r": 0}), tensors: baseLoRA(rng), errs: []string{CodeAdapterRank}},
		{name: "r negative", config: withConfig(baseLoRAConfig, map[string]any{"r": -4}), tensors: baseLoRA(rng), errs: []string{CodeAdapterRank}},
		{name: "r float", config: strings.Replace(baseLoRAConfig, `"r": 4`, `"r": 4.0`, 1), tensors: baseLoRA(rng), errs: []string{CodeAdapterRank}},
		{name: "r string", config: withConfig(baseLoRAConfig, map[string]any{"r": "4"}), tensors: baseLoRA(rng), errs: []string{CodeAdapterRank}},
		{name: "rank_pattern value zero", config: withConfig(baseLoRAConfig, map[string]any{"rank_pattern": map[string]int{"q_proj": 0}}),
			tensors: baseLoRA(rng), errs: []string{CodeAdapterRank}},
		{name: "peft_type missing", config: withConfig(baseLoRAConfig, map[string]any{"peft_type": nil}), tensors: baseLoRA(rng),
			errs: []string{CodePEFTTypeMissing}},
		{name: "peft_type not LORA skips shape checks", config: withConfig(baseLoRAConfig, map[string]any{"peft_type": "IA3"}),
			tensors: dropTensor(baseLoRA(rng), peftPrefix+modV0+".lora_B.weight"), warns: []string{CodePEFTTypeUnsupported}},
		{name: "unexpected tensor", config: baseLoRAConfig,
			tensors: append(baseLoRA(rng), testTensor(rng, "base_model.model.model.norm.weight", "F32", 16)),
			warns:   []string{CodeUnexpectedTensor}},
		{name: "adapter name left in", config: baseLoRAConfig,
			tensors: append(baseLoRA(rng), testTensor(rng, peftPrefix+modQ0+".lora_A.default.weight", "F32", 4, 16)),
			warns:   []string{CodeUnexpectedTensor}},
		{name: "modules_to_save", config: withConfig(baseLoRAConfig, map[string]any{"modules_to_save": []string{"score"}}),
			tensors: append(baseLoRA(rng), testTensor(rng, "base_model.model.score.weight", "F32", 2, 16),
				testTensor(rng, "base_model.model.score.bias", "F32", 2))},
		{name: "mixed dtypes", config: baseLoRAConfig,
			tensors: append(dropTensor(baseLoRA(rng), peftPrefix+modQ0+".lora_A.weight"), testTensor(rng, peftPrefix+modQ0+".lora_A.weight", "BF16", 4, 16)),
			warns:   []string{CodeAdapterDType}},
		{name: "embedding", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"embed_tokens"}}),
			tensors: []stfile.Tensor{testTensor(rng, peftPrefix+"model.embed_tokens.lora_embedding_A", "F32", 4, 100),
				testTensor(rng, peftPrefix+"model.embed_tokens.lora_embedding_B", "F32", 16, 4)}},
		{name: "embedding wrong rank", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"embed_tokens"}}),
			tensors: []stfile.Tensor{testTensor(rng, peftPrefix+"model.embed_tokens.lora_embedding_A", "F32", 4, 100),
				testTensor(rng, peftPrefix+"model.embed_tokens.lora_embedding_B", "F32", 16, 2)},
			errs: []string{CodeAdapterShape}},
		{name: "conv", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"conv"}, "use_dora": true}),
			tensors: []stfile.Tensor{testTensor(rng, peftPrefix+"unet.conv.lora_A.weight", "F32", 4, 3, 3, 3),
				testTensor(rng, peftPrefix+"unet.conv.lora_B.weight", "F32", 8, 4, 1, 1),
				testTensor(rng, peftPrefix+"unet.conv.lora_magnitude_vector", "F32", 1, 8, 1, 1)}},
		{name: "conv lora_B with a kernel", config: withConfig(baseLoRAConfig, map[string]any{"target_modules": []string{"conv"}}),
			tensors: []stfile.Tensor{testTensor(rng, peftPrefix+"unet.conv.lora_A.weight", "F32", 4, 3, 3, 3),
				testTensor(rng, peftPrefix+"unet.conv.lora_B.weight", "F32", 8, 4, 3, 3)},
			errs: []string{CodeAdapterShape}},
		{name: "no LoRA tensors", config: withConfig(baseLoRAConfig, map[string]any{"modules_to_save": []string{"score"}}),
			tensors: []stfile.Tensor{testTensor(rng, "base_model.model.score.weight", "F32", 2, 16)},
			errs:    []string{CodeAdapterEmpty}},
		{name: "weights missing", config: baseLoRAConfig, errs: []string{CodeAdapterWeightsMissing}},
		{name: "invalid weights file", config: baseLoRAConfig, tensors: []stfile.Tensor{}, check: func(t *testing.T, rep *Report) {
			assert.Len(t, rep.Files, 1)
		}, errs: []string{CodeAdapterEmpty}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writePEFT(t, dir, tt.config, tt.tensors)
			rep, err := ValidatePath(context.Background(), dir, tt.c)
			require.NoError(t, err)
			assert.Equal(t, KindPEFT, rep.Kind)
			assert.Equal(t, dir, rep.Path)
			assert.Equal(t, tt.errs, sortedCodes(rep, Error), "findings: %v", rep.Findings)
			assert.Equal(t, tt.warns, sortedCodes(rep, Warning), "findings: %v", rep.Findings)
			for _, f := range rep.Findings {
				assert.NotEmpty(t, f.File, f.Code)
			}
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

func TestPEFTLegacyBin(t *testing.T) {
	dir := t.TempDir()
	writePEFT(t, dir, baseLoRAConfig, nil)
	require.NoError(t, os.WriteFile(filepath.Join(dir, peftLegacyName), []byte("PK\x03\x04"), 0o644))
	rep, err := ValidatePath(context.Background(), dir, Config{})
	require.NoError(t, err)
	assert.True(t, rep.Valid())
	assert.Equal(t, []string{CodeAdapterWeightsPickle}, codes(rep, Warning))
	assert.Empty(t, rep.Files)
}

func TestEffectiveRank(t *testing.T) {
	mk := func(keys ...string) *loraConfig {
		cfg := &loraConfig{r: 8}
		for i, k := range keys {
			re, err := compilePyPattern(`(.*\.)?(`+k+`)$`, false)
			require.NoError(t, err, k)
			cfg.rankPattern = append(cfg.rankPattern, rankKey{key: k, re: re, r: int64(16 * (i + 1))})
		}
		return cfg
	}
	tests := []struct {
		keys   []string
		module string
		want   int64
	}{
		{[]string{"q_proj"}, modQ0, 16},
		{[]string{"proj"}, modQ0, 8}, // a whole dotted component is needed
		{[]string{"self_attn.q_proj"}, modQ0, 16},
		{[]string{`layers\.0\..*`}, modQ0, 16},
		{[]string{`layers\.0\..*`}, modQ1, 8},
		{[]string{"model.layers.0.self_attn.q_proj"}, modQ0, 16},
		{[]string{"v_proj", "q_proj"}, modQ0, 32}, // first key that matches
		{[]string{"q_proj", `layers\.0\..*`}, modQ0, 16},
		{[]string{"k_proj|q_proj"}, modQ0, 16}, // alternation stays inside the group
		{[]string{`q_proj\Z`}, modQ0, 16},      // Python's \Z
		{[]string{`[qk]_proj`}, modQ0, 16},
		{[]string{`x{,3}q_proj`}, modQ0, 16}, // Python's {,n}
		{[]string{`q_pro`}, modQ0, 8},
	}
	for _, tt := range tests {
		got, _ := mk(tt.keys...).effectiveRank(tt.module)
		assert.Equal(t, tt.want, got, "%v on %s", tt.keys, tt.module)
	}
}

func TestPyToGoRegexp(t *testing.T) {
	tests := []struct {
		in, want string
		compiles bool
	}{
		{`a\Z`, `a\z`, true},
		{`[\Z]`, `[\Z]`, false},
		{`a{,3}`, `a{0,3}`, true},
		{`a{,}`, `a{0,}`, true},
		{`a{,x}`, `a{,x}`, true},
		{`[{,3}]`, `[{,3}]`, true},
		{`[]a]`, `[\]a]`, true},
		{`[^]a]`, `[^\]a]`, true},
		{`(?P<n>x)`, `(?P<n>x)`, true},
		{`(?=x)`, `(?=x)`, false},
		{`(x)\1`, `(x)\1`, false},
	}
	for _, tt := range tests {
		got, err := pyToGoRegexp(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.in)
		_, err = compilePyPattern(tt.in, true)
		assert.Equal(t, tt.compiles, err == nil, "%s: %v", tt.in, err)
	}
	_, err := pyToGoRegexp(`a\`)
	assert.Error(t, err)
}
