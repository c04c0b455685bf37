package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/internal/sample"
	"github.com/sophia-ai/sophia-eval/nemo"
)

type demoOptions struct {
	dir       string
	format    string
	stepDelay string
}

func newDemoCmd(e *env) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk through the whole fine-tune runbook on an embedded sample project",
		Long: `demo runs the team's fine-tune runbook from start to end on a small project
built into the binary, in a few seconds, with no GPU and no NeMo: a LoRA config
(lora.yaml), 28 training and 4 validation dialogues, 20 evaluation questions,
the data inventory, a base model config and the baseline model's predictions.

It writes the project into --dir (default: a new temporary directory, kept so
you can look at everything afterwards) and runs, as a user would, the commands
of each step, printing each command before its output:

  1. nemo check     the hard checks of the config (exit 2 would stop here)
  2. audit data     evaluation items found in the training data, secrets and
                    personal data in the training data
  3. nemo plan      the planning overview
  4. nemo launch    GPU pre-flight (skipped without an NVIDIA driver), render
                    the NeMo config, run the trainer — here sophia-eval's
                    stand-in for NeMo's megatron_gpt_finetuning.py, which writes
                    checkpoints and predictions the way NeMo does — and
                    validate and compare every checkpoint as it lands
  5. score          BLEU, ROUGE-L and win rate of the fine-tuned predictions
                    against the baseline, with intervals, paired tests and the
                    config's acceptance gates
  6. sample         the human-review sample
  7. nemo publish   the final adapter and configs versioned with SHA256SUMS

A step that fails stops the demo with that step's exit code. --format json
runs every step with --format json and prints one object with each step's
command, exit code and result.`,
		Example: `  sophia-eval demo
  sophia-eval demo --dir ./sophia-demo && ls ./sophia-demo/orchestration_journal/models`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			return runDemo(cmd, e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "write the project here (a new or empty directory; default: a new temporary directory)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.StringVar(&o.stepDelay, "step-delay", "10ms", "time the stand-in trainer takes per training step")
	return cmd
}

// demoStep is one command of the demo.
type demoStep struct {
	Title   string          `json:"title"`
	Command string          `json:"command"`
	Exit    int             `json:"exit_code"`
	Result  json.RawMessage `json:"result,omitempty"`
	args    []string
}

func runDemo(cmd *cobra.Command, e *env, o *demoOptions) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("demo: the path of this binary, which runs the stand-in trainer: %w", err)
	}
	dir, err := demoDir(o.dir)
	if err != nil {
		return err
	}
	if err := writeDemoProject(dir, exe, o.stepDelay, e.clock().Format("2006-01-02")); err != nil {
		return err
	}
	config := filepath.Join(dir, "lora.yaml")
	c, err := nemo.Load(config)
	if err != nil {
		return err
	}
	p := func(rel string) string { return filepath.Join(dir, rel) }
	rendered := p(nemo.DefaultRenderOut)
	preds := nemo.PredictionFiles(c)[0]
	models := p("orchestration_journal/models")
	metrics := filepath.Join(models, "finetune_metrics.json")
	steps := []*demoStep{
		{Title: "Check the fine-tune config", args: []string{"nemo", "check", config}},
		{Title: "Look for evaluation items in the training data, and for secrets in it", args: []string{"audit", "data",
			"--train", p("data/train_support.jsonl") + "," + p("data/train_faq.jsonl"), "--eval", p("data/eval.jsonl"),
			"--field", "input", "--field", "output", "--id-field", "id"}},
		{Title: "Plan the run", args: []string{"nemo", "plan", "--out", rendered, config}},
		{Title: "Launch: GPU pre-flight, render, train (stand-in for NeMo), validate every checkpoint as it lands",
			args: []string{"nemo", "launch", "--out", rendered, "--watch-interval", "100ms", config}},
		{Title: "Score the fine-tuned model against the baseline; apply the acceptance gates",
			args: []string{"score", "--config", config, "--out-dir", models, preds}},
		{Title: "Draw the human-review sample", args: []string{"sample", "--config", config,
			"--out", filepath.Join(models, "finetune_reviews.md"), preds}},
		{Title: "Publish the adapter with its configs and checksums", args: []string{"nemo", "publish",
			"--config", config, "--metrics", metrics, "--rendered-config", rendered, nemo.RunDir(c)}},
	}
	text := o.format == "text"
	if text {
		fmt.Fprintf(e.stdout, "sophia-eval demo: the fine-tune runbook on a sample project, with a stand-in trainer in place of NeMo\n")
		fmt.Fprintf(e.stdout, "project: %s\n", dir)
	}
	for i, s := range steps {
		s.Command = "sophia-eval " + nemo.ShellCommand(demoRel(dir, s.args))
		args := s.args
		var out bytes.Buffer
		sub := *e
		if text {
			fmt.Fprintf(e.stdout, "\n== %d/%d %s\n$ %s\n", i+1, len(steps), s.Title, s.Command)
		} else {
			args = append(append([]string(nil), args...), "--format", "json")
			sub.stdout = &out
		}
		s.Exit = runEnv(cmd.Context(), args, &sub)
		if !text {
			s.Result = demoResult(out.Bytes())
		}
		if s.Exit != ExitOK {
			if !text {
				_ = writeDemoJSON(e.stdout, dir, steps[:i+1])
			}
			return &exitError{code: s.Exit, err: fmt.Errorf("demo stopped at step %d (%s): exit code %d; the project is in %s", i+1, s.Title, s.Exit, dir)}
		}
	}
	if !text {
		return writeDemoJSON(e.stdout, dir, steps)
	}
	fmt.Fprintf(e.stdout, "\n== Where everything went (in %s)\n", dir)
	for _, w := range []struct{ path, what string }{
		{config, "the config (config/finetune/lora.yaml of the runbook)"},
		{rendered, "the rendered NeMo experiment config"},
		{nemo.RunDir(c), "NeMo's run directory: launch.log, launch_report.md/.json, checkpoints/, predictions/"},
		{filepath.Join(models, "finetune_metrics.md"), "the metrics table (also .json, per-item finetune_items.parquet, finetune_bootstrap.png)"},
		{filepath.Join(models, "finetune_reviews.md"), "the review sample for people to fill in"},
		{p(filepath.Join(c.Artifacts.Registry, c.Artifacts.Version)), "the published version: adapter/, configs/, reports/, release.json, SHA256SUMS"},
	} {
		if _, err := os.Stat(w.path); err == nil {
			fmt.Fprintf(e.stdout, "  %-58s %s\n", demoRel(dir, []string{w.path})[0], w.what)
		}
	}
	fmt.Fprintf(e.stdout, "\nRun the same on your own project: sophia-eval nemo check config/finetune/lora.yaml, then the commands above.\n")
	return nil
}

// demoDir returns the directory the project goes to: dir, which must be new or
// empty, or a new temporary directory.
func demoDir(dir string) (string, error) {
	if dir == "" {
		return os.MkdirTemp("", "sophia-eval-demo-")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	ents, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return abs, os.MkdirAll(abs, 0o755)
	case err != nil:
		return "", err
	case len(ents) > 0:
		return "", fmt.Errorf("demo: --dir %s is not empty; give a new or empty directory", dir)
	}
	return abs, nil
}

// writeDemoProject writes the embedded project into dir, with the stand-in
// trainer (this binary) as lora.yaml's run.trainer and today's version name.
func writeDemoProject(dir, exe, stepDelay, date string) error {
	proj := sample.Project()
	return fs.WalkDir(proj, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(proj, name)
		if err != nil {
			return err
		}
		if name == "lora.yaml" {
			trainer, err := json.Marshal([]string{exe, "standin-trainer", "--step-delay=" + stepDelay})
			if err != nil {
				return err
			}
			s := string(b)
			r := strings.NewReplacer(
				"  output_dir: results/sophia-lora\n",
				"  output_dir: results/sophia-lora\n"+
					"  # The stand-in for NeMo's megatron_gpt_finetuning.py: sophia-eval's own, for the demo.\n"+
					"  trainer: "+string(trainer)+"\n",
				"  version: sophia-finetune-2026-11-25\n", "  version: sophia-finetune-"+date+"\n")
			if s2 := r.Replace(s); strings.Count(s2, "\n") == strings.Count(s, "\n")+2 {
				b = []byte(s2)
			} else {
				return errors.New("demo: the embedded lora.yaml lacks run.output_dir or artifacts.version")
			}
		}
		return os.WriteFile(dst, b, 0o644)
	})
}

// demoRel shows the paths under dir in args relative to it.
func demoRel(dir string, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, dir+string(filepath.Separator), "")
	}
	return out
}

// demoResult is a step's JSON output: one value as it is, several JSON lines as
// an array, anything else as a string.
func demoResult(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return b
	}
	lines := bytes.Split(b, []byte("\n"))
	arr := []byte("[")
	for i, l := range lines {
		if !json.Valid(l) {
			s, _ := json.Marshal(string(b))
			return s
		}
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = append(arr, l...)
	}
	return append(arr, ']')
}

func writeDemoJSON(w io.Writer, dir string, steps []*demoStep) error {
	return writeJSONLine(w, struct {
		Project string      `json:"project"`
		Steps   []*demoStep `json:"steps"`
	}{dir, steps})
}
