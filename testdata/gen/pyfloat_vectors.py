#!/usr/bin/python3
"""Write internal/pyfloat/testdata/vectors.json: Python's float output and means.

Command (from the repository root, with Debian's python3 3.11 and numpy 1.24.2):

    /usr/bin/python3 testdata/gen/pyfloat_vectors.py

Floats are stored as the 16 hex digits of their IEEE-754 bits. Long inputs are
not stored: they are derived from numpy.random.default_rng(seed).bit_generator
.random_raw(n), which the Go test reproduces with internal/nprand, by the
transforms in derive() (exact in both languages); only results or SHA-256
digests of the outputs are stored.
"""

import hashlib
import json
import math
import os
import statistics
import struct
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "pyfloat", "testdata", "vectors.json")
PRECS = [0, 1, 2, 3, 4, 6, 10, 17, 20, 30]


def hx(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def fl(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def derive(kind, raw):
    """Floats from raw uint64 draws; mirrored by derive in pyfloat_test.go."""
    out = []
    for r in (int(v) for v in raw):
        if kind == "bits":  # every bit pattern, NaNs and infinities included
            out.append(fl(r))
        elif kind == "bleu":  # uniform in [0, 100)
            out.append(float(r >> 11) * 2.0**-53 * 100.0)
        elif kind == "decimal":  # short decimals of any magnitude
            d = r % 10 ** (1 + (r >> 59) % 17)
            e = (r >> 20) % 64 - 32
            out.append(float("%de%d" % (d, e)))
        elif kind == "cancel":  # signed, 128 binades: heavy cancellation
            x = float(r >> 11) * 2.0 ** ((r & 127) - 100)
            out.append(-x if r & 1024 else x)
        elif kind == "wide":  # signed, subnormal to 2^1000
            e = (r & 2047) - 1100
            x = float(r >> 11) * 2.0**e if e >= -1074 else 0.0
            out.append(-x if r & 4096 else x)
        elif kind == "ints":  # small integers (BLEU counts)
            out.append(float(r % 200))
        else:
            raise ValueError(kind)
    return out


def raw(seed, n):
    return np.random.default_rng(seed).bit_generator.random_raw(n)


SPECIAL = [
    0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.125,
    0.375, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 37.0, 100.0, 99.95, 37.45, 1.005, 2.675,
    9.5, 0.05, 0.15, 0.25, 0.35, 1e-4, 1e-5, 1.234e-5, 0.00012345, 1e-7,
    1e15, 1e16, 1e17, 9999999999999998.0, 1e22, 1e23, 2.0**53, 2.0**53 + 2,
    2.0**63, 2.0**64, 123456789012345678.0, 5e-324, 1e-323, 2.2250738585072014e-308,
    2.225073858507201e-308, 1.7976931348623157e308, 4.9406564584124654e-324,
    math.pi, math.e, 1e300, -1e-300, 12345.678, 0.1 + 0.2, 1 - 2**-53, 1 + 2**-52,
    0.9999999999999999, 1e-10, 3e-5, 5e-5, 0.00015, 0.999999995, 0.5e-6,
    45.678901234, 28.55, 21.05, 8.325, 0.0005, 1e100, 1.5e-300,
]


def formats():
    out = []
    for x in SPECIAL + [-x for x in SPECIAL if x == x and x != 0]:
        out.append({"x": hx(x), "repr": repr(x), "json": json.dumps(x),
                    "fixed": [format(x, ".%df" % p) for p in PRECS]})
    return out


def format_hashes():
    out = []
    for kind, seed, n in [("bits", 1, 200000), ("decimal", 2, 200000), ("bleu", 3, 50000),
                          ("wide", 4, 50000)]:
        xs = derive(kind, raw(seed, n))
        rec = {"kind": kind, "seed": seed, "n": n,
               "repr": hashlib.sha256("\n".join(repr(x) for x in xs).encode()).hexdigest(),
               "json": hashlib.sha256("\n".join(json.dumps(x) for x in xs).encode()).hexdigest()}
        fixed = {}
        for p in [0, 1, 2, 4, 17]:
            s = "\n".join(format(x, ".%df" % p) for x in xs if abs(x) < 1e30 or x != x)
            fixed[str(p)] = hashlib.sha256(s.encode()).hexdigest()
        rec["fixed"] = fixed
        out.append(rec)
    return out


def record(xs):
    a = np.array(xs, dtype=np.float64)
    with np.errstate(all="ignore"):
        rec = {"sum": hx(float(np.sum(a))), "np_mean": hx(float(np.mean(a))) if len(xs) else None}
    rec["stat_mean"] = hx(statistics.mean(xs)) if len(xs) else None
    return rec


SIZES = [0, 1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 136, 255, 256, 257, 1000,
         1001, 1023, 1024, 1025, 8191, 8192, 8193, 10000, 16384, 16392, 20000, 100000]


def means():
    out = []
    seed = 100
    for kind in ["bleu", "cancel", "wide", "ints", "decimal"]:
        for n in SIZES:
            if kind in ("wide", "decimal") and n > 20000:
                continue
            seed += 1
            xs = derive(kind, raw(seed, n))
            rec = {"kind": kind, "seed": seed, "n": n}
            rec.update(record(xs))
            out.append(rec)
    return out


EXPLICIT = [
    [-0.0], [-0.0, -0.0], [-0.0] * 9, [0.0, -0.0], [1e308, 1e308, -1e308],
    [1e16, 1.0, -1e16], [0.1] * 10, [0.1] * 10000, [37.0] * 1000, [1 / 3] * 999,
    [math.inf, 1.0], [math.inf, -math.inf], [math.nan, 1.0], [-math.inf, 2.0, -math.inf],
    [5e-324, 5e-324, 5e-324], [5e-324, 0.0], [1.5e-323, 0.0], [1e-323, 5e-324],
    [1.0, 1.0 + 2**-52], [1.0 + 2**-52, 1.0 + 2 * 2**-52], [1.7976931348623157e308] * 3,
    [-1.7976931348623157e308, 1.7976931348623157e308, 5e-324], [2.0**-1022, -5e-324],
    [1.0] * 7 + [2**-60], [2**60] + [1.0] * 200 + [-2**60], [0.3, 0.3, 0.3, 0.1],
    [12.5, 37.5, 62.5, 87.5, 25.0, 50.0, 75.0, 100.0, 0.0],
]


def explicit():
    out = []
    for xs in EXPLICIT:
        runs = []  # run-length encoded: [[bits, count], ...]
        for x in xs:
            if runs and runs[-1][0] == hx(x):
                runs[-1][1] += 1
            else:
                runs.append([hx(x), 1])
        rec = {"runs": runs}
        rec.update(record(xs))
        out.append(rec)
    return out


def main():
    doc = {
        "generator": "/usr/bin/python3 testdata/gen/pyfloat_vectors.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "precs": PRECS,
        "formats": formats(),
        "format_hashes": format_hashes(),
        "means": means(),
        "explicit": explicit(),
    }
    # Compact JSON with one record per line, so diffs stay readable.
    with open(OUT, "w") as f:
        f.write("{\n")
        for i, (k, v) in enumerate(doc.items()):
            f.write(json.dumps(k) + ":")
            if isinstance(v, list) and v and isinstance(v[0], dict):
                f.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in v) + "\n]")
            else:
                f.write(json.dumps(v, separators=(",", ":")))
            f.write(",\n" if i < len(doc) - 1 else "\n")
        f.write("}\n")


if __name__ == "__main__":
    main()
