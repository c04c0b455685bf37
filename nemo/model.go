package nemo

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrModelConfig means the base model's model_config.yaml is missing or unusable.
var ErrModelConfig = errors.New("nemo: base model config unusable")

// maxModelConfig bounds the size of model_config.yaml read from an archive.
const maxModelConfig = 16 << 20

// ModelConfig holds the shape of a Megatron GPT model, from model_config.yaml.
type ModelConfig struct {
	HiddenSize        int    `yaml:"hidden_size" json:"hidden_size"`
	NumLayers         int    `yaml:"num_layers" json:"num_layers"`
	NumAttentionHeads int    `yaml:"num_attention_heads" json:"num_attention_heads"`
	FFNHiddenSize     int    `yaml:"ffn_hidden_size" json:"ffn_hidden_size"`
	NumQueryGroups    int    `yaml:"num_query_groups" json:"num_query_groups,omitempty"` // 0 or absent: = heads
	KVChannels        int    `yaml:"kv_channels" json:"kv_channels,omitempty"`           // 0 or absent: hidden/heads
	Activation        string `yaml:"activation" json:"activation,omitempty"`
}

// ParseModelConfig reads the keys of model_config.yaml that the LoRA size depends
// on. Unknown keys are ignored (the file has hundreds).
func ParseModelConfig(b []byte) (*ModelConfig, error) {
	var m ModelConfig
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: model_config.yaml: %v", ErrModelConfig, err)
	}
	var missing []string
	for _, k := range []struct {
		name string
		v    int
	}{{"hidden_size", m.HiddenSize}, {"num_layers", m.NumLayers}, {"num_attention_heads", m.NumAttentionHeads}, {"ffn_hidden_size", m.FFNHiddenSize}} {
		if k.v <= 0 {
			missing = append(missing, k.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: model_config.yaml has no positive %s", ErrModelConfig, strings.Join(missing, ", "))
	}
	if m.NumQueryGroups < 0 || m.KVChannels < 0 || m.NumQueryGroups > m.NumAttentionHeads {
		return nil, fmt.Errorf("%w: model_config.yaml: bad num_query_groups or kv_channels", ErrModelConfig)
	}
	return &m, nil
}

// ReadModelConfig reads model_config.yaml from a .nemo archive (tar, optionally
// gzip-compressed) or an unpacked model directory.
func ReadModelConfig(ctx context.Context, path string) (*ModelConfig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		b, err := os.ReadFile(filepath.Join(path, "model_config.yaml"))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrModelConfig, err)
		}
		return ParseModelConfig(b)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrModelConfig, path, err)
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: %s has no model_config.yaml", ErrModelConfig, path)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrModelConfig, path, err)
		}
		if strings.TrimPrefix(hdr.Name, "./") != "model_config.yaml" {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxModelConfig+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrModelConfig, path, err)
		}
		if len(b) > maxModelConfig {
			return nil, fmt.Errorf("%w: %s: model_config.yaml larger than %d bytes", ErrModelConfig, path, maxModelConfig)
		}
		return ParseModelConfig(b)
	}
}

// gated reports whether the MLP's first projection has two halves (GLU variants),
// which doubles its output width.
func (m *ModelConfig) gated() bool {
	a := strings.TrimPrefix(m.Activation, "fast-")
	return a == "swiglu" || a == "geglu" || a == "reglu"
}

// ModuleShapes returns the input and output widths of the four linear layers LoRA
// can adapt, under their NeMo 1.x names.
func (m *ModelConfig) ModuleShapes() map[string][2]int {
	heads := m.NumAttentionHeads
	groups := m.NumQueryGroups
	if groups == 0 {
		groups = heads
	}
	kv := m.KVChannels
	if kv == 0 {
		kv = m.HiddenSize / heads
	}
	fc1 := m.FFNHiddenSize
	if m.gated() {
		fc1 *= 2
	}
	return map[string][2]int{
		"attention_qkv":   {m.HiddenSize, (heads + 2*groups) * kv},
		"attention_dense": {heads * kv, m.HiddenSize},
		"mlp_fc1":         {m.HiddenSize, fc1},
		"mlp_fc2":         {m.FFNHiddenSize, m.HiddenSize},
	}
}

// LoRAParams returns the number of adapter parameters: for every layer and every
// adapted linear layer of width in x out, rank x (in + out) (the A and B matrices).
// Module names may be NeMo 1.x names or groups, or NeMo 2 names.
func (m *ModelConfig) LoRAParams(rank int, modules []string) int64 {
	shapes := m.ModuleShapes()
	var names []string
	for _, mod := range modules {
		mod = mod[strings.LastIndexByte(mod, '.')+1:]
		if eq := equivalentModule(mod, 1); eq != "" {
			mod = eq
		}
		names = append(names, mod)
	}
	var perLayer int64
	for _, n := range expandModules1(names) {
		if s, ok := shapes[n]; ok {
			perLayer += int64(rank) * int64(s[0]+s[1])
		}
	}
	return perLayer * int64(m.NumLayers)
}
