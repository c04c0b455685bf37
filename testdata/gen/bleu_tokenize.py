# bleu_tokenize.py -- golden files for the BLEU tokenizers (package bleu) and for the Python
# string operations they depend on (package internal/pystr), made by sacreBLEU and CPython.
#
# Command (from the repository root):
#
#     /usr/bin/python3 testdata/gen/bleu_tokenize.py SACREBLEU_SRC_DIR
#
# SACREBLEU_SRC_DIR is the root of a sacreBLEU checkout (the directory that contains the
# `sacrebleu` package). The goldens were made from sacreBLEU 2.6.0 (github.com/mjpost/sacrebleu
# at commit f615c72) with Debian 12's Python 3.11.2 (unicodedata 14.0.0) and the `regex` module
# 2.5.123 (Debian python3-regex). A plain checkout has no sacrebleu/version.py; it is provided in
# memory with __version__ = "2.6.0" and the checkout is left untouched. The output is
# deterministic: running the script twice gives identical files.
#
# It writes:
#
#   testdata/bleu/tokenize/cases.jsonl
#       The first line is {"meta": {...}} (versions). Every other line is one input segment:
#         {"in": S, "out": {TOK: T, ...}, "rstrip": {...}, "lc": {...}}
#       for TOK in 13a, intl, char, zh, none, where
#         out[TOK]    = " ".join(tok(S).split())                      (S exactly as given)
#         rstrip[TOK] = " ".join(tok(S.rstrip()).split())             (sacreBLEU without -lc)
#         lc[TOK]     = " ".join(tok(S.lower().rstrip()).split())     (sacreBLEU with -lc)
#       "rstrip" is left out when S.rstrip() == S, and "lc" when S.lower().rstrip() == S
#       (then they equal "out"). The order lower -> rstrip -> tokenize is that of
#       BLEU._preprocess_segment in sacrebleu/metrics/bleu.py. The inputs are a hand-written list
#       of tricky cases, one per rule of every tokenizer, followed by lines sampled from a fixed
#       seed from a weighted mix of scripts, punctuation, entities and whitespace.
#
#   testdata/bleu/tokenize/unicode.json
#       Code point classes used by the tokenizers, as sorted inclusive [lo, hi] ranges over
#       U+0000..U+10FFFF (surrogates excluded): "P", "S", "N" are the regex module's \p{P},
#       \p{S}, \p{N} (tok:intl); "zh" is TokenizerZh._is_chinese_char (with its range quirk).
#
#   internal/pystr/testdata/unicode.json
#       Python's str operations over every code point (surrogates excluded):
#       "space": ranges of str.isspace(); "lower": every c with chr(c).lower() != chr(c), as
#       [lo, hi, stride, delta] runs (for c in range(lo, hi + 1, stride):
#       chr(c).lower() == chr(c + delta)); "lower_special": {c: [code points]} for multi-char
#       results; "cased" and "case_ignorable": ranges of the Cased and Case_Ignorable
#       properties that str.lower() uses for the Final_Sigma rule, found by probing lower()
#       itself; "sigma": [input, str.lower(input)] pairs exercising Final_Sigma and U+0130.

import json
import os
import random
import sys
import types
import unicodedata

EXPECTED_VERSION = "2.6.0"
TOKENIZERS = ["13a", "intl", "char", "zh", "none"]
MAX_CP = 0x10FFFF


def load_sacrebleu(src):
    src = os.path.abspath(src)
    if not os.path.isdir(os.path.join(src, "sacrebleu")):
        sys.exit(f"{src}: no sacrebleu package here")
    sys.path.insert(0, src)
    if not os.path.exists(os.path.join(src, "sacrebleu", "version.py")):
        m = types.ModuleType("sacrebleu.version")
        m.__version__ = EXPECTED_VERSION
        sys.modules["sacrebleu.version"] = m
    import sacrebleu
    if sacrebleu.__version__ != EXPECTED_VERSION:
        sys.exit(f"sacreBLEU {sacrebleu.__version__}, want {EXPECTED_VERSION}")
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
    from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
    from sacrebleu.tokenizers.tokenizer_none import NoneTokenizer
    toks = {
        "13a": Tokenizer13a(),
        "intl": TokenizerV14International(),
        "char": TokenizerChar(),
        "zh": TokenizerZh(),
        "none": NoneTokenizer(),
    }
    return sacrebleu, toks, TokenizerZh


def all_chars():
    return (c for c in range(MAX_CP + 1) if not 0xD800 <= c <= 0xDFFF)


def ranges(pred):
    out = []
    for c in all_chars():
        if pred(c):
            if out and out[-1][1] == c - 1:
                out[-1][1] = c
            else:
                out.append([c, c])
    return out


def regex_ranges(pattern):
    import regex
    rx = regex.compile(pattern)
    return ranges(lambda c: rx.fullmatch(chr(c)) is not None)


# ---------------------------------------------------------------------------------------------
# Hand-written inputs: every rule of every tokenizer and the "common mistakes" of the spec.

ASCII_PUNCT = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())

CASES = [
    # empty and whitespace-only
    "", " ", "\t", "\u001c", "  \u00a0 ", "a", "A",
    # 13a: <skipped>, -\n, \n, in every order
    "<skipped>", "a<skipped>b", "a <skipped> b", "<ski<skipped>pped>", "<<skipped>skipped>",
    "<skipped", "<SKIPPED>", "-<skipped>\nx", "a-\nb", "a -\nb", "a--\n\nb", "a-\n-\nb",
    "line1\nline2", "\n", "-\n", "a\n", "a\n\n", "\na", "-\n-", "1-\n2", "1-\n-2", "&lt;skipped&gt;",
    "&lt;skipped>", "<skipped&gt;", "-&amp;\n", "&amp;-\n", "x<skipped>-\ny",
    # 13a: entities, in all orders and nestings
    "AT&T", "a & b", "a &amp; b", "&amp;lt;", "&amp;gt;", "&amp;quot;", "&amp;amp;",
    "&amp;amp;lt;", "&quot;hello&quot;", "&lt;b&gt;bold&lt;/b&gt;", "&apos;", "&nbsp;", "&#39;",
    "&quot;&quot;", "&&lt;;", "&lt&gt;", "&amp", "&AMP;", "&quot;<skipped>", "&lt;&lt;",
    "&amp;&amp;", "&quot", "x&amp;quot;y", "&lt;-\n", "&gt;\n", "&&amp;amp;;", "&amp;&quot;",
    "&quot;&amp;", "&lt;&amp;gt;", "&amp;lt;skipped&amp;gt;", "&amp;&lt;", "&;", "&&", "&",
    "R&D; Q&A", "1&amp;2", "&quot;1999.&quot;", "&lt;.&gt;", "a&amp;-\nb",
    # dots and commas around digits and at the ends
    "3.14", "1,000", "1,000.50", "end 1999.", "1999 .", "1999.", "x..y", "x...y", "x....y",
    "1..2", "1...2", "1....2", ".5", ". 5", " .5", "a.5", "5.a", "a.b", "a,b", "1.a", "a.1",
    ",1", "1,", ".", ",", "..", "...", "....", ".,.,", "1.,2", "1,.2", "U.S.A.", "e.g., this",
    "Mr. Smith", "$3.50", "3.", "3..", "3...", "(3.)", "3.)", "(.5)", "1.2.3", "1.2.3.4",
    "192.168.0.1", "...1", "1...", "..1", "1..", "a.,b", "a,.b", "-.5", "1-.5", "1.-5",
    "1999. ", "1999.\t", "1999.\u00a0", "1999.\u2028", " 1999.", "a.", "a,", ".a", ",a",
    "1.1.", ".1.", "1,2,3", "1, 2, 3", "1 ,2", "a.\u0301", "5.\u00b2", "\u00b2.5", "٣.١٤",
    "٣.", "a٣.b", "5.٣", "٣,٠٠٠", ".٣", "x.٣",
    # dashes after digits
    "2-3", "-5", "a-b", "1-b", "a-1", "1--2", "1---2", "2-3-4", "-", "--", "1-", "(1)-2",
    "co-operate", "5-year-old", "1.5-2", "3,-4", "1 - 2", "-2-", "2--", "1-\u0661",
    "\u0661-1", "1\u20132", "1.-", "1,-2", "x-1-y", "1e-5", "2024-01-01",
    # numbers and mixed
    "3.14 1,000 -5 2-3", "-5.5", "+5", "5%", "50 %", "$-5", "1/2", "10:30", "1,234,567.89",
    "1.000,50", "v1.2.3-beta", "2-", "50/50", "3.14.", "3,14,", "the year 1999.",
    "He paid $3.50, then left.", "Prices rose 2.5% in 2023-24.",
    # apostrophes, quotes, words
    "don't", "it's", "rock'n'roll", "''", "``quote''", "O'Neil", 'he said: "hi"', "a/b/c",
    "C++", "C#", "#hashtag", "@user", "http://example.com/a?b=c&d=e", "user@example.com",
    "$PATH", "~/dir", "a_b", "[a]", "{a}", "<a>", "a|b", "a\\b", "a^b", "a`b", "a~b",
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How are you? I'm fine; thanks: (really) [yes] {ok} <tag> \"q\" 'q'.",
    ASCII_PUNCT, " ".join(ASCII_PUNCT), "a" + "a".join(ASCII_PUNCT) + "a",
    "1" + "1".join(ASCII_PUNCT) + "1",
    # non-ASCII punctuation and symbols
    "\u201cquoted\u201d", "\u2018single\u2019", "em\u2014dash", "ellipsis\u2026",
    "\u201eGerman\u201c", "\u00abFrench\u00bb", "\u00bfQu\u00e9?", "\u00a1Hola!", "1\u20132",
    "a\u00b7b", "\u30fb", "\u3001\u3002", "\u300c\u300d", "\u00b6\u00a7", "\u2020\u2021",
    "\u2030", "\u2032\u2033", "\u20ac5", "5\u20ac", "\u00a3", "\u00a5", "\u00a9", "\u00ae",
    "\u2122", "\u00b0C", "\u00b1", "\u00d7", "\u00f7", "\u2192", "\u2211", "\u221a2", "\u221e",
    "\u2605", "\u2665", "\u263a", "\u2713", "\u2318", "\u00a92020", "a\u2026b", "1\u20ac.5",
    "x\u2042y", "\u2022 item", "5\u2122", "a\u2001b", "a\u2a6db", "a\u2a6eb", "\u00a0.5",
    "\u0021\u00bf", "a\u058ab", "a\u05beb", "\u060c\u061b\u061f", "\u0964",
    # non-ASCII numbers
    "\u00b2", "\u00bd", "x\u00b2", "3\u00bd", "\u0967\u0968\u0969", "\u2460", "\u216b",
    "\u2160.\u2161", "\u00bd,\u00bd", "\u0969-\u096a", "\u00b2!",
    # CJK, zh ranges and the U+2001-2A6D quirk
    "\u4e2d\u6587\u5206\u8bcd", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\u3002",
    "\u4e2d\u6587,English.\u6df7\u5408", "1998\u5e74", "\u4eca\u5929\u662f2024\u5e741\u67081\u65e5\u3002",
    "\u4e2d\u6587123", "\u4e2d1.5\u6587", "1.\u4e2d", "\u4e2d.1", "\u4e2d.", ".\u4e2d",
    "\U00020000\U00020001", "\U0002a700", "\U0002f800", "\U0002fa1d", "\u3072\u3089\u304c\u306a",
    "\u30ab\u30bf\u30ab\u30ca", "\uff76\uff80\uff76\uff85", "\uff21\uff22\uff23\uff11\uff12\uff13",
    "\uff11\uff12\uff13\uff0e\uff14\uff15", "\uff28\uff45\uff4c\uff4c\uff4f\uff0c\uff57\uff4f\uff52\uff4c\uff44\uff01",
    "\ud55c\uad6d\uc5b4", "\u3400", "\u4db5", "\u4db6", "\u9fbb", "\u9fbc", "\u4e00", "\u9fff",
    "a\u2000b", "\u2001", "\u2a6d", "\u2a6e", "\u2e7f", "\u2e80", "\u3007", "\u303f", "\u3040",
    "\ufa2d", "\ufa2e", "\ufa30", "\ufa6a", "\ufa6b", "\ufa70", "\ufad9", "\ufada", "\ufe0f",
    "\ufe10", "\ufe1f", "\ufe20", "\ufe30", "\ufe4f", "\ufe50", "\uff00", "\uffef", "\ufff0",
    "\u3100", "\u312f", "\u3130", "\u31a0", "\u31bf", "\u31ef", "\u31f0", "\u2fdf", "\u2fe0",
    "\u2fef", "\u2ff0", "\u3000", "a\u3000b", "\u3000a\u3000", "\u3200", "\u33ff",
    "\u201c\u4f60\u597d\u201d", "hello\u2014world", "\u20ac100", "a\u2192b", "\u2022", "1\u2030",
    "x\u2600y", "\u2700\u27bf", "1.5\u20ac", "\u4e2d\u6587 1999.", "  \u4e2d  ", "\u00a0.5\u00a0",
    # Greek sigma and other lowercasing cases (see the lc outputs)
    "\u039f\u0394\u039f\u03a3", "\u0391.\u03a3", "\u03a3\u0391\u03a3", "\u03a3", "\u0391\u03a3",
    "\u0391\u03a3.", "\u0391\u03a3 \u0391", "\u0391\u03a3\u0391", "\u0391'\u03a3",
    "\u0391\u0301\u03a3", "\u0391\u03a3\u0301", "\u0391\u03a3\u0301\u0391", "1\u03a3", ".\u03a3",
    "\u0391\u03a31", "\u0391\u03a3'\u0391", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
    "\u03a3\u03a3", "\u0391\u03a3\u03a3", "\u0391\u03a3-\u0392", "\u0391\u03a3\u00ad\u0392",
    "\u0391\u03a3:\u0392", "\u0391\u03a3.\u0392", "\u0391\u03a3,\u0392", "\u0391\u03a3\u00b7\u0392",
    "A\u03a3", "\u01c5\u03a3", "\u02b0\u03a3", "\u0345\u03a3", "\u0391\u03a3\u02b0",
    "\u0130stanbul", "\u0130", "\u0130\u0130", "D\u0130YARBAKIR", "\u03a3\u0130\u03a3",
    "\u01c5", "\u1e9e", "\u212a", "\u2126", "\u212b", "\u1f88", "\ufb00", "\u216b", "\u24b6",
    "\U00010400", "\u13a0", "\u13f8", "\u0130.", "I\u0307", "\u023a", "\u2c6f",
    "HELLO WORLD. THIS IS A TEST, 1999.", "\u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391 \u039a\u039f\u03a3\u039c\u0395!",
    # whitespace set W and near misses
    "a\u001cb", "a\u001db", "a\u001eb", "a\u001fb", "a\u0085b", "a\u2028b", "a\u2029b",
    "a\u00a0b", "a\u1680b", "a\u200ab", "a\u200bb", "a\u202fb", "a\u205fb", "a\tb", "a\rb",
    "a\r\nb", "a\u000bb", "a\u000cb", "  leading", "trailing  ", "trailing\t",
    "trailing\u00a0", "trailing\u0085", "trailing\u2028", "trailing\u001f", "a\u0085.",
    "1.\u00a0", "1.\u2028", "1.\t2", "1.\u001f2", "1.\u0085", "1\u001c-2", "\u180e", "a\u180eb",
    "x\u0000y", "\u0000", "a\u0001.", "a\u007f.", "\u2060", "a\u200c\u200db",
    # BOM, ZWJ emoji, combining marks
    "\ufeffHello world.", "\ufeff", "a\ufeffb", "\ufeff1.", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f44d\U0001f3fd", "\U0001f1e9\U0001f1ea", "\u2764\ufe0f", "1\ufe0f\u20e3", "a\u200db",
    "e\u0301", "cafe\u0301.", "\u0301", "a\u0308.", "1\u0301.5", ".\u0301", "1.\u0301",
    "\U0001f600!", "\U0001f600.", "\U000e0001", "\U0010ffff", "\U0001d7d9.5",
    # tabs, \r
    "a\tb\tc", "\ta\t", "1.\r", "a\r", "\r\n", "1\r.5", "a,\rb",
    # a longer paragraph
    "Mr. O'Neil (born 1999-03-04) said: \"It's 3.5% of $1,000,000.\" Then he left... "
    "The U.S. economy, however, grew 2.1 % -- or so they say! <skipped> &amp; &lt;b&gt; end.",
]

# Every ASCII punctuation character between letters, between digits, alone, after and
# before a digit.
for p in ASCII_PUNCT:
    CASES += [f"a{p}b", f"1{p}2", f"{p}", f"1{p}", f"{p}1", f"a{p}"]


# ---------------------------------------------------------------------------------------------
# Sampled inputs.

POOLS = [
    # (weight, alternatives)
    (30, list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    (18, list("0123456789")),
    (14, list(".,")),
    (12, [" "]),
    (6, list("-")),
    (8, list(ASCII_PUNCT)),
    (4, ["&amp;", "&lt;", "&gt;", "&quot;", "&", "<skipped>", "-\n", "\n", "amp;", "lt;", ";"]),
    (4, ["\t", "\r", "\u00a0", "\u0085", "\u2028", "\u3000", "\u001c", "\u001f", "\u2000",
         "\u200b", "\ufeff"]),
    (4, ["\u03a3", "\u0391", "\u03bf", "\u0130", "\u0301", "\u00b7", "'", ":", "\u00ad",
         "\u02b0", "\u01c5", "\u212a", "\u1e9e"]),
    (5, ["\u4e2d", "\u6587", "\u3002", "\u3001", "\U00020000", "\u3042", "\u30a2", "\uff11",
         "\uff0e", "\uff21", "\u4db6", "\u9fbc", "\ufa2e", "\u3400", "\ud55c"]),
    (5, ["\u201c", "\u201d", "\u2014", "\u2026", "\u00ab", "\u00bb", "\u00bf", "\u2013",
         "\u2022", "\u20ac", "\u2122", "\u2192", "\u00b0", "\u00d7", "\u2a6d", "\u2a6e", "\u2001",
         "\u060c", "\u0964", "\u058a"]),
    (4, ["\u00b2", "\u00bd", "\u0663", "\u0967", "\u2460", "\u216b", "\uff10"]),
    (3, ["\U0001f600", "\u200d", "\ufe0f", "\U0001f1e9", "\U0001f3fd", "\u20e3", "\u0308",
         "\u00e9", "\u00c9", "\u00df"]),
]


def sample_lines(n, seed=20260112):
    rnd = random.Random(seed)
    weights = [w for w, _ in POOLS]
    lines = []
    for _ in range(n):
        length = rnd.choice([1, 2, 3, 4, 6, 8, 12, 16, 24, 32])
        parts = []
        for _ in range(length):
            pool = rnd.choices(POOLS, weights=weights)[0][1]
            parts.append(rnd.choice(pool))
        lines.append("".join(parts))
    return lines


# ---------------------------------------------------------------------------------------------
# pystr: lower(), isspace(), Final_Sigma.

def lower_runs():
    """Single-code-point lowercase mappings as [lo, hi, stride, delta] runs, plus the
    multi-code-point ones."""
    singles = []
    special = {}
    for c in all_chars():
        lo = chr(c).lower()
        if lo == chr(c):
            continue
        if len(lo) == 1:
            singles.append((c, ord(lo) - c))
        else:
            special[str(c)] = [ord(x) for x in lo]
    runs = []
    i = 0
    while i < len(singles):
        c, d = singles[i]
        # Prefer the longer of a contiguous run and an every-other run.
        best = (c, 1, 1)  # hi, stride, count
        for stride in (1, 2):
            hi, k = c, i
            while k + 1 < len(singles) and singles[k + 1] == (hi + stride, d):
                hi += stride
                k += 1
            if k - i + 1 > best[2]:
                best = (hi, stride, k - i + 1)
        hi, stride, count = best
        runs.append([c, hi, stride if count > 1 else 1, d])
        i += count
    return runs, special


def sigma_ends_final(s):
    return s.lower()[-1] == "\u03c2"


def case_properties():
    """Case_Ignorable and Cased as str.lower() sees them, probed through Final_Sigma.

    For a code point c (with A cased and not case-ignorable):
      "cΣ"  ends in final sigma  <=>  not ignorable(c) and cased(c)
      "AcΣ" ends in final sigma  <=>  ignorable(c) or cased(c)
    so ignorable(c) = f2 and not f1. A code point that is both ignorable and cased (U+0345,
    U+02B0, ...) behaves as ignorable everywhere in the rule, which is why "cased" below is
    the Cased property itself (Lowercase | Uppercase | Lt, checked against the probe).
    """
    ign, cased = [], []
    for c in all_chars():
        ch = chr(c)
        f1 = sigma_ends_final(ch + "\u03a3")
        f2 = sigma_ends_final("A" + ch + "\u03a3")
        ignorable = f2 and not f1
        is_cased = ch.islower() or ch.isupper() or unicodedata.category(ch) == "Lt"
        if f1 != (is_cased and not ignorable):
            sys.exit(f"U+{c:04X}: Cased probe disagrees with islower/isupper/Lt")
        ign.append(ignorable)
        cased.append(is_cased)
    return ign, cased


def to_ranges(flags):
    cps = [c for c in all_chars()]
    out = []
    for c, f in zip(cps, flags):
        if f:
            if out and out[-1][1] == c - 1:
                out[-1][1] = c
            else:
                out.append([c, c])
    return out


SIGMA_CASES = [
    "\u03a3", "\u03a3\u03a3", "\u0391\u03a3", "\u03a3\u0391", "\u03a3\u0391\u03a3",
    "\u039f\u0394\u039f\u03a3", "\u0391.\u03a3", "\u0391:\u03a3", "\u0391'\u03a3",
    "\u0391\u2019\u03a3", "\u0391\u00b7\u03a3", "\u0391,\u03a3", "\u0391 \u03a3",
    "\u0391\u03a3 ", "\u0391\u03a3.", "\u0391\u03a3.\u0392", "\u0391\u03a3\u0301",
    "\u0391\u03a3\u0301\u0392", "\u0391\u0301\u0301\u03a3", "\u0301\u03a3", "\u02b0\u03a3",
    "A\u02b0\u03a3", "\u0345\u03a3", "\u03a3\u0345", "\u0391\u03a3\u0345", "\u01c5\u03a3",
    "\u0391\u03a3\u01c5", "\u00aa\u03a3", "\u2170\u03a3", "\u24b6\u03a3", "\u0391\u03a3\u24b6",
    "1\u03a3", "\u0391\u03a31", "\u0391\u03a3\u0391\u03a3", "\u0391\u03a3\u00ad",
    "\u0391\u03a3\u00ad\u0392", "\u0391\u200d\u03a3", "\u0391\ufeff\u03a3", "\u0391\U000e0001\u03a3",
    "\u0130\u03a3", "\u03a3\u0130", "\u0391\u03a3\u0130", "\u0130", "\u0130\u0130", "a\u0130b",
    "\u0391\U0001d400\u03a3", "\U0001d400\u03a3", "\u0391\u03a3\U0001d400", "\u0391\u03a3\U0001f600",
    "\U00010400\u03a3", "\u0391\u03a3\U00010400", "\u0391\u02b9\u03a3", "\u0391\u0374\u03a3",
    "\u0391\u03a3\u03a3\u03a3", "\u0391 \u03a3\u03a3 \u0391", "\u03c3\u03a3", "\u03c2\u03a3",
    "\u0391\u0387\u03a3", "\u0391\u005e\u03a3", "\u0391\u0060\u03a3", "\u0391\u00a8\u03a3",
    "\u0391\u00af\u03a3", "\u0391\u2018\u03a3", "\u0391\ufe13\u03a3", "\u0391\uff07\u03a3",
    "\u0391\uff0e\u03a3", "\u0391\u05f4\u03a3", "\u0391\u2024\u03a3", "\u0391\u2027\u03a3",
    "\u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391 \u039a\u039f\u03a3\u039c\u0395",
    "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
]


def sigma_random(n, seed=20260113):
    rnd = random.Random(seed)
    pool = ["\u03a3", "\u03a3", "\u03a3", "\u0391", "a", "1", " ", ".", ":", "'", "\u0301",
            "\u00ad", "\u02b0", "\u0345", "\u01c5", "\u200d", "\u0130", "\u00b7", "\u2019", ","]
    return ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 8))) for _ in range(n)]


# ---------------------------------------------------------------------------------------------

def dump_object(obj):
    """A JSON object with one top-level key per line (easier to diff than one long line)."""
    return "{\n" + ",\n".join(f"{dump(k)}:{dump(v)}" for k, v in obj.items()) + "\n}"


def dump(obj):
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # Keep U+0085, U+2028 and U+2029 escaped so that no tool sees a line break in a JSONL line.
    return s.replace("\u0085", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} SACREBLEU_SRC_DIR")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sacrebleu, toks, TokenizerZh = load_sacrebleu(sys.argv[1])
    import regex

    meta = {
        "sacrebleu": sacrebleu.__version__,
        "sacrebleu_commit": "f615c72",
        "python": sys.version.split()[0],
        "unidata": unicodedata.unidata_version,
        "regex": regex.__version__,
        "generator": "testdata/gen/bleu_tokenize.py",
    }

    def run(s):
        return {name: " ".join(tok(s).split()) for name, tok in toks.items()}

    inputs = []
    seen = set()
    for s in CASES + sample_lines(320):
        if s not in seen:
            seen.add(s)
            inputs.append(s)

    tokdir = os.path.join(root, "testdata", "bleu", "tokenize")
    os.makedirs(tokdir, exist_ok=True)
    with open(os.path.join(tokdir, "cases.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.write(dump({"meta": meta}) + "\n")
        for s in inputs:
            rec = {"in": s, "out": run(s)}
            if s.rstrip() != s:
                rec["rstrip"] = run(s.rstrip())
            lc = s.lower().rstrip()
            if lc != s:
                rec["lc"] = run(lc)
            f.write(dump(rec) + "\n")

    zh_ranges = ranges(lambda c: TokenizerZh._is_chinese_char(chr(c)))
    classes = {
        "meta": meta,
        "P": regex_ranges(r"\p{P}"),
        "S": regex_ranges(r"\p{S}"),
        "N": regex_ranges(r"\p{N}"),
        "zh": zh_ranges,
    }
    with open(os.path.join(tokdir, "unicode.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(dump_object(classes) + "\n")

    runs, special = lower_runs()
    ign, cased = case_properties()
    sigma = []
    for s in SIGMA_CASES + sigma_random(300):
        pair = [s, s.lower()]
        if pair not in sigma:
            sigma.append(pair)
    pystr = {
        "meta": meta,
        "space": ranges(lambda c: chr(c).isspace()),
        "lower": runs,
        "lower_special": special,
        "cased": to_ranges(cased),
        "case_ignorable": to_ranges(ign),
        "sigma": sigma,
    }
    pdir = os.path.join(root, "internal", "pystr", "testdata")
    os.makedirs(pdir, exist_ok=True)
    with open(os.path.join(pdir, "unicode.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(dump_object(pystr) + "\n")


if __name__ == "__main__":
    main()
