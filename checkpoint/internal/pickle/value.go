// Package pickle reads Python pickle streams, protocols 0 to 5, without executing
// anything. It is a symbolic stack machine: where Python's unpickler would import a
// module, call a function or set an object's state, this reader builds a value that
// says so (Global, Call, Build, PersID) and goes on. Nothing is ever resolved,
// imported or called, so a pickle that would run code on pickle.load or
// torch.load(weights_only=False) is read safely and its Globals can be audited.
//
// Every GLOBAL, STACK_GLOBAL and INST is also listed in Result.Globals, and every
// persistent id in Result.PersIDs, with its byte offset, wherever the value ends
// up, so an audit does not depend on walking the value graph.
//
// Input size, opcode count, memo size and MARK nesting are limited (Limits); a
// malformed or truncated stream, an unknown opcode or a limit reached is an
// *Error wrapping one of the package's sentinels, never a panic.
//
// Values are:
//
//	None, bool, int64, *big.Int (integers outside int64), float64, string,
//	[]byte (BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8), Tuple, *List,
//	*Dict, *Set, Global, *Call, *Build, PersID.
//
// Mutable containers are pointers, so a memoized list that is appended to later
// is seen with its items wherever it is referenced. BUILD replaces the object on
// the stack by a *Build wrapping it; a memo entry made before BUILD keeps the
// object without its state (the graph is for inspection, not reconstruction).
// Python 2 byte strings (STRING, BINSTRING, SHORT_BINSTRING) are returned as Go
// strings of their bytes, as torch.load's encoding does for ASCII.
package pickle

import (
	"fmt"
	"strings"
)

// None is Python's None.
type None struct{}

// Tuple is a Python tuple.
type Tuple []any

// List is a Python list (or, with Set and Dict, a mutable container that later
// opcodes may fill).
type List struct{ Items []any }

// Pair is one key and value of a Dict, in insertion order.
type Pair struct{ Key, Value any }

// Dict is a Python dict. Items are kept in insertion order; a key set twice
// appears twice (Get returns the last value).
type Dict struct{ Items []Pair }

// Get returns the last value stored under the string key k.
func (d *Dict) Get(k string) (any, bool) {
	for i := len(d.Items) - 1; i >= 0; i-- {
		if s, ok := d.Items[i].Key.(string); ok && s == k {
			return d.Items[i].Value, true
		}
	}
	return nil, false
}

// Set is a Python set or frozenset.
type Set struct {
	Items  []any
	Frozen bool
}

// Global is a reference to module.name, as GLOBAL, STACK_GLOBAL and INST name it.
// It is never resolved.
type Global struct{ Module, Name string }

// String returns "module.name".
func (g Global) String() string { return g.Module + "." + g.Name }

// Call is what REDUCE, NEWOBJ, NEWOBJ_EX, INST and OBJ would have called:
// Func(*Args, **Kwargs). Op names the opcode. Items and Elems hold what SETITEM(S)
// and APPEND(S) added to the result afterwards (a dict or list subclass such as
// collections.OrderedDict is pickled that way).
type Call struct {
	Func   any
	Args   Tuple
	Kwargs *Dict // NEWOBJ_EX only
	Op     string
	Items  []Pair
	Elems  []any
}

// Build is Obj after BUILD set its state (obj.__setstate__(State) or an update
// of its __dict__).
type Build struct {
	Obj   any
	State any
}

// PersID is a persistent id (PERSID, BINPERSID): a reference to an object kept
// outside the pickle, such as torch's storages.
type PersID struct{ Value any }

// Repr returns a short Python-like rendering of v for messages: containers are
// cut after a few items and the result after max bytes.
func Repr(v any, max int) string {
	var b strings.Builder
	repr(&b, v, 0)
	s := b.String()
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func repr(b *strings.Builder, v any, depth int) {
	if depth > 4 || b.Len() > 256 {
		b.WriteString("…")
		return
	}
	items := func(open, close string, xs []any) {
		b.WriteString(open)
		for i, x := range xs {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 4 {
				fmt.Fprintf(b, "… %d more", len(xs)-4)
				break
			}
			repr(b, x, depth+1)
		}
		b.WriteString(close)
	}
	switch x := v.(type) {
	case nil, None:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case string:
		if len(x) > 64 {
			x = x[:64] + "…"
		}
		fmt.Fprintf(b, "%q", x)
	case []byte:
		fmt.Fprintf(b, "b<%d bytes>", len(x))
	case Tuple:
		items("(", ")", x)
	case *List:
		items("[", "]", x.Items)
	case *Set:
		items("{", "}", x.Items)
	case *Dict:
		fmt.Fprintf(b, "{<%d items>}", len(x.Items))
	case Global:
		b.WriteString(x.String())
	case *Call:
		repr(b, x.Func, depth+1)
		items("(", ")", x.Args)
	case *Build:
		repr(b, x.Obj, depth+1)
	case PersID:
		b.WriteString("persid")
		repr(b, x.Value, depth+1)
	default:
		fmt.Fprintf(b, "%v", x)
	}
}
