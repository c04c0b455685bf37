package cli

// The multi-system and paired-test output of `sophia-eval bleu`: a byte-exact
// reproduction of sacreBLEU 2.6.0's utils.print_results_table for BLEU as the
// only metric, including the parts of tabulate 0.8.9 (fancy_grid and
// latex_booktabs, without the optional wcwidth module) and colorama 0.4.6 that
// shape it. The goldens are made by testdata/gen/bleu_tables.py.

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// bleuRow is one system in a multi-system or paired-test result.
type bleuRow struct {
	Name   string   // system name (file path, or "System 1"…; the caller adds the "Baseline: " prefix)
	Score  float64  // full-precision corpus BLEU
	Mean   *float64 // bootstrap mean (nil: none)
	CI     *float64 // bootstrap 95% CI half-width (nil: none)
	PValue *float64 // nil for the baseline and when no test ran
}

// bleuTable says how writeBLEUTable lays out the rows.
type bleuTable struct {
	Format string // "text", "json" or "latex"
	Width  int    // decimals (-w)
	Color  bool   // ANSI colours as sacreBLEU prints them (on unless NO_COLOR / -nc)
	// StripANSI reproduces colorama when Color is on but stdout is not a
	// terminal: sacreBLEU's colorama.init() then wraps stdout in a writer that
	// deletes every ANSI CSI sequence and BEL-terminated OSC sequence, those
	// in system names included. It is ignored when Color is off (sacreBLEU
	// does not call colorama.init then).
	StripANSI bool
	Paired    string // "" (plain multi-system), "bs" or "ar"
	// N is the number shown in the paired-test header. sacreBLEU prints the
	// raw -pbsn/-parn argument there (default 1000/10000), not the number of
	// resamples actually used: "-pbsn 0" runs 1000 but prints 0.
	N         int
	Signature string // the BLEU signature string already in long or short form, as sacreBLEU prints it in the "Metric signatures" block
}

// ANSI codes of colorama's Fore colours and Style.RESET_ALL, as sacreBLEU
// prints them (bleu.go uses ansiCyan and ansiReset too).
const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiReset  = "\x1b[0m"
)

// writeBLEUTable writes the table exactly as sacreBLEU's print_results_table does for BLEU as the only metric.
//
// Plain mode (t.Paired == "") shows each score formatted to t.Width
// decimals; the Mean, CI and PValue fields are ignored. Paired mode shows
// "score (mean ± ci)" when Mean is set (CI must then be set too) and the
// p-value when PValue is set, followed (in text and latex) by the
// explanation of the test. JSON output is a list of objects with the
// scores as strings (plain) or as full-precision numbers (paired); the
// other formats end with the "Metric signatures" block. The first row is
// highlighted as the baseline when its name starts with "Baseline:",
// whatever the mode. The output ends with a newline; the "\x1b[0m" that
// colorama writes at exit on a terminal is not part of it.
//
// The error is non-nil for an unknown Format or Paired value, a negative
// Width, a Mean without a CI or no rows in a text or latex table, and the
// inputs on which sacreBLEU itself fails (tabulate raising on a column it
// took for numbers, colorama raising on a terminal-title sequence in a
// name); or when w fails. Nothing is written then, except on a write error.
func writeBLEUTable(w io.Writer, rows []bleuRow, t bleuTable) error {
	if t.Width < 0 {
		return fmt.Errorf("bleu table: negative width %d", t.Width)
	}
	switch t.Paired {
	case "", "bs", "ar":
	default:
		return fmt.Errorf("bleu table: unknown paired test %q", t.Paired)
	}
	var p tablePrinter
	switch t.Format {
	case "json":
		p.print(bleuTableJSON(rows, t))
	case "text", "latex":
		if err := bleuTableText(&p, rows, t); err != nil {
			return err
		}
	default:
		return fmt.Errorf("bleu table: unknown format %q", t.Format)
	}
	out := p.chunks
	if t.Color && t.StripANSI {
		for i, c := range out {
			s, err := coloramaStrip(c)
			if err != nil {
				return err
			}
			out[i] = s
		}
	}
	_, err := io.WriteString(w, strings.Join(out, ""))
	return err
}

// tablePrinter records what Python's print writes: print(s) is two writes,
// s and then "\n". colorama strips each write on its own, which matters
// only for its OSC bug (see coloramaStrip).
type tablePrinter struct{ chunks []string }

func (p *tablePrinter) print(s string) { p.chunks = append(p.chunks, s, "\n") }

// tableColor is sacreBLEU's Color.format: code + s + reset, or s unchanged
// when colours are off.
func tableColor(on bool, s, code string) string {
	if !on {
		return s
	}
	return code + s + ansiReset
}

// bleuTableText writes the text (tabulate fancy_grid) or latex
// (latex_booktabs) form with the paired-test explanation and the
// signature block.
func bleuTableText(p *tablePrinter, rows []bleuRow, t bleuTable) error {
	if len(rows) == 0 {
		// tabulate raises IndexError on colalign for a table without columns.
		return errors.New("bleu table: no systems")
	}
	fancy := t.Format == "text"
	names := make([]string, len(rows))
	scores := make([]string, len(rows))
	title := "BLEU"
	for i, r := range rows {
		names[i] = r.Name
		s := pyfloat.FormatFixed(r.Score, t.Width)
		if t.Paired != "" {
			if r.Mean != nil {
				if r.CI == nil {
					return fmt.Errorf("bleu table: system %q has a mean but no CI", r.Name)
				}
				title = "BLEU (μ ± 95% CI)"
				s += " (" + pyfloat.FormatFixed(*r.Mean, t.Width) + " ± " + pyfloat.FormatFixed(*r.CI, t.Width) + ")"
			}
			if r.PValue != nil {
				if fancy {
					s += "\n"
				} else {
					s += " "
				}
				msg := "(p = " + pyfloat.FormatFixed(*r.PValue, 4) + ")"
				if *r.PValue > 0.05 {
					s += tableColor(t.Color, msg, ansiRed)
				} else {
					s += msg + "*"
				}
			}
		}
		scores[i] = s
	}
	// The first name decides whether there is a baseline to highlight; the
	// check is on the name before colouring, and runs in plain mode too.
	baseline := ""
	if strings.HasPrefix(names[0], "Baseline:") {
		baseline = names[0]
		names[0] = tableColor(t.Color, names[0], ansiYellow)
		scores[0] = tableColor(t.Color, scores[0], ansiYellow)
	}
	headers := []string{tableColor(t.Color, "System", ansiCyan), tableColor(t.Color, title, ansiCyan)}
	table, err := tabulate(headers, [][]string{names, scores}, fancy, t.Width)
	if err != nil {
		return err
	}
	p.print(table)
	p.print("")

	if t.Paired != "" {
		test, unit, provided := "bootstrap resampling", "resampling trials",
			"   Actual system score / bootstrap estimated true mean / 95% CI are provided for each metric."
		if t.Paired == "ar" {
			test, unit, provided = "approximate randomization", "trials",
				"   Actual system score is provided for each metric."
		}
		msg := "Paired " + test + " test with " + strconv.Itoa(t.N) + " " + unit
		bline := tableColor(t.Color, "baseline", ansiYellow)
		nullHyp := tableColor(t.Color, "Null hypothesis", ansiGreen)
		nullLower := tableColor(t.Color, "null hypothesis", ansiGreen)
		rule := strings.Repeat("-", len(msg)) // msg is ASCII
		p.print(rule + "\n" + msg + "\n" + rule)
		p.print(" - Each system is pairwise compared to " + tableColor(t.Color, baseline, ansiYellow) + ".")
		p.print(provided)
		p.print("")
		p.print(" - " + nullHyp + ": the system and the " + bline + " translations are essentially")
		p.print("   generated by the same underlying process. For a given system and the " + bline + ",")
		p.print("   the p-value is roughly the probability of the absolute score difference (delta)")
		p.print("   or higher occurring due to chance, under the assumption that the " + nullLower + " is correct.")
		p.print("")
		p.print(" - Assuming a significance threshold of 0.05, the " + nullLower + " can be rejected")
		p.print(`   for p-values < 0.05 (marked with "*"). This means that the delta is unlikely to be attributed`)
		p.print(`   to chance, hence the system is significantly "different" than the ` + bline + ".")
		p.print("   Otherwise, the p-values are " + tableColor(t.Color, "highlighted in red", ansiRed) + ".")
		p.print("")
		p.print(` - NOTE: Significance does not tell whether a system is "better" than the ` + bline + " but rather")
		p.print(`   emphasizes the "difference" of the systems in terms of the replicability of the delta.`)
		p.print("")
	}

	p.print("-----------------")
	p.print("Metric signatures")
	p.print("-----------------")
	p.print(" - BLEU       " + t.Signature) // f' - {name:<10} {sig}'
	return nil
}

// bleuTableJSON returns json.dumps(list, indent=4) of the per-system
// objects: {"system": name, "BLEU": "score"} in plain mode and
// {"system": name, "BLEU": {"score", "p_value", "mean", "ci"}} in paired
// mode, with Python's float repr and ensure_ascii escaping.
func bleuTableJSON(rows []bleuRow, t bleuTable) string {
	if len(rows) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    {\n        \"system\": ")
		b.WriteString(tableJSONString(r.Name))
		b.WriteString(",\n        \"BLEU\": ")
		if t.Paired == "" {
			b.WriteString(tableJSONString(pyfloat.FormatFixed(r.Score, t.Width)))
		} else {
			b.WriteString("{\n            \"score\": ")
			b.WriteString(pyfloat.JSON(r.Score))
			for _, kv := range [...]struct {
				k string
				v *float64
			}{{"p_value", r.PValue}, {"mean", r.Mean}, {"ci", r.CI}} {
				b.WriteString(",\n            \"" + kv.k + "\": ")
				if kv.v == nil {
					b.WriteString("null")
				} else {
					b.WriteString(pyfloat.JSON(*kv.v))
				}
			}
			b.WriteString("\n        }")
		}
		b.WriteString("\n    }")
	}
	b.WriteString("\n]")
	return b.String()
}

// tableJSONString quotes s as Python's json.dumps does with
// ensure_ascii=True (the default): printable ASCII stays, '"' and '\\' and
// \n \r \t \b \f get backslash escapes, and everything else becomes \uxxxx
// (lower-case hex), code points above U+FFFF as a UTF-16 surrogate pair.
// Each byte of invalid UTF-8 becomes the lone surrogate U+DC80..U+DCFF that
// Python's surrogateescape decoding gives command-line arguments.
func tableJSONString(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	u := func(r rune) {
		b = append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = 0xDC00 + rune(s[i])
		}
		i += n
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= 0x20 && r <= 0x7e:
			b = append(b, byte(r))
		case r >= 0x10000:
			r -= 0x10000
			u(0xD800 + r>>10)
			u(0xDC00 + r&0x3FF)
		default:
			u(r)
		}
	}
	return string(append(b, '"'))
}

// tabulate renders a table the way tabulate 0.8.9 does for sacreBLEU's call
// tabulate(dict, headers='keys', tablefmt=…, colalign=('right',),
// stralign='center', numalign='center', floatfmt=f'.{prec}f') with the
// wcwidth module absent: cols[0] is right-aligned, the other columns are
// centred, a column whose every cell parses as a number is reformatted with
// prec decimals, and widths count code points with ANSI colour codes left
// out. fancy selects fancy_grid (which turns multi-line when a cell or header
// holds "\r" or "\n"); otherwise latex_booktabs. The result has no final
// newline.
func tabulate(headers []string, cols [][]string, fancy bool, prec int) (string, error) {
	nrows := len(cols[0])
	// tabulate looks for colour codes and line breaks once, in all cells
	// joined by tabs.
	var plain strings.Builder
	plain.WriteString(strings.Join(headers, "\t"))
	for r := 0; r < nrows; r++ {
		plain.WriteByte('\t')
		for c := range cols {
			if c > 0 {
				plain.WriteByte('\t')
			}
			plain.WriteString(cols[c][r])
		}
	}
	pt := plain.String()
	hasInv := tabInvisibleRe.MatchString(pt) || tabLinkRe.MatchString(pt)
	multiline := fancy && strings.ContainsAny(pt, "\r\n")

	lineWidth := func(s string) int {
		if hasInv {
			s = tabStripInvisible(s)
		}
		return utf8.RuneCountInString(s)
	}
	widthFn := func(s string) int {
		if !multiline {
			return lineWidth(s)
		}
		m := 0
		for _, l := range tabSplitCRLF(s) {
			m = max(m, lineWidth(l))
		}
		return m
	}

	cells := make([][]string, len(cols))
	hdrs := make([]string, len(cols))
	widths := make([]int, len(cols))
	for c, col := range cols {
		col = append([]string(nil), col...)
		if tabColumnType(col) == tabFloat {
			for i, v := range col {
				f, err := tabFormatFloat(v, prec, hasInv)
				if err != nil {
					return "", err
				}
				col[i] = f
			}
		}
		right := c == 0
		minw := widthFn(headers[c]) + 2 // MIN_PADDING
		col = tabAlignColumn(col, right, minw, hasInv, multiline, lineWidth)
		for _, cell := range col {
			minw = max(minw, widthFn(cell))
		}
		cells[c], widths[c] = col, minw
		if multiline {
			parts := tabSplitCRLF(headers[c])
			for i, h := range parts {
				parts[i] = tabAlignHeader(h, right, minw, widthFn(h))
			}
			hdrs[c] = strings.Join(parts, "\n")
		} else {
			hdrs[c] = tabAlignHeader(headers[c], right, minw, widthFn(headers[c]))
		}
	}
	rows := make([][]string, nrows)
	for r := range rows {
		rows[r] = make([]string, len(cols))
		for c := range cols {
			rows[r][c] = cells[c][r]
		}
	}
	if fancy {
		return tabFancyGrid(hdrs, rows, widths, multiline), nil
	}
	return tabLatexBooktabs(hdrs, rows), nil
}

// tabFancyGrid lays out aligned cells in tabulate's fancy_grid format:
// padding 1 and a rule between all rows.
func tabFancyGrid(hdrs []string, rows [][]string, widths []int, multiline bool) string {
	rule := func(begin, fill, sep, end string) string {
		parts := make([]string, len(widths))
		for i, w := range widths {
			parts[i] = strings.Repeat(fill, w+2)
		}
		return pystr.TrimRightSpace(begin + strings.Join(parts, sep) + end)
	}
	var lines []string
	addRow := func(cells []string) {
		if !multiline {
			parts := make([]string, len(cells))
			for i, c := range cells {
				parts[i] = " " + c + " "
			}
			lines = append(lines, pystr.TrimRightSpace("│"+strings.Join(parts, "│")+"│"))
			return
		}
		// Each cell is split into lines; shorter cells are filled with
		// blank lines of the column width.
		split := make([][]string, len(cells))
		n := 0
		for i, c := range cells {
			split[i] = tabSplitLines(c)
			n = max(n, len(split[i]))
		}
		for i := range split {
			for len(split[i]) < n {
				split[i] = append(split[i], strings.Repeat(" ", widths[i]))
			}
		}
		for l := 0; l < n; l++ {
			parts := make([]string, len(cells))
			for i := range cells {
				parts[i] = " " + split[i][l] + " "
			}
			lines = append(lines, pystr.TrimRightSpace("│"+strings.Join(parts, "│")+"│"))
		}
	}
	lines = append(lines, rule("╒", "═", "╤", "╕"))
	addRow(hdrs)
	lines = append(lines, rule("╞", "═", "╪", "╡"))
	for i, r := range rows {
		if i > 0 {
			lines = append(lines, rule("├", "─", "┼", "┤"))
		}
		addRow(r)
	}
	lines = append(lines, rule("╘", "═", "╧", "╛"))
	return strings.Join(lines, "\n")
}

// tabLatexBooktabs lays out aligned cells in tabulate's latex_booktabs
// format: the first column "r", the others "c", every cell padded with one
// space and then LaTeX-escaped.
func tabLatexBooktabs(hdrs []string, rows [][]string) string {
	row := func(cells []string) string {
		parts := make([]string, len(cells))
		for i, c := range cells {
			parts[i] = tabLatexEscaper.Replace(" " + c + " ")
		}
		return pystr.TrimRightSpace(strings.Join(parts, "&") + `\\`)
	}
	lines := []string{`\begin{tabular}{r` + strings.Repeat("c", len(hdrs)-1) + "}\n" + `\toprule`, row(hdrs), `\midrule`}
	for _, r := range rows {
		lines = append(lines, row(r))
	}
	lines = append(lines, `\bottomrule`+"\n"+`\end{tabular}`)
	return strings.Join(lines, "\n")
}

// tabLatexEscaper is tabulate's LATEX_ESCAPE_RULES, applied one character at
// a time.
var tabLatexEscaper = strings.NewReplacer(
	"&", `\&`, "%", `\%`, "$", `\$`, "#", `\#`, "_", `\_`, "^", `\^{}`, "{", `\{`, "}", `\}`,
	"~", `\textasciitilde{}`, `\`, `\textbackslash{}`, "<", `\ensuremath{<}`, ">", `\ensuremath{>}`,
)

// tabAlignColumn is tabulate's _align_column for the "right" and "center"
// alignments: cells are stripped of Python whitespace and padded to the
// widest cell (at least minw). Multi-line cells are padded line by line; as
// in tabulate, widths come from splitting at "\r" and "\n" while the lines
// padded come from str.splitlines, which also splits at \v \f \x1c-\x1e
// \x85 U+2028 U+2029 and treats "\r\n" as one break.
func tabAlignColumn(col []string, right bool, minw int, hasInv, multiline bool, lineWidth func(string) int) []string {
	pad := tabPadBoth
	if right {
		pad = tabPadLeft
	}
	out := make([]string, len(col))
	for i, s := range col {
		out[i] = pystr.TrimSpace(s)
	}
	maxw := minw
	if !multiline {
		for _, s := range out {
			maxw = max(maxw, lineWidth(s))
		}
		for i, s := range out {
			w := maxw
			if hasInv {
				w -= lineWidth(s) - utf8.RuneCountInString(s)
			}
			out[i] = pad(w, s)
		}
		return out
	}
	for _, s := range out {
		for _, l := range tabSplitCRLF(s) {
			maxw = max(maxw, lineWidth(l))
		}
	}
	for i, s := range out {
		lines := tabSplitLines(s)
		if !hasInv {
			for j, l := range lines {
				lines[j] = pad(maxw, l)
			}
		} else {
			crlf := tabSplitCRLF(s)
			lines = lines[:min(len(lines), len(crlf))]
			for j, l := range lines {
				lines[j] = pad(maxw-(lineWidth(crlf[j])-utf8.RuneCountInString(crlf[j])), l)
			}
		}
		out[i] = strings.Join(lines, "\n")
	}
	return out
}

// tabAlignHeader is tabulate's _align_header for one line: pad h to width
// visible columns, given its visible width.
func tabAlignHeader(h string, right bool, width, visible int) string {
	width += utf8.RuneCountInString(h) - visible
	if right {
		return tabPadLeft(width, h)
	}
	return tabPadBoth(width, h)
}

// tabPadLeft is Python's f"{s:>{width}}": s right-aligned in width code
// points.
func tabPadLeft(width int, s string) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s
	}
	return strings.Repeat(" ", width-n) + s
}

// tabPadBoth is Python's f"{s:^{width}}": s centred in width code points,
// the odd space going to the right.
func tabPadBoth(width int, s string) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s
	}
	left := (width - n) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", width-n-left)
}

// tabSplitCRLF is Python's re.split("[\r\n]", s): split at every "\r" and
// "\n", keeping empty pieces.
func tabSplitCRLF(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// tabSplitLines is Python's str.splitlines(): split at \n, \r, "\r\n", \v,
// \f, \x1c, \x1d, \x1e, \x85, U+2028 and U+2029, without a final empty
// piece; "" gives no lines.
func tabSplitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\r':
			out = append(out, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
			start = i + n
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, s[start:i])
			start = i + n
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Cell types in tabulate's order of generality (_more_generic).
const (
	tabBool  = 1
	tabInt   = 2
	tabFloat = 3
	tabText  = 5
)

// tabColumnType is tabulate's _column_type: the most general type of the
// cells, each judged with its colour codes removed.
func tabColumnType(col []string) int {
	t := tabBool
	for _, s := range col {
		t = max(t, tabCellType(s))
	}
	return t
}

// tabCellType is tabulate's _type for a string: "True"/"False" are bools,
// then whatever Python's int() accepts is an int and whatever float()
// accepts a float, except that an infinite or NaN value counts only when the
// string is exactly "inf", "-inf" or "nan" in any case (so "1e400" and
// "Infinity" are text).
func tabCellType(s string) int {
	s = tabStripInvisible(s)
	if s == "True" || s == "False" {
		return tabBool
	}
	if tabPyIsInt(s) {
		return tabInt
	}
	v, ok := tabPyFloat(s)
	if !ok {
		return tabText
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		switch strings.ToLower(s) {
		case "inf", "-inf", "nan":
			if tabIsASCII(s) {
				return tabFloat
			}
		}
		return tabText
	}
	return tabFloat
}

// tabFormatFloat is tabulate's _format for a cell of a float column:
// format(float(s), f".{prec}f"); with colour codes in the table the number
// is read from the cell without them and every occurrence of that text in
// the cell is replaced by the formatted number.
func tabFormatFloat(s string, prec int, hasInv bool) (string, error) {
	raw := s
	if hasInv {
		raw = tabStripInvisible(s)
	}
	v, ok := tabPyFloat(raw)
	if !ok {
		// A bool in a float column: tabulate raises ValueError.
		return "", fmt.Errorf("bleu table: tabulate cannot format %q as a number", raw)
	}
	f := pyfloat.FormatFixed(v, prec)
	if !hasInv {
		return f, nil
	}
	return strings.ReplaceAll(s, raw, f), nil
}

// tabIsASCII reports whether s is all ASCII.
func tabIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// tabPyNumberASCII is CPython's _PyUnicode_TransformDecimalAndSpaceToASCII,
// the first step of int(str) and float(str): a non-ASCII string has its
// Unicode whitespace turned into ' ' and its decimal digits into ASCII
// digits; any other non-ASCII character (or invalid UTF-8) makes the number
// invalid (ok false).
func tabPyNumberASCII(s string) (string, bool) {
	if tabIsASCII(s) {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x7f:
			b = append(b, byte(r))
		case pystr.IsSpace(r):
			b = append(b, ' ')
		default:
			d := tabPyDecimal(r)
			if d < 0 {
				return "", false
			}
			b = append(b, byte('0'+d))
		}
	}
	return string(b), true
}

// tabTrimCSpace strips C's isspace set (" \t\n\v\f\r"), which int() and
// float() skip around the number after tabPyNumberASCII.
func tabTrimCSpace(s string) string { return strings.Trim(s, " \t\n\v\f\r") }

// tabPyMaxStrDigits is CPython 3.11's default int_max_str_digits: int() of a
// longer decimal string raises ValueError.
const tabPyMaxStrDigits = 4300

// tabPyIsInt reports whether Python's int(s) succeeds: optional whitespace,
// an optional sign, decimal digits with single underscores between them
// (leading zeros allowed), at most 4300 digits.
func tabPyIsInt(s string) bool {
	t, ok := tabPyNumberASCII(s)
	if !ok {
		return false
	}
	t = tabTrimCSpace(t)
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	digits := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '_' && i > 0 && i+1 < len(t) && tabIsDigit(t[i-1]) && tabIsDigit(t[i+1]):
		default:
			return false
		}
	}
	return digits > 0 && digits <= tabPyMaxStrDigits
}

func tabIsDigit(c byte) bool { return c >= '0' && c <= '9' }

// tabPyFloat is Python's float(s) for a str: after tabPyNumberASCII and
// whitespace stripping, an optional sign and then "inf", "infinity" or
// "nan" in any case, or a decimal number with an optional exponent;
// underscores are allowed only between two digits. Out-of-range values
// become ±inf or 0 as in Python.
func tabPyFloat(s string) (float64, bool) {
	t, ok := tabPyNumberASCII(s)
	if !ok {
		return 0, false
	}
	t = tabTrimCSpace(t)
	if strings.IndexByte(t, '_') >= 0 {
		var b strings.Builder
		for i := 0; i < len(t); i++ {
			if t[i] == '_' {
				if i == 0 || i+1 == len(t) || !tabIsDigit(t[i-1]) || !tabIsDigit(t[i+1]) {
					return 0, false
				}
				continue
			}
			b.WriteByte(t[i])
		}
		t = b.String()
	}
	body := t
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if t[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	// [digits][.digits] with at least one digit, then [eE][+-]digits.
	i, mant := 0, 0
	for i < len(body) && tabIsDigit(body[i]) {
		i, mant = i+1, mant+1
	}
	if i < len(body) && body[i] == '.' {
		i++
		for i < len(body) && tabIsDigit(body[i]) {
			i, mant = i+1, mant+1
		}
	}
	if mant == 0 {
		return 0, false
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		exp := 0
		for i < len(body) && tabIsDigit(body[i]) {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(body) {
		return 0, false
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// tabPyDecimalRanges are the code points of Unicode category Nd (decimal
// digits) in Python 3.11's Unicode 14.0 database; each range is a whole
// number of runs 0..9. Go 1.26's package unicode is Unicode 15.0, which
// adds the Kawi (U+11F50) and Nag Mundari (U+1E4F0) digits that Python's
// re \d, int() and float() do not know.
var tabPyDecimalRanges = [...][2]rune{
	{0x30, 0x39}, {0x660, 0x669}, {0x6F0, 0x6F9}, {0x7C0, 0x7C9}, {0x966, 0x96F}, {0x9E6, 0x9EF},
	{0xA66, 0xA6F}, {0xAE6, 0xAEF}, {0xB66, 0xB6F}, {0xBE6, 0xBEF}, {0xC66, 0xC6F}, {0xCE6, 0xCEF},
	{0xD66, 0xD6F}, {0xDE6, 0xDEF}, {0xE50, 0xE59}, {0xED0, 0xED9}, {0xF20, 0xF29}, {0x1040, 0x1049},
	{0x1090, 0x1099}, {0x17E0, 0x17E9}, {0x1810, 0x1819}, {0x1946, 0x194F}, {0x19D0, 0x19D9},
	{0x1A80, 0x1A89}, {0x1A90, 0x1A99}, {0x1B50, 0x1B59}, {0x1BB0, 0x1BB9}, {0x1C40, 0x1C49},
	{0x1C50, 0x1C59}, {0xA620, 0xA629}, {0xA8D0, 0xA8D9}, {0xA900, 0xA909}, {0xA9D0, 0xA9D9},
	{0xA9F0, 0xA9F9}, {0xAA50, 0xAA59}, {0xABF0, 0xABF9}, {0xFF10, 0xFF19}, {0x104A0, 0x104A9},
	{0x10D30, 0x10D39}, {0x11066, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F},
	{0x111D0, 0x111D9}, {0x112F0, 0x112F9}, {0x11450, 0x11459}, {0x114D0, 0x114D9},
	{0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739}, {0x118E0, 0x118E9},
	{0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
	{0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF},
	{0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9},
}

// tabPyDecimal returns the value of the Python decimal digit r, or -1.
func tabPyDecimal(r rune) int {
	lo, hi := 0, len(tabPyDecimalRanges)
	for lo < hi {
		m := (lo + hi) / 2
		switch g := tabPyDecimalRanges[m]; {
		case r < g[0]:
			hi = m
		case r > g[1]:
			lo = m + 1
		default:
			return int(r-g[0]) % 10
		}
	}
	return -1
}

// tabPyDigitClass is the body of a regexp character class matching Python's
// \d (tabPyDecimalRanges), for use inside [...].
var tabPyDigitClass = func() string {
	var b strings.Builder
	for _, g := range tabPyDecimalRanges {
		fmt.Fprintf(&b, `\x{%X}-\x{%X}`, g[0], g[1])
	}
	return b.String()
}()

var (
	// tabInvisibleRe is tabulate's _invisible_codes: SGR colour codes and
	// the OSC 8 hyperlink wrapper.
	tabInvisibleRe = regexp.MustCompile(`\x1b\[[` + tabPyDigitClass + `]+[;` + tabPyDigitClass + `]*m|` +
		`\x1b\[[` + tabPyDigitClass + `]*;[` + tabPyDigitClass + `]*;[` + tabPyDigitClass + `]*m|` +
		`\x1b\]8;;(.*?)\x1b\\`)
	// tabLinkRe is tabulate's _invisible_codes_link: a whole OSC 8
	// hyperlink, of which only the link text is visible.
	tabLinkRe = regexp.MustCompile(`\x1b\]8;[a-zA-Z0-9:]*;[^\x1b]+\x1b\\([^\x1b]+)\x1b\]8;;\x1b\\`)
	// coloramaCSIRe and coloramaOSCRe are colorama's ANSI_CSI_RE and
	// ANSI_OSC_RE.
	coloramaCSIRe = regexp.MustCompile(`\x01?\x1b\[([;` + tabPyDigitClass + `]*)([a-zA-Z])\x02?`)
	coloramaOSCRe = regexp.MustCompile(`\x01?\x1b\]([^\x07]*)(\x07)\x02?`)
)

// tabStripInvisible is tabulate's _strip_invisible: hyperlinks are replaced
// by their text, then colour codes are removed.
func tabStripInvisible(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	s = tabLinkRe.ReplaceAllString(s, "${1}")
	return tabInvisibleRe.ReplaceAllString(s, "")
}

// coloramaStrip is what colorama's AnsiToWin32 writes for one write(text)
// call when it strips (stdout not a terminal): BEL-terminated OSC sequences
// are cut out first, then every CSI sequence. colorama finds the OSC
// sequences in the original text but cuts each at its original code-point
// offsets from the already shortened text, so the second and later ones
// cut the wrong characters; this is reproduced. An OSC whose parameter has
// exactly one ';' and a first field of "", "0", "2" or "02" makes colorama
// call a Windows-only terminal function and raise AttributeError on Linux:
// that is an error here.
func coloramaStrip(text string) (string, error) {
	if strings.IndexByte(text, 0x1b) < 0 {
		return text, nil
	}
	if ms := coloramaOSCRe.FindAllStringSubmatchIndex(text, -1); ms != nil {
		// Python indexes code points; with surrogateescape each invalid
		// byte is one code point.
		var units []string
		unitAt := make(map[int]int) // byte offset -> code-point index
		for i := 0; i < len(text); {
			_, n := utf8.DecodeRuneInString(text[i:])
			unitAt[i] = len(units)
			units = append(units, text[i:i+n])
			i += n
		}
		unitAt[len(text)] = len(units)
		cur := units
		for _, m := range ms {
			param := text[m[2]:m[3]]
			if f := strings.Split(param, ";"); len(f) == 2 && strings.Contains("02", f[0]) {
				return "", fmt.Errorf("bleu table: colorama fails on the terminal-title sequence in %q", text)
			}
			start, end := min(unitAt[m[0]], len(cur)), min(unitAt[m[1]], len(cur))
			cur = append(append([]string(nil), cur[:start]...), cur[end:]...)
		}
		text = strings.Join(cur, "")
	}
	return coloramaCSIRe.ReplaceAllString(text, ""), nil
}
