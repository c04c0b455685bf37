package pickle

import (
	"encoding/hex"
	"testing"
)

// FuzzPickle: any input either parses or fails with an *Error, within the limits,
// without panicking; rendering the result terminates.
func FuzzPickle(f *testing.F) {
	for _, h := range pythonPickles {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	var a asm
	a.op(opProto, 2).global("os", "system").str("id").op(opTuple1, opReduce, opStop)
	f.Add(a.bytes())
	f.Add([]byte("(K\x01l(K\x02e]K\x03a0."))
	f.Add([]byte("\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01\x90."))
	lim := Limits{MaxInput: 1 << 16, MaxOps: 1 << 12, MaxMemo: 256, MaxDepth: 32, MaxLong: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(data, lim)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		if res.Ops > lim.MaxOps || res.End > int64(len(data)) {
			t.Fatalf("ops %d end %d", res.Ops, res.End)
		}
		_ = Repr(res.Value, 512)
	})
}
