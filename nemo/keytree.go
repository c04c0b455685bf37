package nemo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// keytree.json is derived from NeMo's megatron_gpt_finetuning_config.yaml; its
// "about" field says how.
//
//go:embed keytree.json
var keytreeJSON []byte

// Key is one dotted key of NeMo's fine-tuning config, with its YAML type (mapping,
// int, float, str, bool, list, null, required, interpolation) and default.
type Key struct {
	Path    string
	Type    string
	Default any
}

// KeyTree is the fine-tuning config of one NeMo version, in the YAML's order.
type KeyTree struct {
	NeMo   string
	Commit string
	Keys   []Key
	index  map[string]int
}

// Has reports whether path is a key of the tree.
func (t *KeyTree) Has(path string) bool { _, ok := t.index[path]; return ok }

// Lookup returns the key at path.
func (t *KeyTree) Lookup(path string) (Key, bool) {
	i, ok := t.index[path]
	if !ok {
		return Key{}, false
	}
	return t.Keys[i], true
}

var (
	keytreeOnce sync.Once
	keytrees    map[string]*KeyTree
	keytreeErr  error
)

// FinetuningKeys returns the key tree of megatron_gpt_finetuning_config.yaml in the
// container with the given tag (24.05 or 24.07).
func FinetuningKeys(tag string) (*KeyTree, error) {
	keytreeOnce.Do(func() {
		var raw struct {
			Versions map[string]struct {
				NeMo   string  `json:"nemo"`
				Commit string  `json:"commit"`
				Keys   [][]any `json:"keys"`
			} `json:"versions"`
		}
		if keytreeErr = json.Unmarshal(keytreeJSON, &raw); keytreeErr != nil {
			return
		}
		keytrees = map[string]*KeyTree{}
		for tag, v := range raw.Versions {
			t := &KeyTree{NeMo: v.NeMo, Commit: v.Commit, index: map[string]int{}}
			for _, k := range v.Keys {
				if len(k) != 3 {
					keytreeErr = fmt.Errorf("nemo: keytree.json: bad entry %v", k)
					return
				}
				p, _ := k[0].(string)
				ty, _ := k[1].(string)
				def := k[2]
				if f, ok := def.(float64); ok && ty == "int" {
					def = int(f) // JSON numbers decode as float64
				}
				t.index[p] = len(t.Keys)
				t.Keys = append(t.Keys, Key{Path: p, Type: ty, Default: def})
			}
			keytrees[tag] = t
		}
	})
	if keytreeErr != nil {
		return nil, keytreeErr
	}
	t, ok := keytrees[tag]
	if !ok {
		return nil, fmt.Errorf("nemo: no NeMo 1.x key tree for container %s", tag)
	}
	return t, nil
}
