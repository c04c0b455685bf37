package nemo

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/render")

// golden compares got with testdata/render/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "render", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./nemo -run TestRender -update to create it")
	assert.Equal(t, string(want), string(got))
}

// exampleFor loads the example config for the container tag, with NeMo 2 module
// names for NeMo 2 containers.
func exampleFor(t *testing.T, tag string) *Config {
	t.Helper()
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	c.Resources.Container = "nvcr.io/nvidia/nemo:" + tag
	if rel, _ := LookupRelease(c.Resources.Container); rel.Gen == 2 {
		for i, m := range c.LoRA.TargetModules {
			c.LoRA.TargetModules[i] = equivalentModule(m, 2)
		}
	}
	require.False(t, HasErrors(CheckConfig(c)), "%v", CheckConfig(c))
	return c
}

func commandText(r *Rendered) []byte {
	var b strings.Builder
	b.WriteString(r.Command + "\n")
	for _, n := range r.Notes {
		b.WriteString("# " + n + "\n")
	}
	return []byte(b.String())
}

func TestRenderGolden(t *testing.T) {
	for _, tag := range []string{"24.05", "24.07", "24.09", "24.12"} {
		t.Run(tag, func(t *testing.T) {
			r, err := Render(exampleFor(t, tag), RenderOptions{})
			require.NoError(t, err)
			if r.Release.Gen == 1 {
				golden(t, "sophia_lora-"+tag+".yaml", r.YAML)
				assert.Nil(t, r.Script)
			} else {
				assert.Nil(t, r.YAML)
				golden(t, "sophia_lora-"+tag+".py", r.Script)
			}
			golden(t, "command-"+tag+".txt", commandText(r))
		})
	}
}

func TestRender2405Trap(t *testing.T) {
	r, err := Render(exampleFor(t, "24.05"), RenderOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"+model.peft.lora_tuning.target_modules=[attention_qkv,attention_dense]",
		"+model.peft.lora_tuning.alpha=32",
	}, r.Overrides)
	assert.NotContains(t, string(r.YAML), "target_modules")
	assert.NotContains(t, string(r.YAML), "alpha")

	r, err = Render(exampleFor(t, "24.07"), RenderOptions{})
	require.NoError(t, err)
	assert.Empty(t, r.Overrides)
	assert.Contains(t, string(r.YAML), "target_modules: [attention_qkv, attention_dense]")
	assert.Contains(t, string(r.YAML), "alpha: 32")
}

func TestRenderCommand(t *testing.T) {
	r, err := Render(exampleFor(t, "24.07"), RenderOptions{ConfigFile: "/runs/configs/nemo/sophia_lora.yaml"})
	require.NoError(t, err)
	assert.Equal(t, []string{"python", FinetuningScript, "--config-path=/runs/configs/nemo", "--config-name=sophia_lora"}, r.Argv)

	r, err = Render(exampleFor(t, "24.09"), RenderOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"python", "configs/nemo/sophia_lora.py"}, r.Argv)
	assert.Equal(t, "configs/nemo/sophia_lora.py", r.ConfigFile)
	assert.Equal(t, filepath.Join("testdata", "results", "sophia-lora", "sophia-lora-dev", "dataset"), r.DatasetRoot)
	py := string(r.Script)
	assert.Contains(t, py, "from nemo.collections.llm.recipes import llama3_8b as recipe_module\n")
	assert.Contains(t, py, "    recipe.data = run.Config(\n        llm.FineTuningDataModule,\n        dataset_root=DATASET_ROOT,\n")
	assert.Contains(t, py, "recipe.peft.dim = 16\n")
	assert.Contains(t, py, "recipe.peft.alpha = 32\n")
	assert.Contains(t, py, `recipe.peft.target_modules = ["linear_qkv","linear_proj"]`)
	assert.Contains(t, py, "run.run(recipe, direct=True)")
	assert.NotContains(t, py, "dataset_kwargs", "NeMo 2.0.0 has none")

	r, err = Render(exampleFor(t, "24.12"), RenderOptions{ConfigFile: "/runs/nemo/x.yaml", DatasetRoot: "/data/staged"})
	require.NoError(t, err)
	assert.Equal(t, []string{"python", "/runs/nemo/x.py"}, r.Argv)
	assert.Contains(t, string(r.Script), `DATASET_ROOT = "/data/staged"`)
	assert.Contains(t, string(r.Script), `dataset_kwargs={"prompt_template": "{input} {output}"}`)
}

func TestRenderNeMo2Template(t *testing.T) {
	c := exampleFor(t, "24.12")
	c.Data.InputKey, c.Data.LabelKey, c.Data.PromptTemplate = "frage", "antwort", "Frage: {frage}\nAntwort: {antwort}"
	r, err := Render(c, RenderOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(r.Script), `dataset_kwargs={"prompt_template": "Frage: {input}\nAntwort: {output}"}`)

	c.Resources.Container = "nvcr.io/nvidia/nemo:24.09"
	r, err = Render(c, RenderOptions{})
	require.NoError(t, err)
	assert.NotContains(t, string(r.Script), "dataset_kwargs")
	assert.Contains(t, strings.Join(r.Notes, "\n"), "no dataset_kwargs")
}

func TestRenderErrors(t *testing.T) {
	c := exampleFor(t, "24.09")
	c.BaseModel.Recipe = ""
	_, err := Render(c, RenderOptions{})
	require.ErrorIs(t, err, ErrRender)
	assert.Contains(t, err.Error(), "base_model.recipe")

	c.BaseModel.Recipe = "llama3_8b; import os"
	_, err = Render(c, RenderOptions{})
	require.ErrorIs(t, err, ErrRender)
	assert.Contains(t, err.Error(), "not a recipe module name")

	c.BaseModel.Recipe = "llama3_8b"
	c.Data.Validation = nil
	_, err = Render(c, RenderOptions{})
	require.ErrorIs(t, err, ErrRender)
	assert.Contains(t, err.Error(), "validation.jsonl")

	c.Resources.Container = "nvcr.io/nvidia/nemo:24.06"
	_, err = Render(c, RenderOptions{})
	require.ErrorIs(t, err, ErrRender)
}

func TestFormatFloat(t *testing.T) {
	for in, want := range map[float64]string{1e-4: "0.0001", 1e-5: "1.0e-05", 0: "0.0", 0.05: "0.05", 3e20: "3.0e+20", 2.5: "2.5"} {
		assert.Equal(t, want, formatFloat(in))
	}
}

// yamlType is the key tree's type name of a YAML node.
func yamlType(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	switch n.Tag {
	case "!!int":
		return "int"
	case "!!float":
		return "float"
	case "!!bool":
		return "bool"
	case "!!null":
		return "null"
	}
	return "str"
}

// flatten lists every key path of a YAML mapping with its type.
func flatten(n *yaml.Node, prefix string, out map[string]string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		p := joinPath(prefix, n.Content[i].Value)
		v := n.Content[i+1]
		out[p] = yamlType(v)
		if v.Kind == yaml.MappingNode {
			flatten(v, p, out)
		}
	}
}

// typeOK reports whether a rendered value of type got may stand where NeMo's YAML
// has a default of type want. A null, required (???) or interpolated default takes
// any type; trainer.precision takes Lightning's strings ("bf16-mixed") as well.
func typeOK(path, want, got string) bool {
	switch {
	case want == got:
		return true
	case want == "null" || want == "required" || want == "interpolation":
		return got != "mapping"
	case path == "trainer.precision":
		return got == "str" || got == "int"
	}
	return false
}

func renderedKeys(t *testing.T, tag string) map[string]string {
	t.Helper()
	r, err := Render(exampleFor(t, tag), RenderOptions{})
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(r.YAML, &doc))
	got := map[string]string{}
	flatten(doc.Content[0], "", got)
	return got
}

// TestRenderKeysEmbedded checks the rendered YAML against the embedded key tree:
// every key of the tree present, none other, every type right.
func TestRenderKeysEmbedded(t *testing.T) {
	for _, tag := range []string{"24.05", "24.07"} {
		t.Run(tag, func(t *testing.T) {
			tree, err := FinetuningKeys(tag)
			require.NoError(t, err)
			got := renderedKeys(t, tag)
			assert.Len(t, got, len(tree.Keys))
			for p, ty := range got {
				k, ok := tree.Lookup(p)
				if assert.True(t, ok, "%s is not a key of NeMo %s", p, tree.NeMo) {
					assert.True(t, typeOK(p, k.Type, ty), "%s: %s where NeMo has %s", p, ty, k.Type)
				}
			}
		})
	}
}

// TestRenderKeysNeMoTree checks every rendered key path and type against NeMo's key
// tree as the team saved it (megatron_gpt_finetuning_keys.json in the shared data
// next to the module root). It is skipped where that file is absent.
func TestRenderKeysNeMoTree(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "nemo", "megatron_gpt_finetuning_keys.json"))
	if os.IsNotExist(err) {
		t.Skip("../shared/data/nemo/megatron_gpt_finetuning_keys.json is not there")
	}
	require.NoError(t, err)
	var raw struct {
		Configs map[string]map[string]json.RawMessage `json:"configs"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	for tag, version := range map[string]string{"24.05": "2.0.0rc0", "24.07": "2.0.0rc1"} {
		t.Run(tag, func(t *testing.T) {
			var keys []struct{ Path, Type string }
			for name, cfg := range raw.Configs {
				if strings.HasPrefix(name, version+" ") {
					require.NoError(t, json.Unmarshal(cfg["megatron_gpt_finetuning_config.yaml"], &keys))
				}
			}
			require.NotEmpty(t, keys, "no key tree for NeMo %s", version)
			types := map[string]string{}
			for _, k := range keys {
				types[k.Path] = k.Type
			}
			for p, ty := range renderedKeys(t, tag) {
				want, ok := types[p]
				if assert.True(t, ok, "%s is not a key of NeMo %s", p, version) {
					assert.True(t, typeOK(p, want, ty), "%s: %s where NeMo %s has %s", p, ty, version, want)
				}
			}
		})
	}
}
