package intern

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	text := "the cat sat on the mat because the cat was tired of extraordinarily long words"
	buf := append([]byte(text), Padding[:]...)
	var v Table
	v.Reset()
	ids := map[string]uint32{}
	for off := 0; off < len(text); {
		end, word := NextToken(buf, len(text), off)
		require.Equal(t, Word(buf, off, end), word)
		tok := text[off:end]
		id := v.Intern(buf, off, end, word)
		if want, ok := ids[tok]; ok {
			require.Equal(t, want, id, tok)
		} else {
			require.Equal(t, uint32(len(ids)+1), id, "ids count up from 1")
			ids[tok] = id
		}
		require.Equal(t, id, v.Lookup(buf, off, end, word))
		off = end + 1
	}
	require.Equal(t, len(ids), v.Len())
	require.Len(t, strings.Fields(text), 15)

	other := append([]byte("dog"), Padding[:]...)
	require.Zero(t, v.Lookup(other, 0, 3, Word(other, 0, 3)), "unknown token")
	v.Reset()
	require.Zero(t, v.Len())

	// Growing the table keeps every id.
	var many Table
	many.Reset()
	var words []string
	for i := range 5000 {
		words = append(words, strings.Repeat("x", 1+i%13)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)))
	}
	b := append([]byte(strings.Join(words, " ")), Padding[:]...)
	n := len(b) - len(Padding)
	var got []uint32
	for off := 0; off < n; {
		end, word := NextToken(b, n, off)
		got = append(got, many.Intern(b, off, end, word))
		off = end + 1
	}
	for off, i := 0, 0; off < n; i++ {
		end, word := NextToken(b, n, off)
		require.Equal(t, got[i], many.Lookup(b, off, end, word))
		off = end + 1
	}
}
