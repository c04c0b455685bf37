#!/usr/bin/python3
"""Write internal/nprand/testdata/vectors.json: reference draws of numpy.random.

Command (from the repository root, with Debian's python3 and its numpy 1.24.2):

    /usr/bin/python3 testdata/gen/nprand_vectors.py

Everything is derived from numpy.random.default_rng / PCG64 / SeedSequence, so
the output is deterministic. Large draws are recorded as SHA-256 digests of
their little-endian bytes (int64 for integers, one byte per bool) so the long
streams are checked without committing them.
"""

import hashlib
import json
import os
import sys

import numpy as np

MASK64 = (1 << 64) - 1
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "nprand",
                   "testdata", "vectors.json")


def state_of(bg):
    s = bg.state
    st, inc = s["state"]["state"], s["state"]["inc"]
    return {
        "state_hi": st >> 64, "state_lo": st & MASK64,
        "inc_hi": inc >> 64, "inc_lo": inc & MASK64,
        "has_uint32": bool(s["has_uint32"]), "uinteger": int(s["uinteger"]),
    }


def words_of(seed):
    # numpy.random.bit_generator._int_to_uint32_array
    if seed == 0:
        return [0]
    w = []
    while seed > 0:
        w.append(seed & 0xFFFFFFFF)
        seed >>= 32
    return w


def sha_i64(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<i8").tobytes()).hexdigest()


def sha_bool(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).hexdigest()


def bits_str(a):
    return "".join("1" if v else "0" for v in np.ravel(a))


SEEDS = [12345, 0, 1, 42, 2**32 - 1, 2**32 + 7, 2**63 - 1, 2**64 - 1,
         2**100 + 3, 2**200 + 12345]


def seeds():
    out = []
    for seed in SEEDS:
        ss = np.random.SeedSequence(seed)
        bg = np.random.PCG64(seed)
        rec = {
            "seed": str(seed),
            "words": words_of(seed),
            "pool": [int(v) for v in ss.pool],
            "state32": [int(v) for v in ss.generate_state(9, np.uint32)],
            "state64": [int(v) for v in ss.generate_state(5, np.uint64)],
            "initial": state_of(bg),
            "raw": [int(v) for v in bg.random_raw(16)],
        }
        # 32-bit draws: integers(0, 2**32, dtype=uint32) is raw next_uint32.
        g = np.random.default_rng(seed)
        rec["uint32"] = [int(v) for v in g.integers(0, 2**32, size=7, dtype=np.uint32)]
        rec["after_uint32"] = state_of(g.bit_generator)
        out.append(rec)
    return out


CHOICE = [  # (seed, n, rows); cols = n unless given
    (12345, 1, 3, None), (12345, 2, 5, None), (12345, 3, 4, None),
    (12345, 7, 3, None), (12345, 10, 10, None), (0, 10, 3, 7),
    (1, 1000, 2, None), (42, 10000, 1, 301), (2**32 + 7, 3, 1, 33),
    (12345, 2**31 - 1, 1, 9), (12345, 2**31, 1, 9), (12345, 2**32 - 1, 1, 9),
    (12345, 2**32, 1, 9), (12345, 2**32 + 5, 1, 9), (7, 2**40 + 3, 2, 5),
    (7, 2**63 - 25, 1, 9), (7, 2**63, 1, 9), (12345, 6, 1, 1001),
]


def choice():
    out = []
    for seed, n, rows, cols in CHOICE:
        cols = n if cols is None else cols
        g = np.random.default_rng(seed)
        v = g.choice(n, size=(rows, cols), replace=True)
        out.append({"seed": seed, "n": n, "rows": rows, "cols": cols,
                    "values": [int(x) for x in v.ravel()],
                    "after": state_of(g.bit_generator)})
    return out


BOOLS = [(12345, 1, 1), (12345, 3, 11), (0, 7, 9), (1, 2, 32), (42, 5, 33),
         (12345, 4, 64), (2**63 - 1, 3, 97), (12345, 1, 31)]


def bools():
    out = []
    for seed, rows, cols in BOOLS:
        g = np.random.default_rng(seed)
        v = g.integers(2, size=(rows, cols), dtype=bool)
        out.append({"seed": seed, "rows": rows, "cols": cols, "bits": bits_str(v),
                    "after": state_of(g.bit_generator)})
    return out


# Sequences of calls on one generator: ("choice", n, rows, cols), ("bool", rows,
# cols), ("raw", k) or ("uint32", k).
SEQUENCES = [
    (12345, [("bool", 3, 7), ("choice", 7, 2, 7)]),             # AR test, small
    (12345, [("choice", 10, 1, 3), ("bool", 1, 5)]),            # odd 32-bit count
    (12345, [("choice", 10, 1, 3), ("raw", 2), ("uint32", 1)]),  # buffer survives raw
    (0, [("choice", 5, 1, 1), ("choice", 5, 1, 1), ("choice", 5, 1, 1)]),
    (1, [("bool", 1, 1), ("bool", 1, 1), ("bool", 1, 40)]),     # bit buffer is per call
    (42, [("uint32", 1), ("choice", 2**32 + 5, 1, 3), ("uint32", 1)]),
    (99, [("bool", 2, 13), ("choice", 13, 3, 13), ("bool", 1, 3), ("choice", 1, 2, 2),
          ("choice", 2**32, 1, 3)]),
]


def sequences():
    out = []
    for seed, calls in SEQUENCES:
        g = np.random.default_rng(seed)
        recs = []
        for c in calls:
            if c[0] == "choice":
                v = g.choice(c[1], size=(c[2], c[3]))
                recs.append({"op": "choice", "n": c[1], "rows": c[2], "cols": c[3],
                             "values": [int(x) for x in v.ravel()]})
            elif c[0] == "bool":
                v = g.integers(2, size=(c[1], c[2]), dtype=bool)
                recs.append({"op": "bool", "rows": c[1], "cols": c[2], "bits": bits_str(v)})
            elif c[0] == "raw":
                v = g.bit_generator.random_raw(c[1])
                recs.append({"op": "raw", "values": [int(x) for x in v]})
            else:
                v = g.integers(0, 2**32, size=c[1], dtype=np.uint32)
                recs.append({"op": "uint32", "values": [int(x) for x in v]})
            recs[-1]["after"] = state_of(g.bit_generator)
        out.append({"seed": seed, "calls": recs})
    return out


ADVANCE = [(12345, 1), (12345, 1000), (0, 2**64 + 5), (1, 2**128 - 1), (42, 2**127 + 2**63)]


def advance():
    out = []
    for seed, delta in ADVANCE:
        bg = np.random.PCG64(seed)
        g = np.random.Generator(bg)
        g.integers(0, 2**32, size=1, dtype=np.uint32)  # leaves a buffered half
        bg.advance(delta)
        st = state_of(bg)
        out.append({"seed": seed, "delta_hi": delta >> 64, "delta_lo": delta & MASK64,
                    "after": st, "raw": [int(v) for v in bg.random_raw(3)]})
    return out


def large():
    out = []
    # sacreBLEU -ci / --paired-bs: choice(n, size=(1000, n)).
    for seed, rows, n in [(12345, 1000, 10000), (12345, 1000, 2000), (1, 1000, 1)]:
        g = np.random.default_rng(seed)
        v = g.choice(n, size=(rows, n), replace=True)
        out.append({"op": "choice", "seed": seed, "n": n, "rows": rows,
                    "sha256": sha_i64(v), "sum": int(v.sum()),
                    "xor": int(np.bitwise_xor.reduce(v.ravel())),
                    "after": state_of(g.bit_generator)})
    # sacreBLEU --paired-ar with -ci: bool (10000, n) then choice (1000, n).
    for seed, trials, n, boot in [(12345, 10000, 3003, 1000), (12345, 10000, 1001, 0)]:
        g = np.random.default_rng(seed)
        m = g.integers(2, size=(trials, n), dtype=bool)
        rec = {"op": "ar", "seed": seed, "n": n, "trials": trials, "boot": boot,
               "bool_sha256": sha_bool(m), "bool_count": int(m.sum()),
               "after_bool": state_of(g.bit_generator)}
        if boot > 0:
            v = g.choice(n, size=(boot, n), replace=True)
            rec["choice_sha256"] = sha_i64(v)
        rec["after"] = state_of(g.bit_generator)
        out.append(rec)
    return out


def main():
    doc = {
        "generator": "/usr/bin/python3 testdata/gen/nprand_vectors.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "seeds": seeds(),
        "choice": choice(),
        "bools": bools(),
        "sequences": sequences(),
        "advance": advance(),
        "large": large(),
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
