package bleu

import "github.com/sophia-ai/sophia-eval/internal/pystr"

// tokZh is sacreBLEU's "zh" tokenizer: the line is stripped of whitespace at both ends,
// every "Chinese character" becomes a token of its own, and the rest goes through the 13a
// post-tokenizer without 13a's end padding, entity unescaping or "<skipped>" removal.
type tokZh struct{}

func (tokZh) Name() string { return "zh" }

func (tokZh) Append(dst []byte, s string) []byte {
	return appendPost(dst, pystr.TrimSpace(s), false, true)
}

// isZhChar reports whether sacreBLEU's TokenizerZh._is_chinese_char holds for r.
//
// sacreBLEU's range list writes two limits with five hex digits after \u (meant as
// U+20000..U+2A6D6 and U+2F800..U+2FA1D). Python reads "\u20000" as U+2000 followed by '0',
// and comparing one character against that two-character string makes the effective range
// U+2001..U+2A6D: General Punctuation, currency and letterlike symbols, arrows, maths,
// box drawing, dingbats, Braille and more count as Chinese, while CJK Extension B does not
// (sacreBLEU issue #298). That is reproduced here on purpose. The other limits give the
// ranges below once adjacent ones are merged.
func isZhChar(r rune) bool {
	switch {
	case r < 0x2001:
		return false
	case r <= 0x2A6D: // the quirk range
		return true
	case 0x4E00 <= r && r <= 0x9FBB: // CJK Unified Ideographs (1.1 and 4.1)
		return true
	case 0x2E80 <= r && r <= 0x2FDF: // CJK Radicals Supplement, Kangxi Radicals
		return true
	case 0x2FF0 <= r && r <= 0x303F: // Ideographic Description, CJK Symbols and Punctuation
		return true
	case 0x3100 <= r && r <= 0x312F: // Bopomofo
		return true
	case 0x31A0 <= r && r <= 0x31EF: // Bopomofo Extended, CJK Strokes
		return true
	case 0x3200 <= r && r <= 0x4DB5: // Enclosed CJK, Compatibility, Extension A
		return true
	case 0xF900 <= r && r <= 0xFA2D, 0xFA30 <= r && r <= 0xFA6A, 0xFA70 <= r && r <= 0xFAD9:
		return true // CJK Compatibility Ideographs
	case 0xFE10 <= r && r <= 0xFE1F, 0xFE30 <= r && r <= 0xFE4F: // vertical forms, compatibility forms
		return true
	case 0xFF00 <= r && r <= 0xFFEF: // half- and full-width forms
		return true
	}
	return false
}
