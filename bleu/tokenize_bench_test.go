package bleu

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// benchEnglish returns n deterministic English-like lines: news-style words, capitals,
// numbers (3.14, 1,000, 1999), hyphens, quotes, brackets and sentence punctuation.
func benchEnglish(n int) []string {
	rng := rand.New(rand.NewPCG(2026, 1))
	words := strings.Fields(`the of and to a in that is for on with as was it by at from he
		said his be this are an have has but not were they which one their after year new
		government people would we more been also two first its who last up there all
		president minister market company percent could than other about over time into
		some when million state police officials country week told years before billion
		economic world public city since while because former news report national
		well-known long-term don't it's U.S. e.g.`)
	caps := strings.Fields(`The He It In A But Mr. Mrs. London Paris Washington Monday
		Europe China Reuters EU UN`)
	var lines []string
	for range n {
		var b strings.Builder
		b.WriteString(caps[rng.IntN(len(caps))])
		for k := 8 + rng.IntN(30); k > 0; k-- {
			b.WriteByte(' ')
			switch x := rng.IntN(100); {
			case x < 4:
				fmt.Fprintf(&b, "%d", 1900+rng.IntN(130))
			case x < 6:
				fmt.Fprintf(&b, "%d.%d", rng.IntN(100), rng.IntN(100))
			case x < 7:
				fmt.Fprintf(&b, "%d,%03d", 1+rng.IntN(99), rng.IntN(1000))
			case x < 8:
				fmt.Fprintf(&b, "(%s)", words[rng.IntN(len(words))])
			case x < 9:
				fmt.Fprintf(&b, "\"%s\"", words[rng.IntN(len(words))])
			case x < 11:
				b.WriteString(caps[rng.IntN(len(caps))])
			default:
				b.WriteString(words[rng.IntN(len(words))])
			}
			switch x := rng.IntN(100); {
			case x < 6:
				b.WriteByte(',')
			case x < 7:
				b.WriteString(";")
			case x < 8:
				b.WriteString(":")
			}
		}
		b.WriteString([]string{".", ".", ".", "?", "!", "\".", "..."}[rng.IntN(7)])
		lines = append(lines, b.String())
	}
	return lines
}

// benchChinese returns n deterministic Chinese-like lines with some Latin, digits and
// full-width punctuation.
func benchChinese(n int) []string {
	rng := rand.New(rand.NewPCG(2026, 2))
	han := []rune("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研")
	punct := []string{"，", "。", "、", "“", "”", "：", "；", "（", "）", " ", "2024年", "GDP", "3.5%", "１２"}
	var lines []string
	for range n {
		var b strings.Builder
		for k := 12 + rng.IntN(40); k > 0; k-- {
			if rng.IntN(8) == 0 {
				b.WriteString(punct[rng.IntN(len(punct))])
			} else {
				b.WriteRune(han[rng.IntN(len(han))])
			}
		}
		b.WriteString("。")
		lines = append(lines, b.String())
	}
	return lines
}

func BenchmarkTokenize(b *testing.B) {
	corpora := []struct {
		name  string
		lines []string
	}{
		{"en", benchEnglish(2000)},
		{"zh", benchChinese(2000)},
	}
	for _, corpus := range corpora {
		size := 0
		for _, l := range corpus.lines {
			size += len(l)
		}
		for _, name := range tokenizerNames {
			tok, _ := NewTokenizer(name)
			b.Run(name+"/"+corpus.name, func(b *testing.B) {
				buf := make([]byte, 0, 4096)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					for _, l := range corpus.lines {
						buf = tok.Append(buf[:0], l)
					}
				}
			})
		}
	}
	// The whole pre-processing of sacreBLEU -lc: lowercase, right-strip, 13a. Lower
	// allocates the lowercased line (one allocation per line that has a capital).
	lines := corpora[0].lines
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	tok, _ := NewTokenizer("13a")
	b.Run("13a-lc/en", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range lines {
				buf = tok.Append(buf[:0], pystr.TrimRightSpace(pystr.Lower(l)))
			}
		}
	})
}
