package standin

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// hydraConfig is the Hydra config of megatron_gpt_finetuning.py after the
// command-line overrides: nested maps of YAML values.
type hydraConfig struct {
	root map[string]any
}

// loadHydra reads <configPath>/<configName>.yaml and applies the overrides
// (key=value, +key=value, ++key=value) in order. Values are read as YAML, which
// covers Hydra's grammar for the scalars and flat lists a launch passes.
func loadHydra(configPath, configName string, overrides []string) (*hydraConfig, error) {
	if configPath == "" || configName == "" {
		return nil, fmt.Errorf("standin: --config-path and --config-name are required")
	}
	name := configName
	if filepath.Ext(name) == "" {
		name += ".yaml"
	}
	path := filepath.Join(configPath, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("standin: reading the config: %w", err)
	}
	h := &hydraConfig{root: map[string]any{}}
	if err := yaml.Unmarshal(b, &h.root); err != nil {
		return nil, fmt.Errorf("standin: %s: %w", path, err)
	}
	if h.root == nil {
		h.root = map[string]any{}
	}
	for _, o := range overrides {
		key, val, ok := strings.Cut(o, "=")
		if !ok {
			return nil, fmt.Errorf("standin: override %q is not key=value", o)
		}
		add := strings.HasPrefix(key, "+")
		key = strings.TrimLeft(key, "+")
		var v any
		if err := yaml.Unmarshal([]byte(val), &v); err != nil {
			v = val
		}
		if err := h.set(key, v, add); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// set sets the dotted key to v. Like Hydra in struct mode, a key missing from the
// config is an error unless the override adds it (+key=value).
func (h *hydraConfig) set(key string, v any, add bool) error {
	parts := strings.Split(key, ".")
	m := h.root
	for i, p := range parts {
		if i == len(parts)-1 {
			if _, ok := m[p]; !ok && !add {
				return fmt.Errorf("standin: could not override '%s': key not in the config (use +%s=...)", key, key)
			}
			m[p] = v
			return nil
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			if _, exists := m[p]; exists || !add {
				return fmt.Errorf("standin: could not override '%s': %s is not a mapping", key, strings.Join(parts[:i+1], "."))
			}
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	return nil
}

// lookup returns the value at the dotted key, resolving a value that is a whole
// ${other.key} interpolation (and ${name}-style references inside strings).
func (h *hydraConfig) lookup(key string) (any, bool) {
	return h.lookupDepth(key, 0)
}

func (h *hydraConfig) lookupDepth(key string, depth int) (any, bool) {
	if depth > 16 {
		return nil, false
	}
	var v any = h.root
	for _, p := range strings.Split(key, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	s, ok := v.(string)
	if !ok || !strings.Contains(s, "${") {
		return v, true
	}
	if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && strings.Count(s, "${") == 1 {
		return h.lookupDepth(s[2:len(s)-1], depth+1)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		ref, ok := h.lookupDepth(s[i+2:i+j], depth+1)
		if !ok {
			return nil, false
		}
		fmt.Fprint(&b, ref)
		s = s[i+j+1:]
	}
	return b.String(), true
}

func (h *hydraConfig) str(key, def string) string {
	v, ok := h.lookup(key)
	if !ok || v == nil {
		return def
	}
	return fmt.Sprint(v)
}

func (h *hydraConfig) int(key string, def int64) int64 {
	v, ok := h.lookup(key)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n
		}
	}
	return def
}

func (h *hydraConfig) float(key string, def float64) float64 {
	v, ok := h.lookup(key)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return f
		}
	}
	return def
}

func (h *hydraConfig) bool(key string, def bool) bool {
	v, ok := h.lookup(key)
	if !ok {
		return def
	}
	if b, ok := v.(bool); ok {
		return b
	}
	return def
}

func (h *hydraConfig) strings(key string) []string {
	v, ok := h.lookup(key)
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}
