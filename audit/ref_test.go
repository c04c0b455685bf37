package audit

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"
)

// refTokens is the reference tokenisation: the words of Normalize (FNV-1a of
// their bytes), or its characters (their code points) in character mode.
func refTokens(s string, chars bool) []uint64 {
	n := Normalize(s, chars)
	var out []uint64
	if chars {
		for _, r := range n {
			out = append(out, uint64(r))
		}
		return out
	}
	for _, w := range strings.Fields(n) {
		h := uint64(fnvOffset)
		for i := range len(w) {
			h = (h ^ uint64(w[i])) * fnvPrime
		}
		out = append(out, h)
	}
	return out
}

// refGrams computes every n-gram's fingerprint on its own, without a rolling
// hash: the polynomial sum of its tokens times powers of rollBase, mixed.
func refGrams(toks []uint64, n int) []uint64 {
	var out []uint64
	for a := 0; a+n <= len(toks); a++ {
		var r uint64
		for _, t := range toks[a : a+n] {
			r = r*rollBase + t
		}
		out = append(out, mix(r))
	}
	return out
}

func refDoc(toks []uint64) uint64 {
	var h uint64
	for _, t := range toks {
		h = h*0xC2B2AE3D27D4EB4F + t
	}
	return mix(h ^ uint64(len(toks))*0x5bd1e9955bd1e995)
}

// setKeys returns the keys held by s.
func setKeys(s *set) map[uint64]bool {
	m := map[uint64]bool{}
	for i := range s.parts {
		for _, k := range s.parts[i].slots {
			if k != 0 {
				m[k] = true
			}
		}
	}
	return m
}

// refCorpus is generated training text with Unicode, repeated lines (so that
// fingerprints repeat) and lines too short for a window.
func refCorpus(seed uint64, size int) []string {
	r := rand.New(rand.NewPCG(seed, 3))
	lines := genCorpus(seed, size)
	extra := []string{"Ünïcödé ΣΟΦΙΑ straße — «quoted» 日本語のテキスト ½ ⅷ", "x", "", "!!!", "a b c"}
	for i := range lines {
		switch r.IntN(10) {
		case 0:
			lines[i] = extra[r.IntN(len(extra))] + " " + lines[i]
		case 1:
			lines[i] = lines[r.IntN(i+1)]
		}
	}
	return append(lines, extra...)
}

// TestAgainstReference builds indexes in word and character mode, with merges
// of the tables made frequent, and checks them against a reference made with
// Normalize and a map: the same set of n-gram and whole-text fingerprints, and
// for every evaluation item the same n-gram count, hits, exactness and verdict.
func TestAgainstReference(t *testing.T) {
	defer func(m int) { pendMin = m }(pendMin)
	pendMin = 16
	train := refCorpus(31, 1<<18)
	eval := append(refCorpus(31, 1<<14), refCorpus(32, 1<<14)...) // half contaminated
	for i := range eval {
		if i%3 == 0 { // lightly edited
			eval[i] = strings.Replace(eval[i], "a", "Q", 2)
		}
	}
	for _, c := range []Config{{NGram: 13, Partial: 0.2}, {NGram: 3}, {Chars: 50, Partial: 0.5}, {Chars: 7}} {
		chars := c.Chars > 0
		n := c.window()
		grams, docs := map[uint64]bool{}, map[uint64]bool{}
		for _, s := range train {
			toks := refTokens(s, chars)
			if len(toks) > 0 {
				docs[refDoc(toks)] = true
			}
			for _, k := range refGrams(toks, n) {
				grams[k] = true
			}
		}
		for _, workers := range []int{1, 3} {
			c.Workers = workers
			ix := build(t, c, docsOf("train", train...))
			if !chars { // character mode keeps anchors instead (TestCharWindows) and its own text fingerprints (TestAnalyze)
				require.Equal(t, grams, setKeys(&ix.grams), "%s: n-gram fingerprints", describe(c))
				require.Equal(t, int64(len(grams)), ix.NGrams())
				require.Equal(t, docs, setKeys(&ix.docs), "%s: text fingerprints", describe(c))
			}
			var got []Result
			_, err := CheckSource(context.Background(), c, ix, Docs(docsOf("eval", eval...)...), func(r *Result) error {
				got = append(got, *r)
				return nil
			})
			require.NoError(t, err)
			require.Len(t, got, len(eval))
			contaminated := 0
			for i, s := range eval {
				toks := refTokens(s, chars)
				fps := refGrams(toks, n)
				hits := 0
				for _, k := range fps {
					if grams[k] {
						hits++
					}
				}
				exact := len(toks) > 0 && docs[refDoc(toks)]
				share := 0.0
				if len(fps) > 0 {
					share = float64(hits) / float64(len(fps))
				} else if exact {
					share = 1
				}
				full := c.Full
				if full == 0 {
					full = DefaultFull
				}
				v := Clean
				switch {
				case exact || share >= full:
					v = Full
				case hits > 0 && share >= c.Partial:
					v = Partial
				}
				r := got[i]
				if r.NGrams != len(fps) || r.Hits != hits || r.Exact != exact || r.Verdict != v {
					t.Fatalf("%s, item %d %q: got %d n-grams, %d hits, exact %v, %v; want %d, %d, %v, %v",
						describe(c), i, s, r.NGrams, r.Hits, r.Exact, r.Verdict, len(fps), hits, exact, v)
				}
				if v != Clean {
					contaminated++
				}
			}
			assert.Positive(t, contaminated, describe(c))
			assert.Less(t, contaminated, len(eval), describe(c))
		}
	}
}

// TestLayoutCanonical: a table depends only on its set of keys, not on their
// order, their repeats or how the merges fell.
func TestLayoutCanonical(t *testing.T) {
	defer func(m int) { pendMin = m }(pendMin)
	r := rand.New(rand.NewPCG(9, 9))
	keys := make([]uint64, 200000)
	for i := range keys {
		keys[i] = r.Uint64() | 1
		if i%5 == 0 { // some crowded homes
			keys[i] = keys[i]&^0xffffffff | 1
		}
	}
	var want set
	pendMin = 1 << 30
	want.addAll(keys)
	for _, pm := range []int{1, 100, 5000} {
		pendMin = pm
		shuffled := slices.Clone(keys)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		shuffled = append(shuffled, keys[:1000]...)
		var got set
		var sc scratch
		for _, k := range shuffled {
			got.parts[k>>partShift].add([]uint64{k}, &sc)
		}
		for i := range got.parts {
			got.parts[i].finish(&sc)
		}
		for i := range want.parts {
			require.Equal(t, want.parts[i].slots, got.parts[i].slots, "partition %d, pendMin %d", i, pm)
			require.Equal(t, want.parts[i].n, got.parts[i].n)
		}
	}
	for _, k := range keys {
		require.True(t, want.has(k))
		require.False(t, want.has(k^1<<40))
	}
}

// TestReadIndexOldVersion: a version 1 file is refused with a message naming
// the version and saying to build the index again.
func TestReadIndexOldVersion(t *testing.T) {
	ix := build(t, Config{}, docsOf("t", "a b c d e f g h i j k l m n o"))
	var buf bytes.Buffer
	_, err := ix.WriteTo(&buf)
	require.NoError(t, err)
	b := buf.Bytes()
	binary.LittleEndian.PutUint32(b[16:], 1)
	_, err = ReadIndex(bytes.NewReader(b))
	require.ErrorIs(t, err, ErrIndexFormat)
	assert.Contains(t, err.Error(), "version 1")
	assert.Contains(t, err.Error(), "build the index again")
	assert.True(t, utf8.ValidString(err.Error()))
}

// TestReadIndexVersion2: version 2 word-mode files (the same layout) are read;
// version 2 character-mode files are refused with the message to build again.
func TestReadIndexVersion2(t *testing.T) {
	for _, c := range []Config{{}, {Chars: 20}} {
		ix := build(t, c, docsOf("t", "a b c d e f g h i j k l m n o p q r s t u v w x y z"))
		var buf bytes.Buffer
		_, err := ix.WriteTo(&buf)
		require.NoError(t, err)
		b := buf.Bytes()
		binary.LittleEndian.PutUint32(b[16:], 2)
		binary.LittleEndian.PutUint64(b[len(b)-8:], xxh3.Hash(b[:len(b)-8]))
		got, err := ReadIndex(bytes.NewReader(b))
		if c.Chars > 0 {
			require.ErrorIs(t, err, ErrIndexFormat)
			assert.Contains(t, err.Error(), "version 2, this version reads versions 3 and 4: build the index again")
			continue
		}
		require.NoError(t, err)
		r, err := got.Check(c, Doc{Text: "A b c d e f g h i j k l m n o"})
		require.NoError(t, err)
		assert.Equal(t, 3, r.Hits)
	}
}

// TestReadIndexVersion3 loads character indexes that the last version with
// index file format 3 saved (testdata/gen/audit_index_v3.sh): they keep that
// version's k, find exactly the windows that an index built now finds, and are
// saved again in format 3, which reads back the same.
func TestReadIndexVersion3(t *testing.T) {
	var train []string
	lines, err := os.ReadFile("testdata/index-v3/train.jsonl")
	require.NoError(t, err)
	for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var rec struct{ Text string }
		require.NoError(t, json.Unmarshal([]byte(l), &rec))
		train = append(train, rec.Text)
	}
	// Evaluation items: pieces of the training texts, edited, and joined.
	r := rand.New(rand.NewPCG(3, 3))
	var eval []Doc
	for i := range 200 {
		s := []rune(train[i%len(train)])
		a := r.IntN(len(s))
		b := a + r.IntN(len(s)-a+1)
		piece := string(s[a:b])
		if i%3 == 0 && len(piece) > 0 {
			piece = piece[:len(piece)/2] + "x" + piece[len(piece)/2:]
		}
		eval = append(eval, Doc{Text: piece + " " + train[(i+1)%len(train)][:r.IntN(60)]})
	}
	for _, n := range []int{20, 50} {
		f, err := os.Open(fmt.Sprintf("testdata/index-v3/chars%d.idx.gz", n))
		require.NoError(t, err)
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		old, err := ReadIndex(zr)
		f.Close()
		require.NoError(t, err, "n=%d", n)
		assert.Equal(t, charK3(n), old.cp.k, "n=%d", n)
		assert.Equal(t, int64(len(train)), old.Texts)
		c := Config{Chars: n}
		now := build(t, c, docsOf("train", train...))
		var buf bytes.Buffer
		_, err = old.WriteTo(&buf)
		require.NoError(t, err)
		version := uint32(3) // k = 24 for 50 characters, 32 now
		if charK(n) == charK3(n) {
			version = 4 // k = 10 for 20 characters, in both
		}
		assert.Equal(t, version, binary.LittleEndian.Uint32(buf.Bytes()[16:]), "n=%d: version written", n)
		again, err := ReadIndex(&buf)
		require.NoError(t, err)
		found := 0
		for i := range eval {
			want, err := now.Check(c, eval[i])
			require.NoError(t, err)
			for _, ix := range []*Index{old, again} {
				got, err := ix.Check(c, eval[i])
				require.NoError(t, err)
				require.Equal(t, want, got, "n=%d item %d %q", n, i, eval[i].Text)
			}
			found += want.Hits
		}
		require.Positive(t, found, "n=%d", n)
	}
}
