// Package sophiaeval is the root of the sophia-eval module: a native Go library and
// command-line tool that evaluates and audits LoRA fine-tunes of large language models
// trained with NVIDIA NeMo.
//
// The module is cut into packages by job; this package holds no code. Start with:
//
//   - [github.com/sophia-ai/sophia-eval/bleu]: sacreBLEU-compatible BLEU (corpus and
//     sentence level, every tokenizer, smoothing, signatures, paired significance tests).
//   - [github.com/sophia-ai/sophia-eval/rouge]: rouge-score-compatible ROUGE-N, ROUGE-L
//     and ROUGE-Lsum with NLTK's Porter stemmer and the bootstrap aggregator.
//   - [github.com/sophia-ai/sophia-eval/winrate]: win rates from pairwise judgments with
//     AlpacaEval's figures, confidence intervals, significance tests and ratings.
//   - [github.com/sophia-ai/sophia-eval/checkpoint]: streaming checkpoint validation
//     (safetensors with the reference reader's rules, NaN/Inf, statistics, SHA-256) for
//     single files, sharded checkpoints, PEFT adapters, NeMo archives and torch zips.
//   - [github.com/sophia-ai/sophia-eval/gpu]: NVML inventory, pre-flight checks and
//     monitoring with alert rules, behind a device interface with a fake for tests.
//   - [github.com/sophia-ai/sophia-eval/nemo]: the fine-tune config (lora.yaml): strict
//     loading, the hard checks, the planning overview and NeMo configs and commands.
//
// Each scorer follows one shape: a Scorer built from a Config whose zero value gives the
// reference implementation's defaults; Segment computes the statistics of one item;
// Stats merge by summation, so shards can be scored anywhere and combined; Score turns
// merged Stats into the final numbers. Corpus scoring is parallel and bit-identical for
// any number of workers.
//
// The sophia-eval binary (cmd/sophia-eval) exposes the same functions to pipelines; see
// the README for its commands, flags, input formats and exit codes.
package sophiaeval
