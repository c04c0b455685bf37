#!/usr/bin/env python3
# bleu_api.py -- writes testdata/bleu/api/cases.jsonl: goldens from sacreBLEU's Python API
# (sacrebleu.metrics.BLEU(...).corpus_score / .sentence_score / .get_signature).
#
# One JSON object per line:
#   {"name": str,
#    "mode": "corpus" | "sentence",
#    "config": {"tokenize": "13a"|"intl"|"char"|"zh"|"none", "lowercase": bool,
#               "smooth_method": "exp"|"floor"|"add-k"|"none",
#               "smooth_value": float|int|null (null = the method's default),
#               "max_ngram_order": int, "effective_order": bool},
#    "hyps": "corpus/..." | [str, ...],
#    "refs": [stream, ...]  where a stream is "corpus/..." | [str|null, ...]
#            (null = "no reference here", the API's None: a variable number of references),
#    "result": {"score": float (full precision), "counts": [...], "totals": [...],
#               "precisions": [float, ...], "bp": float, "sys_len": int, "ref_len": int,
#               "ratio": float (int 0 when ref_len is 0),
#               "signature": get_signature().format(), "signature_short": .format(short=True),
#               "format": score.format()            (width 2, no signature: str(score)),
#               "format_width3": score.format(width=3)}
#     or, instead of "result", "error": exception class name (the API raised)}
# Paths are relative to testdata/bleu/; a file is split on "\n" only, the final newline does
# not start another line, and nothing else is stripped (the API rstrips segments itself).
# mode "sentence": hyps has one item, every stream one item; the call is
#   BLEU(**config).sentence_score(hyps[0], [s[0] for s in refs]).
# mode "corpus": BLEU(**config).corpus_score(hyps, refs).
# counts/totals: with add-k they include the added k (n >= 2), so they are floats when k is a
# float (json 4.0 vs 4: compare numerically). Floats are Python repr (round-trip exact).
# The API's score uses plain left-to-right float sums (Python 3.11); glibc vs Go log/exp may
# differ in the last ulp, so compare scores with a tolerance of about 1e-9.
#
# Run from the repository root (a few seconds):
#   /usr/bin/python3 testdata/gen/bleu_api.py --sacrebleu PATH_TO_SACREBLEU_CHECKOUT
# (or set SACREBLEU_SRC). Versions: sacreBLEU 2.6.0 at commit f615c72, Debian 12 Python
# 3.11.2, numpy 1.24.2, regex 2.5.123.

import argparse
import json
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bleu_refrun  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BLEU_DIR = os.path.normpath(os.path.join(HERE, "..", "bleu"))

C = "corpus/"
E_REFS = [C + "edge/ref.0.txt", C + "edge/ref.1.txt", C + "edge/ref.2.txt"]
E_HYP = C + "edge/hyp.txt"
S_REFS = [C + "short/ref.0.txt", C + "short/ref.1.txt"]
S_HYP = C + "short/hyp.txt"
N_REFS = [C + f"news/ref.{k}.txt" for k in range(4)]
A, B, CC = C + "news/sys.A.txt", C + "news/sys.B.txt", C + "news/sys.C.txt"
T_HYP, T_REF = C + "tokper/hyp.txt", C + "tokper/ref.txt"
TOKS = ["13a", "intl", "char", "zh", "none"]


def read_stream(x):
    if isinstance(x, list):
        return x
    with open(os.path.join(BLEU_DIR, x), encoding="utf-8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def config(tokenize="13a", lowercase=False, smooth_method="exp", smooth_value=None,
           max_ngram_order=4, effective_order=False):
    return {"tokenize": tokenize, "lowercase": lowercase, "smooth_method": smooth_method,
            "smooth_value": smooth_value, "max_ngram_order": max_ngram_order,
            "effective_order": effective_order}


def build_cases():
    cases = []

    def add(name, mode, cfg, hyps, refs):
        cases.append({"name": name, "mode": mode, "config": cfg, "hyps": hyps, "refs": refs})

    def sent(name, hyp, refs, **cfg):
        cfg.setdefault("effective_order", True)
        add("sentence/" + name, "sentence", config(**cfg), [hyp], [[r] for r in refs])

    # ---- n-gram order x effective order, corpus mode --------------------------------------
    for n in range(1, 7):
        for eff in (False, True):
            e = "-eff" if eff else ""
            add(f"order/short-n{n}{e}", "corpus", config(max_ngram_order=n, effective_order=eff), S_HYP, S_REFS)
        add(f"order/news-n{n}", "corpus", config(max_ngram_order=n), A, N_REFS)
        add(f"order/edge-n{n}-eff", "corpus", config(max_ngram_order=n, effective_order=True), E_HYP, E_REFS)
    add("order/short-n5-add-k", "corpus", config(max_ngram_order=5, smooth_method="add-k"), S_HYP, S_REFS)
    add("order/news-n2-floor", "corpus", config(max_ngram_order=2, smooth_method="floor"), CC, N_REFS[:1])

    # ---- smoothing x values ----------------------------------------------------------------
    values = [None, 0.05, 0.1, 0.5, 1, 2]
    for m in ("floor", "add-k"):
        for v in values:
            vs = "default" if v is None else str(v)
            add(f"smooth/short-{m}-{vs}", "corpus", config(smooth_method=m, smooth_value=v), S_HYP, S_REFS)
            add(f"smooth/edge-{m}-{vs}", "corpus", config(smooth_method=m, smooth_value=v), E_HYP, E_REFS)
        add(f"smooth/short-eff-{m}-0.5", "corpus",
            config(smooth_method=m, smooth_value=0.5, effective_order=True), S_HYP, S_REFS)
        add(f"smooth/news-{m}-default", "corpus", config(smooth_method=m), CC, N_REFS[:2])
        add(f"smooth/news-{m}-2", "corpus", config(smooth_method=m, smooth_value=2), CC, N_REFS[:2])
    for m in ("exp", "none"):
        for v in (None, 0.5):
            vs = "default" if v is None else str(v)
            add(f"smooth/short-{m}-{vs}", "corpus", config(smooth_method=m, smooth_value=v), S_HYP, S_REFS)
            add(f"smooth/short-eff-{m}-{vs}", "corpus",
                config(smooth_method=m, smooth_value=v, effective_order=True), S_HYP, S_REFS)
            add(f"smooth/news-{m}-{vs}", "corpus", config(smooth_method=m, smooth_value=v), CC, N_REFS[:2])
    add("smooth/add-k-float-1.0", "corpus", config(smooth_method="add-k", smooth_value=1.0), S_HYP, S_REFS)
    add("smooth/floor-int-1", "corpus", config(smooth_method="floor", smooth_value=1), CC, N_REFS[:1])

    # ---- tokenizers x lowercase ------------------------------------------------------------
    for tok in TOKS:
        for lc in (False, True):
            s = "-lc" if lc else ""
            add(f"tokenize/edge-{tok}{s}", "corpus", config(tokenize=tok, lowercase=lc), E_HYP, E_REFS)
            add(f"tokenize/news-{tok}{s}", "corpus", config(tokenize=tok, lowercase=lc), B, N_REFS[:3])

    # ---- None references (variable number per segment), empty references ------------------
    hyps = ["the cat sat on the mat", "a quick brown fox jumps", "hello world", "",
            "one two three four five six seven"]
    r1 = ["the cat sat on a mat", "the quick brown fox jumped", "hello world", "nothing",
          "one two three four five six"]
    r2 = [None, "a quick brown fox leaps", None, "", "one two three"]
    r3 = ["the cat is on the mat", None, None, None, "seven six five four three two one"]
    add("none-refs/var", "corpus", config(), hyps, [r1, r2, r3])
    add("none-refs/var-eff", "corpus", config(effective_order=True), hyps, [r1, r2, r3])
    add("none-refs/var-floor-lc", "corpus", config(smooth_method="floor", lowercase=True), hyps, [r1, r2, r3])
    add("none-refs/stream-all-none", "corpus", config(), hyps, [r1, [None] * 5])
    add("none-refs/first-stream-none-first-line", "corpus", config(), hyps, [r2, r1])
    add("none-refs/constant-2-of-3", "corpus", config(),
        hyps, [r1, [None, None, None, None, None], ["x"] * 5])
    add("empty-refs/one-stream-empty", "corpus", config(), hyps, [r1, [""] * 5])
    add("empty-refs/all-empty", "corpus", config(), hyps, [[""] * 5])
    add("empty-refs/all-empty-2", "corpus", config(), hyps, [[""] * 5, [""] * 5])
    add("empty-refs/empty-hyps", "corpus", config(), [""] * 5, [r1])
    add("empty-refs/empty-hyps-empty-refs", "corpus", config(), [""] * 3, [[""] * 3, [""] * 3])
    add("empty-refs/empty-hyps-empty-refs-add-k", "corpus", config(smooth_method="add-k"), [""] * 3, [[""] * 3])
    add("empty-refs/pulls-ref-len-down", "corpus", config(),
        ["a b c", "d e f"], [["a b c d e f g", "d e f g h i"], ["", ""]])
    # quirk: an empty hypothesis whose references are all None gets ref_len -1
    add("quirk/all-none-refs-empty-hyp", "corpus", config(), ["", "a b c"], [[None, "a b c"], [None, "a b"]])
    # ... and a non-empty one makes the API raise TypeError
    add("quirk/all-none-refs-nonempty-hyp", "corpus", config(), ["x", "a b c"], [[None, "a b c"], [None, "a b"]])

    # ---- all hypotheses shorter than 4 / identical -----------------------------------------
    shorts = ["yes", "thank you", "good morning everyone", "a b", "x y z"]
    for m in ("exp", "floor", "add-k", "none"):
        for eff in (False, True):
            e = "-eff" if eff else ""
            add(f"short/identical-{m}{e}", "corpus", config(smooth_method=m, effective_order=eff), shorts, [shorts])
    add("short/identical-news", "corpus", config(), A, [A])

    # ---- sentence_score -------------------------------------------------------------------
    sent("tie-shorter-wins", "one two three four five", ["one two three four", "one two three four five six"])
    sent("tie-shorter-wins-reversed", "one two three four five", ["one two three four five six", "one two three four"])
    sent("tie-three-way", "a b c d e", ["a b c", "a b c d e f g", "x y z w v u t"])
    sent("closest-not-first", "a b c d e", ["a", "a b c d", "a b c d e f g h"])
    sent("empty-hyp-empty-ref", "", [""])
    sent("empty-hyp-empty-ref-eff-off", "", [""], effective_order=False)
    sent("empty-hyp-nonempty-ref", "", ["a b c"])
    sent("nonempty-hyp-empty-ref", "a b c", [""])
    sent("empty-ref-among-several", "a b c", ["", "a b c d e f"])
    sent("empty-ref-among-several-2", "a b c d e", ["", "a b c d e f g h i j"])
    sent("none-among-refs", "a b", [None, "a b"])
    sent("none-first-of-three", "the cat sat", [None, "the cat sat on the mat", "a cat sat"])
    sent("identical-3-tokens-exp", "the cat sat", ["the cat sat"])
    sent("identical-3-tokens-exp-eff-off", "the cat sat", ["the cat sat"], effective_order=False)
    sent("identical-3-tokens-add-k", "the cat sat", ["the cat sat"], smooth_method="add-k")
    sent("identical-3-tokens-add-k-0.5", "the cat sat", ["the cat sat"], smooth_method="add-k", smooth_value=0.5)
    sent("identical-3-tokens-floor", "the cat sat", ["the cat sat"], smooth_method="floor")
    sent("identical-3-tokens-none", "the cat sat", ["the cat sat"], smooth_method="none")
    sent("no-match", "a b c d", ["e f g h"])
    sent("no-match-add-k", "a b c d", ["e f g h"], smooth_method="add-k")
    sent("no-match-floor", "a b c d", ["e f g h"], smooth_method="floor")
    sent("unigram-only-match-exp", "a b c d e", ["a x b y c z d w e"])
    sent("unigram-only-match-floor-0.5", "a b c d e", ["a x b y c z d w e"], smooth_method="floor", smooth_value=0.5)
    sent("unigram-only-match-add-k-2", "a b c d e", ["a x b y c z d w e"], smooth_method="add-k", smooth_value=2)
    sent("unigram-only-match-none", "a b c d e", ["a x b y c z d w e"], smooth_method="none")
    sent("clipping", "the the the the the the the", ["the cat is on the mat", "there is a cat on the mat"])
    sent("four-refs", "It is a guide to action which ensures that the military always obeys the commands of the party.",
         ["It is a guide to action that ensures that the military will forever heed Party commands.",
          "It is the guiding principle which guarantees the military forces always being under the command of the Party.",
          "It is the practical guide for the army always to heed the directions of the party.",
          "It is to insure the troops forever hearing the activity guidebook of the party."])
    sent("greek-final-sigma-lc", "Η ΟΔΟΣ ΣΑΣ Α.Σ Σ ΤΗΣ ΕΛΛΑΔΑΣ", ["η οδος σας α.ς σ της ελλαδας"], lowercase=True)
    sent("greek-final-sigma-no-lc", "Η ΟΔΟΣ ΣΑΣ Α.Σ Σ ΤΗΣ ΕΛΛΑΔΑΣ", ["η οδος σας α.ς σ της ελλαδας"])
    sent("turkish-dotted-i-lc", "İSTANBUL İzmir ılık", ["istanbul izmir ılık", "i\u0307stanbul i\u0307zmir ılık"], lowercase=True)
    sent("sharp-s-lc", "Die STRASSE ist groß", ["die strasse ist groß"], lowercase=True)
    sent("entities-13a", "a &amp;lt; b &quot;c&quot;", ["a < b \"c\""])
    sent("entities-intl", "a &amp;lt; b &quot;c&quot;", ["a < b \"c\""], tokenize="intl")
    sent("zh-quirk-range", "“引号” — 破折号… €20", ["“引号” — 破折号… €20"], tokenize="zh")
    sent("zh-kana-extb", "これはテストです 𠀀𠀁漢字", ["これは テスト です 𠀀 𠀁 漢 字"], tokenize="zh")
    sent("char-combining", "cafe\u0301 café", ["café café"], tokenize="char")
    sent("none-tokenizer-punct", "Hello, world!", ["Hello , world !"], tokenize="none")
    sent("intl-number-period", "end 1999.", ["end 1999 ."], tokenize="intl")
    sent("13a-number-period", "end 1999.", ["end 1999 ."])
    sent("whitespace-separators", "a\x1cb\x1fc\u00a0d\u3000e", ["a b c d e"])
    sent("bom-first", "\ufeffhello world", ["hello world"])
    for n in (1, 2, 6):
        sent(f"order-{n}", "the cat sat on the mat today", ["the cat sat on a mat today"], max_ngram_order=n)
        sent(f"order-{n}-eff-off", "the cat sat on the mat today", ["the cat sat on a mat today"],
             max_ngram_order=n, effective_order=False)
    for tok in TOKS:
        sent(f"tok-{tok}-mixed", "Der Preis stieg um 3,5% auf 1.000 Euro (2-3 Tage).",
             ["Der Preis stieg um 3,5 % auf 1.000 Euro ( 2-3 Tage ) ."], tokenize=tok)
    return cases


def run_case(sacrebleu, case):
    from sacrebleu.metrics import BLEU
    cfg = case["config"]
    metric = BLEU(tokenize=cfg["tokenize"], lowercase=cfg["lowercase"],
                  smooth_method=cfg["smooth_method"], smooth_value=cfg["smooth_value"],
                  max_ngram_order=cfg["max_ngram_order"], effective_order=cfg["effective_order"])
    hyps = read_stream(case["hyps"])
    refs = [read_stream(r) for r in case["refs"]]
    out = dict(case)
    try:
        if case["mode"] == "sentence":
            assert len(hyps) == 1 and all(len(r) == 1 for r in refs)
            score = metric.sentence_score(hyps[0], [r[0] for r in refs])
        else:
            score = metric.corpus_score(hyps, refs)
    except Exception as e:  # recorded: the Go API should refuse these inputs too
        out["error"] = type(e).__name__
        return out
    sig = metric.get_signature()
    out["result"] = {
        "score": score.score, "counts": list(score.counts), "totals": list(score.totals),
        "precisions": list(score.precisions), "bp": score.bp, "sys_len": score.sys_len,
        "ref_len": score.ref_len, "ratio": score.ratio,
        "signature": sig.format(), "signature_short": sig.format(short=True),
        "format": score.format(), "format_width3": score.format(width=3),
    }
    return out


README = """# sacreBLEU API goldens

Written by `testdata/gen/bleu_api.py` from sacreBLEU 2.6.0's Python API (commit f615c72;
Python 3.11.2, numpy 1.24.2). Do not edit by hand; rerun the generator. The format of
`cases.jsonl` is described at the top of the generator: one case per line with `name`, `mode`
(`corpus` | `sentence`), `config`, `hyps`, `refs` and `result` (or `error`).
"""


def dumps(obj):
    s = json.dumps(obj, ensure_ascii=False)
    for ch in ("\u2028", "\u2029", "\u0085"):
        s = s.replace(ch, "\\u%04x" % ord(ch))
    return s


def main():
    ap = argparse.ArgumentParser(description="Write sacreBLEU API goldens.")
    bleu_refrun.add_source_arg(ap)
    args = ap.parse_args()
    src = bleu_refrun.resolve_source(args)
    sacrebleu = bleu_refrun.import_sacrebleu(src)
    logging.getLogger("sacrebleu").setLevel(logging.ERROR)   # effective_order warnings
    import numpy
    print(f"sacreBLEU {sacrebleu.__version__} from {src}; Python {sys.version.split()[0]}, "
          f"numpy {numpy.__version__}", file=sys.stderr)
    cases = build_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate names"
    rows = [run_case(sacrebleu, c) for c in cases]
    outdir = os.path.join(BLEU_DIR, "api")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "cases.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(dumps(r) + "\n")
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(README)
    counts = {}
    for r in rows:
        k = r["name"].split("/")[0]
        counts[k] = counts.get(k, 0) + 1
    for k, n in counts.items():
        print(f"{k:12} {n:4}", file=sys.stderr)
    print(f"total {len(rows)} ({sum('error' in r for r in rows)} raising)", file=sys.stderr)


if __name__ == "__main__":
    main()
