#!/usr/bin/python3
"""Write internal/crmath/testdata/glibc.bin.gz: glibc's log and exp, as CPython's
math.log and math.exp return them, on 20 000 arguments of the kinds BLEU uses.

Command (from the repository root; deterministic, about a second):

    /usr/bin/python3 testdata/gen/crmath_vectors.py

Versions the golden was made with: Debian 12, Python 3.11.2 (/usr/bin/python3),
glibc 2.36 (`ldd --version`: "ldd (Debian GLIBC 2.36-9+deb12u14) 2.36") on x86_64.
math.log and math.exp call the C library's log and exp directly.

Format. 20 000 hex input/output pairs take about 330 KB even compressed, so only the
outputs are stored: the inputs are regenerated, by internal/crmath/glibc_test.go, from
the procedure in cases() below, a splitmix64 stream with seed SEED. The file is gzip
(mtime 0) of: one ASCII line

    crmath-glibc v1 cases=N inputs=SHA256\n

where SHA256 is the hex SHA-256 of the N inputs' IEEE-754 bits (8 bytes little-endian
each, in order), so that the Go side can check it rebuilt the same inputs; then the N
outputs' bits, 8 bytes little-endian each, in the same order. The cases, in order:

    6500  log(100*c/t), distinct values, 1 <= c <= t <= 200 (sacreBLEU's precisions)
    4500  exp(1 - r/s), r > s: brevity penalties (sentence- and corpus-level lengths)
    3000  exp((log p1 + log p2 + log p3 + log p4)/4): sacreBLEU's geometric mean, the
          p_n four of the precisions above in decreasing order, log p_n their outputs
          above, summed left to right from 0 as Python's sum
    1500  log(x), x uniform in [0.01, 100)
    1500  log(x), x a random positive finite double (bit pattern) or 1 +- a small value
    1500  exp(x), x uniform in [-25, 5)
    1500  exp(x), x uniform in [-746, 709.79) or +- a random small value

Every float operation below is a single IEEE-754 double operation, the same in Go:
100*c is an exact integer, int / int is correctly rounded (operands below 2^53), and
lo + (hi - lo)*u rounds after the product and after the sum. exp's OverflowError
is recorded as +Inf, which is what glibc returned.
"""

import gzip
import hashlib
import math
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "internal",
                   "crmath", "testdata", "glibc.bin.gz")
SEED = 20240611
M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):  # modulo bias is irrelevant here
        return self.next() % n

    def unit(self):  # in [0, 1), 53 random bits
        return (self.next() >> 11) * 2.0 ** -53

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.unit()

    def sign(self):
        return 1.0 if self.next() >> 63 else -1.0


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def cases(rng):
    """Yields (function, x) pairs; function is math.log or exp."""
    prec, seen = [], set()
    while len(prec) < 6500:
        t = 1 + rng.below(200)
        c = 1 + rng.below(t)
        x = 100 * c / t
        if x not in seen:
            seen.add(x)
            prec.append(x)
    logs = [math.log(x) for x in prec]
    for x in prec:
        yield math.log, x
    for i in range(4500):
        if i % 2 == 0:
            s = 1 + rng.below(200)
            r = s + 1 + rng.below(25 * s)
        else:
            s = 1000 + rng.below(2000000)
            r = s + 1 + rng.below(s // (2, 10, 100, 1000)[rng.below(4)] + 1)
        yield exp, 1 - r / s
    for _ in range(3000):
        idx = sorted((rng.below(6500) for _ in range(4)), key=lambda j: (-prec[j], j))
        yield exp, sum(logs[j] for j in idx) / 4
    for _ in range(1500):
        yield math.log, rng.uniform(0.01, 100)
    for i in range(1500):
        if i % 3 == 0:
            yield math.log, 1 + rng.sign() * (rng.unit() * 2.0 ** -(1 + rng.below(52)))
        else:
            yield math.log, from_bits(1 + rng.below(0x7FF0000000000000 - 1))
    for _ in range(1500):
        yield exp, rng.uniform(-25, 5)
    for i in range(1500):
        if i % 3 == 0:
            yield exp, rng.sign() * (rng.unit() * 2.0 ** -rng.below(61))
        else:
            yield exp, rng.uniform(-746, 709.79)


def main():
    ins, outs = bytearray(), bytearray()
    n = 0
    for f, x in cases(SplitMix64(SEED)):
        ins += struct.pack("<d", x)
        outs += struct.pack("<d", f(x))
        n += 1
    head = "crmath-glibc v1 cases=%d inputs=%s\n" % (n, hashlib.sha256(ins).hexdigest())
    with open(OUT, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
            g.write(head.encode() + bytes(outs))
    print("%s: %d cases, %d bytes" % (os.path.normpath(OUT), n, os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
