#!/usr/bin/python3
"""Write internal/pyfloat/testdata/percentile_vectors.json: np.percentile
(the default linear method), rouge-score's confidence-interval q values, and
math.fsum.

Command (from the repository root, with Debian's python3 3.11 and numpy 1.24.2):

    /usr/bin/python3 testdata/gen/pyfloat_percentile_vectors.py

Floats are stored as the 16 hex digits of their IEEE-754 bits. Arrays are
either listed or derived, as in pyfloat_vectors.py (whose derive() and raw()
this script imports), from numpy.random.default_rng(seed)'s raw output, which
the Go test reproduces with internal/nprand. Percentiles of derived arrays are
checked over a grid of q derived the same way (see q_grid), through a SHA-256
of the results' little-endian bytes; those for rouge-score's usual intervals
are also listed.
"""

import hashlib
import json
import math
import os
import struct
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyfloat_vectors import derive, fl, hx, raw  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "pyfloat", "testdata",
                   "percentile_vectors.json")

# Confidence intervals: rouge-score's default 0.95 and others whose q/100 does
# not give back (1 - ci) / 2 exactly, plus the ends.
CIS = [0.95, 0.9, 0.99, 0.5, 0.0, 1.0, 0.8, 0.999, 1 / 3, 2 / 3, 0.1, 0.05, 0.68, 0.3,
       0.7, 0.975, 0.123456789, 0.01, 0.6, 0.85, 0.75, 0.999999, 1e-9, 0.2, 0.4]


def confidence_q(ci):
    # rouge_score.scoring.BootstrapAggregator._bootstrap_resample
    percentile_delta = (1 - ci) / 2
    return 100 * np.array([percentile_delta, 0.5, 1 - percentile_delta])


def q_grid():
    """The q values every derived array is checked at; mirrored by qGrid in
    percentile_test.go."""
    qs = [float(i) for i in range(101)] + [i + 0.5 for i in range(100)]
    qs += [float(r >> 11) * 2.0**-53 * 100.0 for r in (int(v) for v in raw(777, 300))]
    for ci in CIS:
        qs += [float(x) for x in confidence_q(ci)]
    return qs


def pct(a, q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inf - inf in _lerp
        return float(np.percentile(np.asarray(a, dtype=np.float64), q))


def confidence():
    out = []
    for ci in CIS:
        out.append({"ci": hx(ci), "q": [hx(float(x)) for x in confidence_q(ci)]})
    return out


NAN, INF = math.nan, math.inf
EXPLICIT = [
    [1.0], [-0.0], [-0.0, -0.0], [-0.0, 0.0], [0.0, -0.0], [1.0, 2.0], [1.0, INF], [-INF, 1.0],
    [-INF, INF], [INF, INF], [1.0, NAN], [0.1, 0.2, 0.7], [0.0, 1.0, 1.0, 3.0],
    [-1e308, 1e308], [5e-324, 1e-323, 1.5e-323], [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75],
    [0.3, 0.30000000000000004, 0.6, 0.9, 0.9000000000000001],
]
EXPLICIT_Q = [0.0, 5e-324, 1e-300, 2.5, 25.0, 33.3, 49.99999999999999, 50.0, 50.00000000000001,
              66.7, 75.0, 97.5, 99.99999999999999, 100.0, 100.00000000000001, -5e-324,
              -1e-300, -0.0, 101.0, NAN]


def explicit():
    out = []
    for a in EXPLICIT:
        res = []
        for q in EXPLICIT_Q:
            try:
                res.append(hx(pct(a, q)))
            except ValueError:
                res.append(None)  # numpy rejects q
        out.append({"values": [hx(x) for x in a], "results": res})
    return out


DERIVED = [("bleu", 1, 1), ("bleu", 2, 2), ("bleu", 3, 3), ("bleu", 4, 10), ("bleu", 5, 1000),
           ("bleu", 6, 1001), ("bleu", 7, 999), ("cancel", 8, 1000), ("wide", 9, 500),
           ("decimal", 10, 300), ("ints", 11, 1000), ("ints", 12, 7)]


def derived():
    qs = q_grid()
    rouge_cis = [0.95, 0.9, 0.99]
    out = []
    for kind, seed, n in DERIVED:
        xs = np.sort(np.array(derive(kind, raw(seed, n)), dtype=np.float64))
        res = np.array([pct(xs, q) for q in qs], dtype="<f8")
        # The same through one vectorized call, as rouge-score makes it.
        for ci in rouge_cis:
            q = confidence_q(ci)
            assert [hx(x) for x in np.percentile(xs, q)] == [hx(pct(xs, x)) for x in q]
        out.append({"kind": kind, "seed": seed, "n": n,
                    "sha256": hashlib.sha256(res.tobytes()).hexdigest(),
                    "rouge": [hx(pct(xs, float(x))) for ci in rouge_cis for x in confidence_q(ci)]})
    return out


def column():
    """rouge-score's call: np.percentile of an (N, 3) matrix along axis 0
    equals the per-column 1-D percentile of the sorted column."""
    m = np.array(derive("bleu", raw(99, 3 * 1000)), dtype=np.float64).reshape(1000, 3) / 100
    for ci in [0.95, 0.5]:
        q = confidence_q(ci)
        got = np.percentile(m, q, axis=0)
        for j in range(3):
            col = np.sort(m[:, j])
            for k in range(3):
                assert hx(got[k, j]) == hx(pct(col, q[k]))


FSUM = [("bleu", 21, 1), ("bleu", 22, 1000), ("cancel", 23, 10), ("cancel", 24, 1000),
        ("cancel", 25, 100000), ("wide", 26, 1000), ("wide", 27, 100000), ("decimal", 28, 1000),
        ("ints", 29, 1000)]


def fsum():
    out = []
    for kind, seed, n in FSUM:
        xs = derive(kind, raw(seed, n))
        out.append({"kind": kind, "seed": seed, "n": n, "fsum": hx(math.fsum(xs))})
    return out


def fsum_explicit():
    cases = [[], [-0.0], [-0.0, -0.0], [5e-324, -5e-324], [1e308, 1e308, -1e308],
             [0.1] * 10, [1.0, 1e100, 1.0, -1e100], [2.0**53, 1.0, -0.5],
             [1.7976931348623157e308, 9.979201547673598e291],
             [1.7976931348623157e308, 2.0**970], [-1e308, -1e308]]
    out = []
    for xs in cases:
        try:
            s = hx(math.fsum(xs))
        except OverflowError:
            s = None
        out.append({"values": [hx(x) for x in xs], "fsum": s})
    return out


def main():
    column()
    doc = {
        "generator": "/usr/bin/python3 testdata/gen/pyfloat_percentile_vectors.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "explicit_q": [hx(q) for q in EXPLICIT_Q],
        "confidence": confidence(),
        "explicit": explicit(),
        "derived": derived(),
        "fsum": fsum(),
        "fsum_explicit": fsum_explicit(),
    }
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
