package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/audit"
	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/internal/corpus"
)

func newAuditCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Look for data leaks before training: contamination, secrets, personal data",
		Long: `Audit the data of a fine-tune before it is trained: evaluation items that also
occur in the training data, and secrets or personal data in the training data.
See docs/audit.md.`,
	}
	cmd.AddCommand(newAuditDataCmd(e))
	return cmd
}

// defaultTextFields are the fields tried, in order, when --field is not given.
var defaultTextFields = []string{"text", "input", "prompt", "question", "instruction", "content"}

type auditOptions struct {
	train, eval     []string
	fields          []string
	idField         string
	ngram, chars    int
	partial, full   float64
	indexOut, index string
	results         string
	exclude         string
	allow           string
	noSecrets       bool
	format          string
	workers         int
	progress        string
}

func newAuditDataCmd(e *env) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "data --train FILE... --eval FILE...",
		Short: "Find evaluation items in the training data, and secrets and personal data in it",
		Long: `Index the word n-grams (or character windows) of the training files, score every
evaluation item by the share of its n-grams found there, and scan the training
files for secrets and personal data in the same pass.

Inputs are plain text (one item per line), JSONL, Arrow or Parquet, optionally
gzip- or zstd-compressed. From JSONL, Arrow and Parquet the text is the first of
the fields text, input, prompt, question, instruction, content present, or the
--field named (several --field are joined with a line break); an item is named
by its --id-field (a string, or a number in JSONL) when it has one, else by file:line.

Exit status: 0 clean, 2 when an evaluation item is at or above the partial
threshold or a secret or personal data was found, 1 on read errors or bad usage.`,
		Example: `  sophia-eval audit data --train train.jsonl --eval test.jsonl --field input --field output
  sophia-eval audit data --train big.jsonl.zst --index-out train.idx --no-secrets
  sophia-eval audit data --index train.idx --eval test.jsonl --results items.jsonl --exclude-out flagged.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditData(cmd.Context(), e, o, cmd)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.train, "train", nil, "training files (repeat the flag or separate with commas)")
	f.StringSliceVar(&o.eval, "eval", nil, "evaluation files (repeat the flag or separate with commas)")
	f.StringArrayVar(&o.fields, "field", nil, "JSONL key or Arrow/Parquet column holding the text; repeat to join several (default: first of text, input, prompt, question, instruction, content)")
	f.StringVar(&o.idField, "id-field", "id", "field naming an evaluation item; \"\" to name items by file:line")
	f.IntVar(&o.ngram, "ngram", audit.DefaultNGram, "words per n-gram")
	f.IntVar(&o.chars, "chars", 0, "character mode: windows of this many characters (GPT-4 used 50) instead of word n-grams")
	f.Float64Var(&o.partial, "partial", 0, "share of an item's n-grams in the training data at or above which it is partially contaminated (any overlap counts at 0)")
	f.Float64Var(&o.full, "full", audit.DefaultFull, "share at or above which an item is fully contaminated")
	f.StringVar(&o.indexOut, "index-out", "", "save the training index to this file (written atomically)")
	f.StringVar(&o.index, "index", "", "load the training index from this file instead of building it (--train files are then only scanned for secrets)")
	f.StringVar(&o.results, "results", "", "write one JSON line per evaluation item to this file (Parquet when the name ends in .parquet)")
	f.StringVar(&o.exclude, "exclude-out", "", "write the names of the contaminated evaluation items to this file, one per line")
	f.StringVar(&o.allow, "allow", "", "allow-list of known false positives: exact values, or re:REGEXP, one per line")
	f.BoolVar(&o.noSecrets, "no-secrets", false, "do not scan the training data for secrets and personal data")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.IntVar(&o.workers, "workers", 0, "worker goroutines (0 = one per CPU)")
	f.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always, never")
	cmd.MarkFlagsMutuallyExclusive("index", "index-out")
	return cmd
}

// docSource reads the items of several files as audit.Docs, counting the bytes
// read for the progress bar.
type docSource struct {
	e      *env
	o      *auditOptions
	files  []string
	ids    bool
	cur    []*corpus.Reader // one per field
	id     *corpus.Reader
	name   string
	opened []*os.File
	read   atomic.Int64
}

func (s *docSource) close() {
	for _, r := range s.cur {
		r.Close()
	}
	if s.id != nil {
		s.id.Close()
	}
	for _, f := range s.opened {
		f.Close()
	}
	s.cur, s.id, s.opened = nil, nil, nil
}

// countingFile counts the bytes read from a file, by Read and by ReadAt.
type countingFile struct {
	*os.File
	n *atomic.Int64
}

func (c countingFile) Read(b []byte) (int, error) {
	n, err := c.File.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (c countingFile) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.File.ReadAt(b, off)
	c.n.Add(int64(n))
	return n, err
}

func (s *docSource) open(name string, cfg corpus.Config, count bool) (*corpus.Reader, error) {
	if name == "-" {
		return corpus.NewReader(s.e.stdin, "<stdin>", cfg)
	}
	if !count {
		return corpus.Open(name, cfg)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	s.opened = append(s.opened, f)
	return corpus.NewReader(countingFile{f, &s.read}, name, cfg)
}

func (s *docSource) openNext() error {
	name := s.files[0]
	s.files = s.files[1:]
	s.name = name
	fields := s.o.fields
	if len(fields) == 0 {
		fields = []string{""}
	}
	if len(fields) > 1 && name == "-" {
		return errors.New("standard input can be read for one --field only")
	}
	for i, fl := range fields {
		cfg := corpus.Config{Field: fl}
		if fl == "" {
			cfg.Fields = defaultTextFields
		}
		r, err := s.open(name, cfg, i == 0)
		if err != nil {
			s.close()
			return err
		}
		s.cur = append(s.cur, r)
		if r.Format() == corpus.Text {
			break // a plain text file has no fields: its lines are the items
		}
	}
	if s.ids && s.o.idField != "" && name != "-" && s.cur[0].Format() != corpus.Text {
		// Items are named by their id when the first one has a string id (or, in JSONL, a number).
		if r, err := corpus.Open(name, corpus.Config{Field: s.o.idField, NumbersAsText: true}); err == nil {
			_, err = r.Next()
			r.Close()
			if err == nil {
				if s.id, err = corpus.Open(name, corpus.Config{Field: s.o.idField, NumbersAsText: true}); err != nil {
					s.close()
					return err
				}
			}
		}
	}
	return nil
}

func (s *docSource) Next() (audit.Doc, error) {
	for {
		if len(s.cur) == 0 {
			if len(s.files) == 0 {
				return audit.Doc{}, io.EOF
			}
			if err := s.openNext(); err != nil {
				return audit.Doc{}, err
			}
		}
		it, err := s.cur[0].Next()
		if err == io.EOF {
			s.close()
			continue
		}
		if err != nil {
			return audit.Doc{}, err
		}
		d := audit.Doc{File: s.name, Line: it.Line, Text: itemText(it, nil)}
		for _, r := range s.cur[1:] {
			it2, err := r.Next()
			if err != nil {
				return audit.Doc{}, err
			}
			d.Text = itemText(it2, append([]byte(d.Text), '\n'))
		}
		if s.id != nil {
			it3, err := s.id.Next()
			if err != nil {
				return audit.Doc{}, err
			}
			if len(it3.Texts) > 0 {
				d.ID = it3.Texts[0]
			}
		}
		return d, nil
	}
}

// itemText joins the strings of an item (several references) with line breaks.
func itemText(it corpus.Item, prefix []byte) string {
	if len(it.Texts) == 1 && prefix == nil {
		return it.Texts[0]
	}
	b := prefix
	for i, t := range it.Texts {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, t...)
	}
	return string(b)
}

func fileSizes(names []string) int64 {
	var n int64
	for _, p := range names {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// withProgress runs f while a progress bar follows s's bytes read.
func (o *auditOptions) withProgress(e *env, label string, s *docSource, f func() error) error {
	total := fileSizes(s.files)
	show := o.progress == "always" || o.progress == "auto" && total >= 64<<20 && e.isTerminal(e.stderr)
	if !show {
		return f()
	}
	bar := newProgressBar(e.stderr, label)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			bar.update(s.read.Load(), total)
			select {
			case <-done:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	err := f()
	close(done)
	<-stopped
	bar.finish()
	return err
}

type auditReport struct {
	Index    indexJSON              `json:"index"`
	Datasets []audit.DatasetSummary `json:"datasets"`
	Items    []audit.Result         `json:"contaminated"`
	Secrets  []auditFindingJSON     `json:"secrets"`
}

type indexJSON struct {
	Mode       string `json:"mode"`
	N          int    `json:"n"`
	Texts      int64  `json:"texts"`
	Bytes      int64  `json:"bytes"`
	NGrams     int64  `json:"distinct_ngrams,omitempty"` // word mode
	Anchors    int64  `json:"anchors,omitempty"`         // character mode
	MemBytes   int64  `json:"memory_bytes"`
	LoadedFrom string `json:"loaded_from,omitempty"`
}

type auditFindingJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	File     string `json:"file"`
	Line     int64  `json:"line"`
	Column   int    `json:"column"`
	Excerpt  string `json:"excerpt"`
}

func runAuditData(ctx context.Context, e *env, o *auditOptions, cmd *cobra.Command) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("invalid --progress %q: want auto, always or never", o.progress)
	}
	if len(o.train) == 0 && o.index == "" {
		return errors.New("give --train files or an --index")
	}
	if len(o.eval) == 0 && o.indexOut == "" && o.noSecrets {
		return errors.New("nothing to do: give --eval files, --index-out, or scan for secrets")
	}
	if o.workers < 0 {
		return fmt.Errorf("invalid --workers %d: want 0 or more", o.workers)
	}
	c := audit.Config{NGram: o.ngram, Chars: o.chars, Partial: o.partial, Full: o.full, Workers: o.workers}
	if cmd.Flags().Changed("chars") && cmd.Flags().Changed("ngram") {
		return errors.New("--ngram and --chars exclude each other")
	}
	var sc *audit.Scanner
	if !o.noSecrets && len(o.train) > 0 {
		var allow io.Reader
		if o.allow != "" {
			f, err := os.Open(o.allow)
			if err != nil {
				return err
			}
			defer f.Close()
			allow = bufio.NewReader(f)
		}
		var err error
		if sc, err = audit.NewScanner(allow); err != nil {
			return fmt.Errorf("%s: %w", o.allow, err)
		}
	}

	var ix *audit.Index
	var secrets []audit.Finding
	rep := auditReport{Datasets: []audit.DatasetSummary{}, Items: []audit.Result{}, Secrets: []auditFindingJSON{}}
	if o.index != "" {
		f, err := os.Open(o.index)
		if err != nil {
			return err
		}
		ix, err = audit.ReadIndex(bufio.NewReaderSize(f, 1<<20))
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", o.index, err)
		}
		rep.Index.LoadedFrom = o.index
		ic := ix.Config()
		if !cmd.Flags().Changed("ngram") && !cmd.Flags().Changed("chars") {
			c.NGram, c.Chars = ic.NGram, ic.Chars
		}
		if sc != nil {
			src := &docSource{e: e, o: o, files: o.train}
			err := o.withProgress(e, "scanning", src, func() error {
				var err error
				secrets, err = audit.ScanSource(ctx, sc, src, o.workers)
				return err
			})
			src.close()
			if err != nil {
				return err
			}
		}
	} else {
		src := &docSource{e: e, o: o, files: o.train}
		err := o.withProgress(e, "indexing", src, func() error {
			var err error
			ix, secrets, err = audit.BuildIndex(ctx, c, src, sc)
			return err
		})
		src.close()
		if err != nil {
			return err
		}
		if o.indexOut != "" {
			if err := atomicfile.Write(o.indexOut, func(w io.Writer) error {
				_, err := ix.WriteTo(w)
				return err
			}); err != nil {
				return err
			}
		}
	}
	ic := ix.Config()
	rep.Index = indexJSON{Mode: "words", N: ic.NGram, Texts: ix.Texts, Bytes: ix.Bytes, MemBytes: ix.MemBytes(), LoadedFrom: rep.Index.LoadedFrom}
	if ic.Chars > 0 {
		rep.Index.Mode, rep.Index.N, rep.Index.Anchors = "chars", ic.Chars, ix.NGrams()
	} else {
		rep.Index.NGrams = ix.NGrams()
	}

	if len(o.eval) > 0 {
		src := &docSource{e: e, o: o, files: o.eval, ids: true}
		check := func(w io.Writer) error {
			return o.withProgress(e, "checking", src, func() error {
				sums, err := audit.CheckSource(ctx, c, ix, src, func(r *audit.Result) error {
					if r.Verdict != audit.Clean {
						rep.Items = append(rep.Items, *r)
					}
					if w != nil {
						return writeJSONLine(w, r)
					}
					return nil
				})
				rep.Datasets = sums
				return err
			})
		}
		var err error
		var all []audit.Result
		switch {
		case o.results != "" && isParquetName(o.results):
			// Parquet is written once all items are known.
			err = o.withProgress(e, "checking", src, func() error {
				sums, err := audit.CheckSource(ctx, c, ix, src, func(r *audit.Result) error {
					all = append(all, *r)
					if r.Verdict != audit.Clean {
						rep.Items = append(rep.Items, *r)
					}
					return nil
				})
				rep.Datasets = sums
				return err
			})
			if err == nil {
				err = atomicfile.Write(o.results, func(w io.Writer) error { return auditResultsParquet(w, all) })
			}
		case o.results != "":
			err = atomicfile.Write(o.results, func(w io.Writer) error {
				bw := bufio.NewWriterSize(w, 1<<16)
				if err := check(bw); err != nil {
					return err
				}
				return bw.Flush()
			})
		default:
			err = check(nil)
		}
		src.close()
		if err != nil {
			return err
		}
		if o.exclude != "" {
			if err := atomicfile.Write(o.exclude, func(w io.Writer) error {
				bw := bufio.NewWriter(w)
				for _, r := range rep.Items {
					fmt.Fprintln(bw, r.Name)
				}
				return bw.Flush()
			}); err != nil {
				return err
			}
		}
	}
	for _, f := range secrets {
		rep.Secrets = append(rep.Secrets, auditFindingJSON{f.Severity.String(), f.Code, f.File, f.Line, f.Column, f.Excerpt})
	}

	out := cmd.OutOrStdout()
	if o.format == "json" {
		if err := writeJSONLine(out, rep); err != nil {
			return err
		}
	} else {
		printAudit(out, &rep, sc != nil)
	}
	if len(rep.Items) > 0 || len(rep.Secrets) > 0 {
		return silentExit(ExitFindings)
	}
	return nil
}

func printAudit(w io.Writer, rep *auditReport, scanned bool) {
	x := rep.Index
	count := fmt.Sprintf("%d distinct word %d-grams", x.NGrams, x.N)
	if x.Mode == "chars" {
		count = fmt.Sprintf("%d-character windows through %d anchors", x.N, x.Anchors)
	}
	src := "training data"
	if x.LoadedFrom != "" {
		src = "index " + x.LoadedFrom
	}
	fmt.Fprintf(w, "%s: %s, %s, %s (%s in memory)\n", src, plural(int(x.Texts), "text"), humanBytes(x.Bytes), count, humanBytes(x.MemBytes))
	for _, d := range rep.Datasets {
		fmt.Fprintf(w, "%s: %s: %d clean, %d partially contaminated, %d fully contaminated (%s)\n",
			d.File, plural(d.Items, "item"), d.Clean, d.Partial, d.Full, plural(d.Exact, "exact duplicate"))
	}
	for _, r := range rep.Items {
		fmt.Fprintf(w, "  %s %s: %.3f of %d n-grams", r.Verdict, r.Name, r.Share, r.NGrams)
		if r.Exact {
			fmt.Fprint(w, ", exact duplicate")
		}
		for i, s := range r.Spans {
			if i == 0 {
				fmt.Fprint(w, "; spans")
			}
			fmt.Fprintf(w, " %d-%d", s.Start, s.End)
		}
		fmt.Fprintln(w)
	}
	if scanned {
		fmt.Fprintf(w, "secrets and personal data: %s\n", plural(len(rep.Secrets), "finding"))
		for _, f := range rep.Secrets {
			fmt.Fprintf(w, "  %s:%d:%d: %s %s: %s\n", f.File, f.Line, f.Column, f.Severity, f.Code, f.Excerpt)
		}
	}
}
