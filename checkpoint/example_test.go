package checkpoint_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

// writeSafetensors writes a safetensors file: the header length, the JSON header
// and the tensor data.
func writeSafetensors(path, header string, data []byte) error {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return os.WriteFile(path, append(b, data...), 0o644)
}

// A Hugging Face sharded checkpoint whose index names a tensor that its shard
// does not hold: transformers would silently leave that weight randomly
// initialised.
func ExampleValidatePath_sharded() {
	dir, err := os.MkdirTemp("", "sharded")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	for _, s := range []struct{ file, tensor string }{
		{"model-00001-of-00002.safetensors", "embed.weight"},
		{"model-00002-of-00002.safetensors", "head.weight"},
	} {
		header := `{"__metadata__":{"format":"pt"},"` + s.tensor + `":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
		if err := writeSafetensors(filepath.Join(dir, s.file), header, make([]byte, 8)); err != nil {
			fmt.Println(err)
			return
		}
	}
	index := `{
  "metadata": {"total_size": 16},
  "weight_map": {
    "embed.weight": "model-00001-of-00002.safetensors",
    "head.weight": "model-00002-of-00002.safetensors",
    "norm.weight": "model-00002-of-00002.safetensors"
  }
}`
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644); err != nil {
		fmt.Println(err)
		return
	}

	rep, err := checkpoint.ValidatePath(context.Background(), dir, checkpoint.Config{})
	if err != nil {
		fmt.Println(err) // could not finish: unreadable directory, cancelled
		return
	}
	fmt.Println(rep.Kind, "valid:", rep.Valid(), "tensors:", len(rep.Tensors), "shards:", len(rep.Files))
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.Code, f.File, f.Tensor)
	}
	fmt.Println(errors.Is(rep.Err(), checkpoint.ErrTensorNotInShard))
	// Output:
	// safetensors-sharded valid: false tensors: 2 shards: 2
	// error tensor_not_in_shard model.safetensors.index.json norm.weight
	// true
}
