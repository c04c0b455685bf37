package nemo

import (
	"fmt"
	"slices"
	"strings"
)

// Release is a NeMo Framework container release.
type Release struct {
	Tag  string // container tag, "24.07"
	NeMo string // NeMo version inside, "2.0.0rc1"
	// Gen is 1 where fine-tuning goes through the NeMo 1.x Hydra script
	// megatron_gpt_finetuning.py, 2 where it goes through NeMo 2 (nemo llm finetune).
	Gen int
}

// Releases are the NeMo Framework containers sophia-eval knows, from NVIDIA's
// "Software Component Versions" table. There is no 24.06.
var Releases = []Release{
	{"24.01", "1.23.0", 1},
	{"24.03", "1.23.0", 1},
	{"24.05", "2.0.0rc0", 1},
	{"24.07", "2.0.0rc1", 1},
	{"24.09", "2.0.0", 2},
	{"24.12", "2.1.0", 2},
	{"25.02", "2.2.0", 2},
	{"25.04", "2.3.0", 2},
}

// KnownTags lists the tags of Releases.
func KnownTags() []string {
	t := make([]string, len(Releases))
	for i, r := range Releases {
		t[i] = r.Tag
	}
	return t
}

// ContainerTag returns the tag of an image reference such as
// nvcr.io/nvidia/nemo:24.07 (also nvcr.io#nvidia/nemo:24.07 as pyxis writes it).
func ContainerTag(image string) string {
	i := strings.LastIndexByte(image, ':')
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	return image[i+1:]
}

// LookupRelease returns the release of an image reference. A patch suffix
// ("24.05.01", "24.07-py3") maps to its base release.
func LookupRelease(image string) (Release, error) {
	tag := ContainerTag(image)
	if tag == "" {
		return Release{}, fmt.Errorf("image %q has no tag", image)
	}
	base := tag
	if len(base) > 5 && (base[5] == '.' || base[5] == '-') {
		base = base[:5]
	}
	for _, r := range Releases {
		if r.Tag == base {
			return r, nil
		}
	}
	return Release{}, fmt.Errorf("%q is not a NeMo Framework release; known: %s", tag, strings.Join(KnownTags(), ", "))
}

// NeMo 1.x and NeMo 2 names of the LoRA target modules. NeMo 1.x also accepts the
// groups attention, mlp and all.
var (
	targetModules1 = []string{"attention_qkv", "attention_dense", "mlp_fc1", "mlp_fc2", "attention", "mlp", "all"}
	targetModules2 = []string{"linear_qkv", "linear_proj", "linear_fc1", "linear_fc2"}
	// module1To2 maps NeMo 1.x names onto NeMo 2 names.
	module1To2 = map[string]string{"attention_qkv": "linear_qkv", "attention_dense": "linear_proj", "mlp_fc1": "linear_fc1", "mlp_fc2": "linear_fc2"}
)

// TargetModules returns the valid LoRA target module names for a generation.
func TargetModules(gen int) []string {
	if gen == 2 {
		return append([]string(nil), targetModules2...)
	}
	return append([]string(nil), targetModules1...)
}

// expandModules1 turns NeMo 1.x names and groups into the four module names.
func expandModules1(mods []string) []string {
	var out []string
	seen := map[string]bool{}
	addm := func(m string) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, m := range mods {
		switch m {
		case "attention":
			addm("attention_qkv")
			addm("attention_dense")
		case "mlp":
			addm("mlp_fc1")
			addm("mlp_fc2")
		case "all":
			for _, x := range targetModules1[:4] {
				addm(x)
			}
		default:
			addm(m)
		}
	}
	return out
}

// validModule reports whether m names a target module of generation gen. NeMo 2
// also accepts wildcard paths whose last component is a module name
// ("*.layers.0.*.linear_qkv").
func validModule(m string, gen int) bool {
	if gen == 2 {
		return slices.Contains(targetModules2, m[strings.LastIndexByte(m, '.')+1:])
	}
	return slices.Contains(targetModules1, m)
}

// equivalentModule returns the other generation's name for m, or "".
func equivalentModule(m string, gen int) string {
	if gen == 2 {
		return module1To2[m]
	}
	for k, v := range module1To2 {
		if v == m {
			return k
		}
	}
	return ""
}
