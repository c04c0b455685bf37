#!/usr/bin/python3
"""Write internal/nprand/testdata/legacy_vectors.json: reference draws of
numpy's legacy global stream (np.random.seed / np.random.choice), the stream
rouge-score's BootstrapAggregator uses.

Command (from the repository root, with Debian's python3 and its numpy 1.24.2):

    /usr/bin/python3 testdata/gen/nprand_legacy_vectors.py

Everything goes through np.random.seed and the global RandomState, exactly
as rouge-score draws, so the output is deterministic. Long draws are recorded
as SHA-256 digests of their little-endian bytes (uint32 for raw outputs,
int64 for indices) plus their sum. A state is recorded as its position and the
SHA-256 of its 624 key words (little-endian uint32).

The raw 32-bit outputs are cross-checked against CPython's own MT19937
(random.Random.setstate with numpy's key), and the 64-bit path against two
raw outputs (high one first), so the script fails if numpy's stream is not
what the Go port assumes.
"""

import hashlib
import json
import os
import random
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "internal", "nprand",
                   "testdata", "legacy_vectors.json")

SEEDS = [0, 1, 42, 12345, 2**32 - 1]


def state_of():
    name, key, pos, _, _ = np.random.get_state()
    assert name == "MT19937"
    return {"pos": int(pos),
            "key_sha256": hashlib.sha256(np.asarray(key, dtype="<u4").tobytes()).hexdigest()}


def raw_u32(k):
    # randint(0, 2**32, dtype=uint32) is the raw next_uint32 of the legacy stream.
    return np.random.randint(0, 2**32, size=k, dtype=np.uint32)


def sha_u32(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<u4").tobytes()).hexdigest()


def sha_i64(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<i8").tobytes()).hexdigest()


def choice(n, size):
    # rouge-score: np.random.choice(np.arange(matrix.shape[0]), size=matrix.shape[0])
    return np.random.choice(np.arange(n), size=size)


def raw():
    out = []
    for seed in SEEDS:
        np.random.seed(seed)
        init = state_of()
        key0 = [int(v) for v in np.random.get_state()[1][:4]]
        # CPython's MT19937 from the same key must give the same words.
        py = random.Random()
        _, key, pos, _, _ = np.random.get_state()
        py.setstate((3, tuple(int(v) for v in key) + (int(pos),), None))
        v = raw_u32(100000)
        assert [py.getrandbits(32) for _ in range(2000)] == [int(x) for x in v[:2000]]
        out.append({
            "seed": seed, "initial": init, "key0": key0,
            "first": [int(x) for x in v[:16]],
            "around_twist": [int(x) for x in v[620:630]],  # the first twist is at 624
            "sha256": sha_u32(v), "sum": int(v.sum(dtype=np.uint64)),
            "after": state_of(),
        })
    return out


# n values rouge-score can meet, and bounds of the 32-bit path.
NS = [1, 2, 3, 7, 100, 333, 1000, 65536, 65537, 100000]


def choices():
    """Several consecutive choice calls per (seed, n): the stream carries over."""
    out = []
    for seed in [0, 1, 42, 12345, 2**32 - 1]:
        for n in NS:
            np.random.seed(seed)
            calls = []
            for _ in range(3):
                v = choice(n, n)
                rec = {"sha256": sha_i64(v), "sum": int(v.sum())}
                if n <= 100:
                    rec["values"] = [int(x) for x in v]
                else:
                    rec["head"] = [int(x) for x in v[:8]]
                rec["after"] = state_of()
                calls.append(rec)
            out.append({"seed": seed, "n": n, "calls": calls})
    return out


def rouge_like():
    """aggregate(): n_samples choice calls for each type in turn, one stream;
    the types can have different n (rouge-score keeps one list per type), and a
    raw draw between aggregates shows the stream goes on."""
    cases = [
        (42, [(7, 10), (7, 10), (7, 10)]),
        (0, [(100, 1000), (100, 1000)]),
        (12345, [(333, 200), (1, 5), (2, 300), (65536, 3), (1000, 1000)]),
        (2**32 - 1, [(3, 1000), (100000, 2)]),
    ]
    out = []
    for seed, types in cases:
        np.random.seed(seed)
        recs = []
        for n, samples in types:
            v = np.stack([choice(n, n) for _ in range(samples)])
            recs.append({"n": n, "samples": samples, "sha256": sha_i64(v),
                         "sum": int(v.sum()), "after": state_of()})
        tail = [int(x) for x in raw_u32(4)]
        out.append({"seed": seed, "types": recs, "tail": tail, "after": state_of()})
    return out


def large():
    """Populations beyond 2^32 - 1 (int population: np.arange would not fit)."""
    out = []
    for seed, n, size in [(12345, 2**32 - 1, 9), (12345, 2**32, 9), (12345, 2**32 + 1, 9),
                          (12345, 2**32 + 5, 9), (7, 2**40 + 3, 9), (7, 3 * 2**40, 9),
                          (7, 2**63 - 25, 9), (1, 2**62 + 1, 9)]:
        np.random.seed(seed)
        v = np.random.choice(n, size=size)
        out.append({"seed": seed, "n": n, "values": [int(x) for x in v],
                    "tail": [int(x) for x in raw_u32(2)], "after": state_of()})
    return out


def checks():
    # A population given as an int draws the same indices as np.arange(n).
    for seed, n in [(5, 7), (5, 1000), (9, 1), (9, 65536)]:
        np.random.seed(seed)
        a = choice(n, 500)
        np.random.seed(seed)
        b = np.random.choice(n, size=500)
        assert (a == b).all()
    # The 64-bit path: masked next_uint64, high output first.
    np.random.seed(3)
    w = raw_u32(8)
    np.random.seed(3)
    v = np.random.randint(0, 2**40, size=3)
    mask = 2**40 - 1
    assert [int(x) for x in v] == [((int(w[2 * i]) << 32 | int(w[2 * i + 1])) & mask)
                                   for i in range(3)]
    # The spec's debugging aid.
    np.random.seed(42)
    assert [int(x) for x in choice(7, 7)] == [6, 3, 4, 6, 2, 4, 4]


def bench():
    """The benchmark's workload: 1000 choice calls of n = 10000."""
    np.random.seed(12345)
    h = hashlib.sha256()
    total = 0
    for _ in range(1000):
        v = choice(10000, 10000)
        h.update(np.ascontiguousarray(v, dtype="<i8").tobytes())
        total += int(v.sum())
    return {"seed": 12345, "n": 10000, "calls": 1000, "sha256": h.hexdigest(),
            "sum": total, "after": state_of()}


def main():
    checks()
    doc = {
        "generator": "/usr/bin/python3 testdata/gen/nprand_legacy_vectors.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "raw": raw(),
        "choice": choices(),
        "rouge": rouge_like(),
        "large": large(),
        "bench": bench(),
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
