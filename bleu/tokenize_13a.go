package bleu

import (
	"bytes"
	"strings"
	"unsafe"
)

// tok13a is sacreBLEU's default tokenizer, "13a" (mteval-v13a): it deletes "<skipped>"
// and "-\n", turns "\n" into a space, unescapes &quot; &amp; &lt; &gt; (in that order, one
// pass each), pads the line with a space at both ends and runs the post-tokenizer.
//
// The unescaping and deletions shrink the line, so the rare lines that need them are
// rewritten in place in scratch space at the end of dst; all other lines are scanned
// directly.
type tok13a struct{}

func (tok13a) Name() string { return "13a" }

func (tok13a) Append(dst []byte, s string) []byte {
	if !needs13aRewrite(s) {
		return appendPost(dst, s, true, false)
	}
	start := len(dst)
	dst = append(dst, s...)
	line := rewrite13a(dst[start:])
	m := len(line)
	// The rewritten line is read as a string while appendPost appends after it. That is
	// safe: appendPost never writes to dst[start:start+m], and when it grows dst the line
	// stays in the old array, which nothing writes to either. The view is dead before the
	// copy below overwrites those bytes.
	view := unsafe.String(unsafe.SliceData(line), m)
	dst = appendPost(dst[:start+m], view, true, false)
	n := copy(dst[start:], dst[start+m:])
	return dst[:start+n]
}

// needs13aRewrite reports whether the language-independent part of 13a changes s.
// The entity replacements change nothing unless one of the four entities is present:
// a replacement can only create an entity that a later replacement handles from an
// &amp; (as in "&amp;lt;").
func needs13aRewrite(s string) bool {
	if strings.IndexByte(s, '\n') >= 0 || strings.Contains(s, "<skipped>") {
		return true
	}
	if strings.IndexByte(s, '&') < 0 {
		return false
	}
	return strings.Contains(s, "&quot;") || strings.Contains(s, "&amp;") ||
		strings.Contains(s, "&lt;") || strings.Contains(s, "&gt;")
}

// rewrite13a applies 13a's replacements to b in place, one after another as Python's
// str.replace does, and returns the shortened b.
func rewrite13a(b []byte) []byte {
	b = replaceInPlace(b, "<skipped>", "")
	b = replaceInPlace(b, "-\n", "")
	for i, c := range b {
		if c == '\n' {
			b[i] = ' '
		}
	}
	if bytes.IndexByte(b, '&') >= 0 {
		b = replaceInPlace(b, "&quot;", `"`)
		b = replaceInPlace(b, "&amp;", "&")
		b = replaceInPlace(b, "&lt;", "<")
		b = replaceInPlace(b, "&gt;", ">")
	}
	return b
}

// replaceInPlace replaces every non-overlapping old in b, left to right, with new, which
// must not be longer, and returns the shortened b.
func replaceInPlace(b []byte, old, new string) []byte {
	w, r := 0, 0
	for {
		k := bytes.Index(b[r:], []byte(old))
		if k < 0 {
			break
		}
		w += copy(b[w:], b[r:r+k])
		w += copy(b[w:], new)
		r += k + len(old)
	}
	if w == r {
		return b
	}
	w += copy(b[w:], b[r:])
	return b[:w]
}
