package crmath

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The golden testdata/glibc.bin.gz holds glibc 2.36's log and exp, through
// CPython 3.11.2's math.log and math.exp, on 20 000 arguments. It is written
// by testdata/gen/crmath_vectors.py, whose doc string gives the command and
// the format; glibcCases rebuilds its inputs.

// splitMix64 is the generator of crmath_vectors.py.
type splitMix64 struct{ s uint64 }

func (r *splitMix64) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

func (r *splitMix64) below(n uint64) uint64 { return r.next() % n }
func (r *splitMix64) unit() float64         { return float64(r.next()>>11) * 0x1p-53 }

// uniform is lo + (hi-lo)*u with two roundings, as in Python (float64()
// forbids a fused multiply-add).
func (r *splitMix64) uniform(lo, hi float64) float64 { return lo + float64((hi-lo)*r.unit()) }

func (r *splitMix64) sign() float64 {
	if r.next()>>63 != 0 {
		return 1
	}
	return -1
}

// A glibcCase is one argument of the golden and glibc's result.
type glibcCase struct {
	kind string // what the argument is, for messages
	exp  bool   // exp(x) rather than log(x)
	x    float64
	want float64
}

// glibcCases rebuilds the inputs of crmath_vectors.py's cases() and attaches
// the outputs. The geometric-mean arguments need glibc's logs of the
// precisions, the first outputs.
func glibcCases(outs []float64) ([]glibcCase, error) {
	const seed = 20240611
	rng := &splitMix64{s: seed}
	var cs []glibcCase
	add := func(kind string, isExp bool, x float64) {
		cs = append(cs, glibcCase{kind: kind, exp: isExp, x: x})
	}
	var prec []float64
	seen := map[float64]bool{}
	for len(prec) < 6500 {
		t := 1 + rng.below(200)
		c := 1 + rng.below(t)
		x := float64(100*c) / float64(t)
		if !seen[x] {
			seen[x] = true
			prec = append(prec, x)
		}
	}
	for _, x := range prec {
		add("precision 100*c/t", false, x)
	}
	for i := range 4500 {
		var r, s uint64
		if i%2 == 0 {
			s = 1 + rng.below(200)
			r = s + 1 + rng.below(25*s)
		} else {
			s = 1000 + rng.below(2000000)
			d := [...]uint64{2, 10, 100, 1000}[rng.below(4)]
			r = s + 1 + rng.below(s/d+1)
		}
		add("brevity penalty 1-r/s", true, 1-float64(r)/float64(s))
	}
	if len(outs) < len(prec) {
		return nil, fmt.Errorf("only %d outputs", len(outs))
	}
	for range 3000 {
		idx := make([]int, 4)
		for k := range idx {
			idx[k] = int(rng.below(6500))
		}
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case prec[a] > prec[b]:
				return -1
			case prec[a] < prec[b]:
				return 1
			}
			return a - b
		})
		sum := 0.0
		for _, j := range idx {
			sum += outs[j]
		}
		add("geometric mean sum(log p)/4", true, sum/4)
	}
	for range 1500 {
		add("uniform [0.01, 100)", false, rng.uniform(0.01, 100))
	}
	for i := range 1500 {
		if i%3 == 0 {
			sg := rng.sign()
			u := rng.unit()
			k := 1 + rng.below(52)
			add("near 1", false, 1+sg*(u*math.Ldexp(1, -int(k))))
		} else {
			add("random positive double", false, math.Float64frombits(1+rng.below(0x7FF0000000000000-1)))
		}
	}
	for range 1500 {
		add("uniform [-25, 5)", true, rng.uniform(-25, 5))
	}
	for i := range 1500 {
		if i%3 == 0 {
			sg := rng.sign()
			u := rng.unit()
			k := rng.below(61)
			add("small", true, sg*(u*math.Ldexp(1, -int(k))))
		} else {
			add("uniform [-746, 709.79)", true, rng.uniform(-746, 709.79))
		}
	}
	if len(cs) != len(outs) {
		return nil, fmt.Errorf("%d cases for %d outputs", len(cs), len(outs))
	}
	for i := range cs {
		cs[i].want = outs[i]
	}
	return cs, nil
}

// readGlibcGolden reads testdata/glibc.bin.gz and checks that the rebuilt
// inputs are the generator's.
func readGlibcGolden(t *testing.T) []glibcCase {
	t.Helper()
	f, err := os.Open("testdata/glibc.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(zr)
	head, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var sum string
	if _, err := fmt.Sscanf(head, "crmath-glibc v1 cases=%d inputs=%s\n", &n, &sum); err != nil {
		t.Fatalf("header %q: %v", head, err)
	}
	raw, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 8*n {
		t.Fatalf("%d bytes of outputs for %d cases", len(raw), n)
	}
	outs := make([]float64, n)
	for i := range outs {
		outs[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	cs, err := glibcCases(outs)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, c := range cs {
		h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(c.x)))
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		t.Fatalf("rebuilt inputs have SHA-256 %s, the golden's are %s: glibcCases and crmath_vectors.py disagree", got, sum)
	}
	return cs
}

func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b
}

// glibcMisrounded is the number of golden arguments on which glibc's result
// is not the correctly rounded one (all of them exp; glibc 2.36's exp errs by
// up to about 0.51 ulp).
const glibcMisrounded = 10

// TestGlibcGolden requires Log and Exp to equal glibc on every argument of
// the golden where glibc is correctly rounded, and to equal the big-float
// reference where it is not; it counts how often Go's math package differs.
func TestGlibcGolden(t *testing.T) {
	cs := readGlibcGolden(t)
	var nLog, nExp, mathLog, mathExp, mathLogCR, mathExpCR, misrounded int
	for _, c := range cs {
		f, m, ref, name := Log, math.Log, refLog, "Log"
		if c.exp {
			f, m, ref, name = Exp, math.Exp, refExp, "Exp"
			nExp++
		} else {
			nLog++
		}
		got := f(c.x)
		if !same(got, c.want) {
			if want := ref(c.x); !same(got, want) {
				t.Errorf("%s(%v) [%x, %s] = %v [%x], glibc %x, reference %x", name, c.x, math.Float64bits(c.x), c.kind,
					got, math.Float64bits(got), math.Float64bits(c.want), math.Float64bits(want))
				continue
			}
			misrounded++
			t.Logf("glibc is not correctly rounded: %s(%v) [%x, %s] = %x, glibc %x", name, c.x, math.Float64bits(c.x),
				c.kind, math.Float64bits(got), math.Float64bits(c.want))
		}
		mg := m(c.x)
		if c.exp {
			mathExp += b2i(!same(mg, c.want))
			mathExpCR += b2i(!same(mg, got))
		} else {
			mathLog += b2i(!same(mg, c.want))
			mathLogCR += b2i(!same(mg, got))
		}
	}
	t.Logf("%d log and %d exp arguments; glibc is not correctly rounded on %d", nLog, nExp, misrounded)
	t.Logf("math.Log differs from glibc on %d, from the correctly rounded result on %d", mathLog, mathLogCR)
	t.Logf("math.Exp differs from glibc on %d, from the correctly rounded result on %d", mathExp, mathExpCR)
	if misrounded != glibcMisrounded {
		t.Errorf("glibc misrounds %d golden arguments, want %d", misrounded, glibcMisrounded)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

var glibcN = flag.Int("crmath.glibc", 0,
	"TestGlibcLocal: compare with glibc through /usr/bin/python3 on this many arguments per family (0 skips)")

// glibcPython runs fn ("log" or "exp") of CPython's math module on xs.
func glibcPython(t *testing.T, fn string, xs []float64) []float64 {
	t.Helper()
	const script = `
import math, sys
from array import array
def exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
f = math.log if sys.argv[1] == "log" else exp
a = array("d")
a.frombytes(sys.stdin.buffer.read())
sys.stdout.buffer.write(array("d", map(f, a)).tobytes())
`
	in := make([]byte, 0, 8*len(xs))
	for _, x := range xs {
		in = binary.LittleEndian.AppendUint64(in, math.Float64bits(x))
	}
	cmd := exec.Command("/usr/bin/python3", "-c", script, fn)
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	if len(out) != len(in) {
		t.Fatalf("python3 returned %d bytes for %d", len(out), len(in))
	}
	ys := make([]float64, len(xs))
	for i := range ys {
		ys[i] = math.Float64frombits(binary.LittleEndian.Uint64(out[8*i:]))
	}
	return ys
}

// TestGlibcLocal compares Log and Exp with glibc on -crmath.glibc arguments
// per family, many more than the golden holds; nothing is stored. Every
// disagreement is settled with the big-float reference: the test fails if
// this package is wrong and logs the arguments where glibc is.
//
//	go test ./internal/crmath -run GlibcLocal -crmath.glibc=1000000 -v
func TestGlibcLocal(t *testing.T) {
	n := *glibcN
	if n == 0 {
		t.Skip("needs -crmath.glibc=N")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	rng := &splitMix64{s: 7}
	type family struct {
		name string
		exp  bool
		gen  func(i int) float64
	}
	families := []family{
		{"log 100*c/t, t <= 1000", false, func(int) float64 {
			t := 1 + rng.below(1000)
			return float64(100*(1+rng.below(t))) / float64(t)
		}},
		{"log uniform [0.01, 100)", false, func(int) float64 { return rng.uniform(0.01, 100) }},
		{"log random positive double", false, func(int) float64 {
			return math.Float64frombits(1 + rng.below(0x7FF0000000000000-1))
		}},
		{"log near 1", false, func(int) float64 {
			return 1 + rng.sign()*(rng.unit()*math.Ldexp(1, -int(1+rng.below(52))))
		}},
		{"exp uniform [-25, 5)", true, func(int) float64 { return rng.uniform(-25, 5) }},
		{"exp 1-r/s", true, func(i int) float64 {
			s := 1 + rng.below([...]uint64{200, 2000000}[i%2])
			return 1 - float64(s+1+rng.below(25*s))/float64(s)
		}},
		{"exp sum of 4 logs/4", true, func(int) float64 {
			sum := 0.0
			for range 4 {
				t := 1 + rng.below(200)
				sum += Log(float64(100*(1+rng.below(t))) / float64(t))
			}
			return sum / 4
		}},
		{"exp uniform [-746, 709.79)", true, func(int) float64 { return rng.uniform(-746, 709.79) }},
		{"exp small", true, func(int) float64 { return rng.sign() * (rng.unit() * math.Ldexp(1, -int(rng.below(61)))) }},
	}
	total, glibcWrong := 0, 0
	for _, fam := range families {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = fam.gen(i)
		}
		f, m, ref, fn := Log, math.Log, refLog, "log"
		if fam.exp {
			f, m, ref, fn = Exp, math.Exp, refExp, "exp"
		}
		ys := glibcPython(t, fn, xs)
		diff, mathDiff := 0, 0
		for i, x := range xs {
			if !same(m(x), ys[i]) {
				mathDiff++
			}
			got := f(x)
			if same(got, ys[i]) {
				continue
			}
			diff++
			if want := ref(x); !same(got, want) {
				t.Errorf("%s(%v) [%x] = %x, reference %x, glibc %x", fn, x, math.Float64bits(x),
					math.Float64bits(got), math.Float64bits(want), math.Float64bits(ys[i]))
			} else {
				glibcWrong++
				t.Logf("glibc %s(%v) [%x] = %x is not correctly rounded: %x", fn, x, math.Float64bits(x),
					math.Float64bits(ys[i]), math.Float64bits(want))
			}
		}
		total += n
		t.Logf("%-28s %d arguments: %d differ from glibc; math.%s differs on %d", fam.name, n, diff,
			strings.ToUpper(fn[:1])+fn[1:], mathDiff)
	}
	t.Logf("%d arguments in all; glibc not correctly rounded on %d", total, glibcWrong)
}
