package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/corpus"
)

// errLengths reports hypothesis and reference files with different segment counts.
var errLengths = errors.New("different numbers of segments")

// fieldCountError is a line of a -nr reference file with the wrong number of
// tab-separated fields; sacreBLEU exits with code 17 on it.
type fieldCountError struct {
	line      int64
	want, got int
}

func (e *fieldCountError) Error() string {
	return fmt.Sprintf("FATAL: line %d: expected %d fields, but found %d.", e.line, e.want, e.got)
}

// openCorpus opens a corpus file; "-" is stdin. A field named on the command line
// makes a file that reads as plain text an error (a JSONL file with a broken first
// line would otherwise be scored as text).
func openCorpus(e *env, name string, c corpus.Config) (*corpus.Reader, error) {
	var r *corpus.Reader
	var err error
	if name == "-" {
		r, err = corpus.NewReader(e.stdin, "<stdin>", c)
	} else {
		r, err = corpus.Open(name, c)
	}
	if err != nil {
		return nil, err
	}
	if c.Field != "" && r.Format() == corpus.Text {
		r.Close()
		return nil, fmt.Errorf("%s: field %q was given, but the file reads as plain text, not JSONL, Arrow or Parquet (is its first line valid JSON?)", r.Name(), c.Field)
	}
	return r, nil
}

// refSet reads the reference files in lockstep, one segment at a time.
type refSet struct {
	readers []*corpus.Reader
	numRefs int    // tab-separated references per line (-nr)
	missing string // marker of an absent reference, "" for none
	buf     []string
}

// refSpec says where the references are and how to read them.
type refSpec struct {
	files   []string
	numRefs int    // tab-separated references per line, 1 for plain lines
	missing string // marker of an absent reference, "" for none
	cfg     corpus.Config
}

func openRefs(e *env, spec refSpec) (*refSet, error) {
	rs := &refSet{numRefs: max(spec.numRefs, 1), missing: spec.missing}
	for _, name := range spec.files {
		r, err := openCorpus(e, name, spec.cfg)
		if err != nil {
			rs.close()
			return nil, err
		}
		rs.readers = append(rs.readers, r)
	}
	return rs, nil
}

func (rs *refSet) close() {
	for _, r := range rs.readers {
		r.Close()
	}
}

// next returns the references of the next segment, or io.EOF when every file has
// ended. Files that end at different segments are an error wrapping errLengths.
func (rs *refSet) next() ([]string, error) {
	rs.buf = rs.buf[:0]
	ended := 0
	for _, r := range rs.readers {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			ended++
			continue
		}
		if err != nil {
			return nil, err
		}
		if it.Null {
			continue
		}
		for _, t := range it.Texts {
			if rs.numRefs > 1 {
				fields := strings.SplitN(t, "\t", rs.numRefs)
				if len(fields) != rs.numRefs {
					return nil, &fieldCountError{line: it.Line, want: rs.numRefs, got: len(fields)}
				}
				for _, f := range fields {
					rs.add(f)
				}
				continue
			}
			rs.add(t)
		}
	}
	switch {
	case ended == len(rs.readers):
		return nil, io.EOF
	case ended > 0:
		return nil, errLengths
	}
	return rs.buf, nil
}

func (rs *refSet) add(ref string) {
	if rs.missing != "" && ref == rs.missing {
		return
	}
	rs.buf = append(rs.buf, ref)
}

// drain reads the remaining references, for the errors sacreBLEU would find in them
// before anything else (a wrong number of tab-separated references).
func (rs *refSet) drain() error {
	for {
		_, err := rs.next()
		var fe *fieldCountError
		switch {
		case errors.As(err, &fe):
			return err
		case err != nil && !errors.Is(err, errLengths):
			return nil
		}
	}
}

// readAll reads the references of every remaining segment. The segments' slices
// share one backing array.
func (rs *refSet) readAll() ([][]string, error) {
	var flat []string
	var ends []int
	for {
		refs, err := rs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		flat = append(flat, refs...)
		ends = append(ends, len(flat))
	}
	all := make([][]string, len(ends))
	start := 0
	for i, end := range ends {
		all[i] = flat[start:end:end]
		start = end
	}
	return all, nil
}

// errEmpty reports a hypothesis file without any segment.
var errEmpty = errors.New("no segments")

// refStream yields the references of one segment after another: from the files
// (refSet) or from memory (memRefs).
type refStream interface {
	next() ([]string, error)
	drain() error
}

// memRefs are references read once for several systems.
type memRefs struct {
	segs [][]string
	i    int
}

func (m *memRefs) next() ([]string, error) {
	if m.i == len(m.segs) {
		return nil, io.EOF
	}
	m.i++
	return m.segs[m.i-1], nil
}

func (m *memRefs) drain() error { return nil }

// bleuSource streams one hypothesis file against the references (for bleu and
// rouge, whose sources have the same method).
type bleuSource struct {
	hyp  *corpus.Reader
	refs refStream
	n    int64 // segments read
}

// openSystem opens a hypothesis file as a source against the references: those in
// mem when there are (read once for several systems), otherwise the reference files,
// opened for this system. The returned function closes what it opened.
func openSystem(e *env, refs refSpec, name string, hypCfg corpus.Config, mem [][]string) (*bleuSource, func(), error) {
	hyp, err := openCorpus(e, name, hypCfg)
	if err != nil {
		return nil, nil, err
	}
	if mem != nil {
		return &bleuSource{hyp: hyp, refs: &memRefs{segs: mem}}, func() { hyp.Close() }, nil
	}
	rs, err := openRefs(e, refs)
	if err != nil {
		hyp.Close()
		return nil, nil, err
	}
	return &bleuSource{hyp: hyp, refs: rs}, func() { hyp.Close(); rs.close() }, nil
}

func (s *bleuSource) Next() (string, []string, error) {
	it, herr := s.hyp.Next()
	if herr != nil && !errors.Is(herr, io.EOF) {
		return "", nil, herr
	}
	refs, rerr := s.refs.next()
	if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, errLengths) {
		return "", nil, rerr
	}
	switch {
	case herr != nil && rerr != nil && s.n == 0:
		return "", nil, errEmpty
	case herr != nil && errors.Is(rerr, io.EOF):
		return "", nil, io.EOF
	case herr != nil || rerr != nil:
		// sacreBLEU reads every reference before it compares lengths, so a bad -nr
		// line further on still comes first; an empty system comes before lengths.
		if err := s.refs.drain(); err != nil {
			return "", nil, err
		}
		if herr != nil && s.n == 0 {
			return "", nil, errEmpty
		}
		return "", nil, errLengths
	}
	s.n++
	return hypText(it), refs, nil
}

// hypText is the hypothesis of an item: its first string, or "" for null.
func hypText(it corpus.Item) string {
	if it.Null || len(it.Texts) == 0 {
		return ""
	}
	return it.Texts[0]
}

// readStdinSystems reads sacreBLEU's stdin form: one line per segment, one
// tab-separated field per system.
func readStdinSystems(e *env, o *bleuOptions) ([]string, [][]string, error) {
	// sacreBLEU reads stdin with Python's universal newlines: "\r\n" and a lone
	// "\r" end a line there too (unlike in files).
	data, err := io.ReadAll(e.stdin)
	if err != nil {
		return nil, nil, fmt.Errorf("reading <stdin>: %w", err)
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	r, err := corpus.NewReader(bytes.NewReader(data), "<stdin>", corpus.Config{Format: corpus.Text})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var systems [][]string
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		fields := strings.Split(hypText(it), "\t")
		if systems == nil {
			systems = make([][]string, len(fields))
		} else if len(fields) != len(systems) {
			return nil, nil, bleuFail(e, 17, "FATAL: the number of tab-delimited fields in the input stream differ across lines.")
		}
		for i, f := range fields {
			systems[i] = append(systems[i], f)
		}
	}
	if systems == nil {
		// An empty stdin is one system with one empty segment in sacreBLEU.
		systems = [][]string{{""}}
	}
	names := make([]string, len(systems))
	for i := range names {
		names[i] = fmt.Sprintf("System %d", i+1)
	}
	if o.pairedBS || o.pairedAR {
		// The caller names the first one "Baseline".
		for i := 1; i < len(names); i++ {
			names[i] = fmt.Sprintf("System %d", i)
		}
	}
	return names, systems, nil
}

// pyQuote quotes s as Python's repr of a str does in the common case.
func pyQuote(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}
