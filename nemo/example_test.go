package nemo_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sophia-ai/sophia-eval/nemo"
)

// Load a lora.yaml, run the hard checks, and render the NeMo launch command.
func Example() {
	c, err := nemo.Load("testdata/lora.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Resources.Container = "nvcr.io/nvidia/nemo:24.06" // the runbook's tag
	c.Training.GlobalBatchSize = 48
	findings, err := nemo.Check(context.Background(), c, nemo.CheckOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range findings {
		fmt.Printf("%s %s line %d: errors.Is(ErrBatch)=%v\n", f.Code, f.Path, f.Line, errors.Is(&f, nemo.ErrBatch))
	}

	c.Resources.Container = "nvcr.io/nvidia/nemo:24.05"
	c.Training.GlobalBatchSize = 32
	r, err := nemo.Render(c, nemo.RenderOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Release.NeMo, r.Overrides)
	// Output:
	// batch_not_divisible training.global_batch_size line 39: errors.Is(ErrBatch)=true
	// container_tag resources.container line 55: errors.Is(ErrBatch)=false
	// 2.0.0rc0 [+model.peft.lora_tuning.target_modules=[attention_qkv,attention_dense] +model.peft.lora_tuning.alpha=32]
}

// Parse reports unknown keys with their line, column and the closest valid key.
func ExampleParse() {
	_, err := nemo.Parse([]byte("lora:\n  rank: 8\n  apha: 16\n"))
	fmt.Println(err)
	var ke *nemo.KeyError
	fmt.Println(errors.As(err, &ke), ke.Suggestion, errors.Is(err, nemo.ErrUnknownKey))
	// Output:
	// line 3 column 3: lora.apha: nemo: unknown key: valid keys here: alpha, dropout, rank, target_modules (did you mean "alpha"?)
	// true alpha true
}
