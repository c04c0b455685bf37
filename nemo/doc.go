// Package nemo reads the fine-tune configuration lora.yaml, checks it against the
// rules a NeMo LoRA run depends on, renders the NeMo experiment config and launch
// command for the container's NeMo version, and computes the planning overview.
//
// The pure parts (Parse, CheckConfig, Render, NewPlan) take values and return values;
// the parts that touch the file system (Load, Check, Inspect, ReadModelConfig) are
// kept apart so the pure ones can be tested with golden files. Nothing here prints or
// exits: findings are values (Finding), and a returned error means "could not finish".
//
// See docs/nemo.md for the lora.yaml reference.
package nemo
