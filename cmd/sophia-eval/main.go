// Command sophia-eval evaluates and audits LoRA fine-tunes of large language models:
// BLEU, ROUGE and win-rate scoring, checkpoint validation, GPU checks and the NeMo run.
// Run "sophia-eval --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sophia-ai/sophia-eval/cmd/sophia-eval/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
