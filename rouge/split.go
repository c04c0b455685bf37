package rouge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitNewline appends the sentences of s as rouge-score splits them for rougeLsum:
// s.split("\n") without the empty strings.
func splitNewline(dst []string, s string) []string {
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(dst, s)
		}
		if i > 0 {
			dst = append(dst, s[:i])
		}
		s = s[i+1:]
	}
	return dst
}

// abbreviations that end in a period without ending a sentence (lowercase, without
// the final period).
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "mt": true, "gen": true, "col": true, "lt": true, "sgt": true, "capt": true,
	"gov": true, "sen": true, "rep": true, "rev": true, "hon": true, "pres": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "bros": true, "vs": true, "etc": true,
	"e.g": true, "i.e": true, "cf": true, "al": true, "approx": true,
	"fig": true, "figs": true, "vol": true, "p": true, "pp": true, "ch": true, "sec": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"u.s": true, "u.k": true, "u.n": true, "a.m": true, "p.m": true,
}

// splitRules appends the sentences of s split by SplitRules: at every "\n", and after
// ".", "!", "?", "…" or a CJK full stop (with any closing quotes and brackets after it)
// when whitespace or the end of the text follows, except after a known abbreviation
// or a single-letter initial. CJK full stops (。！？) end a sentence even without
// whitespace after them. Empty sentences are dropped, as in rouge-score.
func splitRules(dst []string, s string) []string {
	for _, line := range splitNewline(nil, s) {
		start := 0
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			end := i + size
			switch r {
			case '.', '!', '?', '…', '。', '！', '？':
			default:
				i = end
				continue
			}
			// Take the run of terminal punctuation and closing quotes/brackets.
			for end < len(line) {
				r2, size2 := utf8.DecodeRuneInString(line[end:])
				if !strings.ContainsRune(".!?…。！？\"'”’)]»」』", r2) {
					break
				}
				end += size2
			}
			cjk := r == '。' || r == '！' || r == '？'
			next, _ := utf8.DecodeRuneInString(line[end:])
			atBoundary := end == len(line) || unicode.IsSpace(next) || cjk
			if atBoundary && !(r == '.' && !cjk && noSentenceEnd(line[start:i], line[end:])) {
				if sent := strings.TrimSpace(line[start:end]); sent != "" {
					dst = append(dst, line[start:end])
				}
				start = end
			}
			i = end
		}
		if strings.TrimSpace(line[start:]) != "" || start == 0 {
			dst = append(dst, line[start:])
		}
	}
	return dst
}

// noSentenceEnd reports whether a period between text and rest does not end a
// sentence: after a known abbreviation, a single-letter initial, or "No."/"Nos."
// before a number.
func noSentenceEnd(text, rest string) bool {
	j := len(text)
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if unicode.IsSpace(r) || r == '(' || r == '"' || r == '\'' {
			break
		}
		j -= size
	}
	word := strings.ToLower(text[j:])
	if word == "" {
		return false
	}
	if abbreviations[word] {
		return true
	}
	if word == "no" || word == "nos" {
		next := strings.TrimLeft(rest, " \t")
		return next != "" && next[0] >= '0' && next[0] <= '9'
	}
	// A single letter ("J. Smith") is an initial.
	if r, size := utf8.DecodeRuneInString(word); size == len(word) && unicode.IsLetter(r) {
		return true
	}
	return false
}
