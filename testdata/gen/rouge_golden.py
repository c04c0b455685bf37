#!/usr/bin/env python3
# rouge_golden.py -- writes testdata/rouge/cases.jsonl: goldens from Google's rouge-score 0.1.2
# (rouge_scorer.RougeScorer.score / score_multi, scoring.BootstrapAggregator) over the corpora
# in testdata/rouge/corpus/ (made by rouge_corpus.py) and a few inline items.
#
# One JSON object per line (the full description, with the Go-side recipe, is in
# testdata/rouge/README.md):
#   {"name": str,
#    "types": [rouge type, ...]          (RougeScorer(rouge_types=types, ...), in this order),
#    "stem": bool                        (use_stemmer),
#    items, either inline:  "items": [{"prediction": str, "label": str | [str, ...]}, ...]
#           or from a corpus file: "corpus": "corpus/NAME.jsonl", "start": a, "stop": b
#                                  (its records [a:b], 0-based, stop exclusive; same fields),
#    "scores": [{type: [precision, recall, fmeasure]}, ...]   one per item, in item order,
#    "refs": [null | {type: k}, ...]     only in cases with a list label somewhere: per item,
#                                        null for a string label, else the 0-based index of the
#                                        reference np.argmax chose for each type,
#    "mean": {type: [p, r, f]}           statistics.mean of each column over the items,
#    "aggregate": [AGG, ...]}
#   AGG = {"types": [...], "seed": s, "n_samples": N, "ci": c,
#          "result": {type: {"low": [p, r, f], "mid": [p, r, f], "high": [p, r, f]}}}
#      or the same with "error": {"type": exception class, "message": str} instead of "result".
#      Recipe: agg = scoring.BootstrapAggregator(confidence_interval=c, n_samples=N); for each
#      item in order: agg.add_scores({t: item_score[t] for t in AGG.types}); np.random.seed(s);
#      agg.aggregate(). AGG.types is a permutation or subset of the case's types (the numpy
#      stream is shared by the types in this order, so the order changes the numbers).
#   Error cases have "error": {"type", "message"} instead of scores/mean/aggregate: rouge-score
#   raised while scoring (invalid rouge type, empty reference list).
# A string label is scored with score(label, prediction) (target first), a list with
# score_multi(label, prediction). Floats are json.dumps (Python repr: round-trip exact); the
# Python int 0 that rouge-score returns for an empty rougeL/rougeLsum side is written 0.0.
# Compare with == (bit-for-bit).
#
# Run from the repository root (about a minute; run rouge_corpus.py first if the corpora
# changed):
#   /usr/bin/python3 testdata/gen/rouge_golden.py --rouge-score PATH_TO_ROUGE_SCORE_SOURCE
# where PATH_TO_ROUGE_SCORE_SOURCE is the directory that contains the `rouge_score` package
# (the package directory itself is accepted too); default $ROUGE_SCORE_SRC. It also prints
# diagnostics (how many pairs each wrong implementation choice would change) that
# testdata/rouge/README.md quotes.
# Versions the goldens were made with: rouge-score 0.1.2 (the unchanged copy in the first
# commit of github.com/Qcompiler/MixQ_Tensorrt_LLM, folder rouge_score), Debian 12 Python
# 3.11.2, python3-nltk 3.8, python3-numpy 1.24.2, python3-absl 0.15, python3-six 1.16.

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROUGE_DIR = os.path.normpath(os.path.join(HERE, "..", "rouge"))

ALL_TYPES = ["rouge%d" % n for n in range(1, 10)] + ["rougeL", "rougeLsum"]
DEFAULT4 = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
REV4 = list(reversed(DEFAULT4))
SEEDS = [0, 1, 42, 12345]
NS = [1, 2, 10, 1000]
CIS = [0.0, 0.5, 0.95, 1.0]


def add_source_arg(ap):
    ap.add_argument("--rouge-score", dest="rouge_score", default=os.environ.get("ROUGE_SCORE_SRC"),
                    help="directory containing the rouge_score package of rouge-score 0.1.2 "
                         "(default: $ROUGE_SCORE_SRC)")


def import_rouge(src):
    """Imports rouge_score from src (its parent directory or the package directory itself)."""
    if not src:
        sys.exit("give --rouge-score DIR (the directory containing the rouge_score package)")
    src = os.path.abspath(src)
    if os.path.exists(os.path.join(src, "rouge_scorer.py")):
        src = os.path.dirname(src)
    if not os.path.exists(os.path.join(src, "rouge_score", "rouge_scorer.py")):
        sys.exit(f"{src}: no rouge_score/rouge_scorer.py here")
    sys.path.insert(0, src)
    from rouge_score import rouge_scorer, scoring
    # a sanity check that this is the expected code (the F of the spec's last-bit example)
    s = rouge_scorer.RougeScorer(["rouge1"]).score("the cat the dog the", "the the the the")
    assert s["rouge1"].fmeasure == 0.6666666666666665, s
    return rouge_scorer, scoring


def read_corpus(rel):
    with open(os.path.join(ROUGE_DIR, rel), encoding="utf-8", newline="") as f:
        return [json.loads(line) for line in f.read().split("\n") if line]


def triple(score):
    return [float(score.precision), float(score.recall), float(score.fmeasure)]


class Ref:
    """rouge-score, run in-process."""

    def __init__(self, src):
        import numpy as np
        self.np = np
        self.rouge_scorer, self.scoring = import_rouge(src)

    def score_items(self, types, stem, items):
        """Returns (scores, refs): per item the rouge-score Score objects by type, and None or
        {type: chosen reference index}."""
        np = self.np
        scorer = self.rouge_scorer.RougeScorer(types, use_stemmer=stem)
        scores, refs = [], []
        for it in items:
            label, pred = it["label"], it["prediction"]
            if isinstance(label, list):
                multi = scorer.score_multi(label, pred)
                per_ref = [scorer.score(t, pred) for t in label]
                chosen = {}
                for t in types:
                    k = int(np.argmax([s[t].fmeasure for s in per_ref]))
                    assert tuple(per_ref[k][t]) == tuple(multi[t]), (t, k, per_ref, multi)
                    chosen[t] = k
                scores.append(multi)
                refs.append(chosen)
            else:
                scores.append(scorer.score(label, pred))
                refs.append(None)
        return scores, refs

    def aggregate(self, scores, types, seed, n_samples, ci):
        agg = self.scoring.BootstrapAggregator(confidence_interval=ci, n_samples=n_samples)
        for s in scores:
            agg.add_scores({t: s[t] for t in types})
        self.np.random.seed(seed)
        res = agg.aggregate()
        return {t: {"low": triple(res[t].low), "mid": triple(res[t].mid),
                    "high": triple(res[t].high)} for t in res}


def mean_of(scores, types):
    out = {}
    for t in types:
        cols = list(zip(*[tuple(s[t]) for s in scores]))
        out[t] = [float(statistics.mean(c)) for c in cols]
    return out


def err(e):
    return {"type": type(e).__name__, "message": str(e)}


def agg_full(types):
    return [(types, s, n, c) for s in SEEDS for n in NS for c in CIS]


def agg_subset(types, extra_orders=()):
    """Every seed, n_samples and ci at least once, plus other type orders."""
    out = [(types, s, 1000, 0.95) for s in SEEDS]
    out += [(types, 0, 1, 0.95), (types, 1, 2, 0.5), (types, 42, 10, 0.0), (types, 12345, 10, 1.0),
            (types, 1, 1000, 1.0), (types, 42, 1000, 0.5), (types, 12345, 2, 0.0)]
    for order in extra_orders:
        out += [(order, 0, 1000, 0.95), (order, 42, 10, 0.5)]
    return out


def build_cases(ref):
    cases = []

    def corpus_case(name, rel, types, stem, aggs=(), start=0, stop=None):
        recs = read_corpus(rel)
        stop = len(recs) if stop is None else stop
        items = recs[start:stop]
        case = {"name": name, "types": types, "stem": stem, "corpus": rel, "start": start,
                "stop": stop}
        finish(case, items, aggs)

    def inline_case(name, items, types, stem, aggs=()):
        case = {"name": name, "types": types, "stem": stem,
                "items": [{"prediction": it["prediction"], "label": it["label"]} for it in items]}
        finish(case, items, aggs)

    def finish(case, items, aggs):
        try:
            scores, refs = ref.score_items(case["types"], case["stem"], items)
        except Exception as e:  # noqa: BLE001 -- rouge-score's own error is the golden
            case["error"] = err(e)
            cases.append(case)
            return
        case["scores"] = [{t: triple(s[t]) for t in case["types"]} for s in scores]
        if any(isinstance(it["label"], list) for it in items):
            case["refs"] = refs
        case["mean"] = mean_of(scores, case["types"]) if items else {}
        case["aggregate"] = []
        for types, seed, n, ci in aggs:
            a = {"types": types, "seed": seed, "n_samples": n, "ci": ci}
            try:
                a["result"] = ref.aggregate(scores, types, seed, n, ci)
            except Exception as e:  # noqa: BLE001
                a["error"] = err(e)
            case["aggregate"].append(a)
        cases.append(case)

    E, N, L, M, S = ("corpus/edge.jsonl", "corpus/news.jsonl", "corpus/lsum.jsonl",
                     "corpus/multiref.jsonl", "corpus/short.jsonl")
    # every type, stem off and on, on each corpus
    corpus_case("edge/all-types", E, ALL_TYPES, False, agg_subset(DEFAULT4, [REV4]))
    corpus_case("edge/all-types-stem", E, ALL_TYPES, True, agg_subset(DEFAULT4))
    corpus_case("news/all-types", N, ALL_TYPES, False,
                agg_subset(ALL_TYPES, [DEFAULT4, REV4, ["rougeLsum"], ["rouge9", "rouge1"]]))
    corpus_case("news/all-types-stem", N, ALL_TYPES, True, agg_subset(DEFAULT4, [REV4]))
    # the scorer built with the types in another order (its aggregates use that order; the
    # default order's aggregates on the same items are in news/all-types)
    corpus_case("news/reversed-types", N, REV4, False, agg_subset(REV4))
    corpus_case("news/rougeLsum-only", N, ["rougeLsum"], False, agg_subset(["rougeLsum"]))
    corpus_case("news/rougeL-only-stem", N, ["rougeL"], True, agg_subset(["rougeL"]))
    corpus_case("lsum/tie-break", L, ["rougeLsum", "rougeL", "rouge1", "rouge2"], False,
                agg_subset(["rougeLsum", "rougeL", "rouge1", "rouge2"], [DEFAULT4]))
    corpus_case("lsum/tie-break-stem", L, ["rougeLsum"], True)
    corpus_case("multiref/all-types", M, ALL_TYPES, False, agg_subset(DEFAULT4, [REV4]))
    corpus_case("multiref/all-types-stem", M, ALL_TYPES, True, agg_subset(DEFAULT4))
    # sizes 1, 2, 7 (full seed x n_samples x ci matrix on 7), 100 (news), 1000 (short)
    corpus_case("news/size-1", N, DEFAULT4, False, agg_subset(DEFAULT4), 0, 1)
    corpus_case("news/size-2", N, DEFAULT4, False, agg_subset(DEFAULT4, [REV4]), 0, 2)
    corpus_case("news/size-7", N, ["rouge1", "rougeL"], False,
                agg_full(["rouge1", "rougeL"]) + agg_subset(["rougeL", "rouge1"]), 0, 7)
    corpus_case("news/size-7-reversed", N, ["rougeL", "rouge1"], False,
                agg_full(["rougeL", "rouge1"]), 0, 7)
    corpus_case("multiref/size-7", M, DEFAULT4, True, agg_full(DEFAULT4)[::3], 0, 7)
    corpus_case("short/size-1000", S, DEFAULT4, False,
                agg_subset(DEFAULT4, [REV4, ["rougeLsum", "rouge1"], ["rouge2"]])
                + [(DEFAULT4, 4294967295, 1000, 0.95), (DEFAULT4, 2147483648, 10, 0.9)])
    # aggregator argument errors (rouge-score checks them in the constructor)
    corpus_case("aggregate/invalid-arguments", N, ["rouge1"], False,
                [(["rouge1"], 0, 1000, -0.01), (["rouge1"], 0, 1000, 1.0000000000000002),
                 (["rouge1"], 0, 0, 0.95), (["rouge1"], 0, -1, 0.95)], 0, 3)

    # invalid rouge types (validation happens inside score())
    one = [{"prediction": "the cat sat", "label": "the cat sat on the mat"}]
    for bad in [["rouge0"], ["rouge10"], ["ROUGE1"], ["rougel"], ["rougeLSum"], ["rouge"],
                [""], ["rouge-1"], ["rouge 1"], ["rouge1 "], [" rouge1"], ["rougeN"],
                ["rouge\u0661"], ["rouge\uff11"], ["rougeLsum", "rouge0"], ["rouge1", "rouge10"],
                ["rouge0", "rouge10"]]:
        inline_case("types/invalid" + json.dumps(bad), one, bad, False)
    inline_case("multiref/empty-reference-list", [{"prediction": "a b", "label": []}],
                ["rouge1"], False)
    # a list label with one reference equals a plain string label
    inline_case("multiref/one-reference", [
        {"prediction": "the cat sat", "label": ["the cat sat on the mat"]},
        {"prediction": "the cat sat", "label": "the cat sat on the mat"}], DEFAULT4, False,
        agg_subset(DEFAULT4)[:2])
    return cases


def diagnostics(ref):
    """How many corpus pairs a wrong implementation choice would change (printed, quoted in
    the README)."""
    rs = ref.rouge_scorer
    out = {}

    def scores_for(rel, types, stem=False):
        items = read_corpus(rel)
        return ref.score_items(types, stem, items)[0]

    # 1. backtrack tie-break: move in the candidate on ties (rouge-score moves in the reference)
    orig = rs._backtrack_norec

    def flipped(t, r, c):
        i, j, lcs = len(r), len(c), []
        while i > 0 and j > 0:
            if r[i - 1] == c[j - 1]:
                lcs.insert(0, i - 1)
                i -= 1
                j -= 1
            elif t[i][j - 1] >= t[i - 1][j]:
                j -= 1
            else:
                i -= 1
        return lcs
    for rel in ["corpus/lsum.jsonl", "corpus/news.jsonl", "corpus/short.jsonl", "corpus/edge.jsonl"]:
        a = scores_for(rel, ["rougeLsum"])
        rs._backtrack_norec = flipped
        try:
            b = scores_for(rel, ["rougeLsum"])
        finally:
            rs._backtrack_norec = orig
        out["tie-break flipped changes rougeLsum: " + rel] = \
            f"{sum(tuple(x['rougeLsum']) != tuple(y['rougeLsum']) for x, y in zip(a, b))}/{len(a)}"
    # 2. stemming changes a score
    for rel in ["corpus/news.jsonl", "corpus/edge.jsonl", "corpus/short.jsonl"]:
        a = scores_for(rel, DEFAULT4, False)
        b = scores_for(rel, DEFAULT4, True)
        out["stem changes some score: " + rel] = \
            f"{sum(any(tuple(x[t]) != tuple(y[t]) for t in DEFAULT4) for x, y in zip(a, b))}/{len(a)}"
    # 3. F = 2*o/(n+m) instead of ((2P)R)/(P+R) (rouge1 / rougeL)
    for rel in ["corpus/news.jsonl", "corpus/short.jsonl"]:
        items = read_corpus(rel)
        sc = ref.score_items(["rouge1", "rougeL"], False, items)[0]
        diff = 0
        for s in sc:
            for t in ["rouge1", "rougeL"]:
                p, r, f = s[t]
                if p and r:
                    # P = o/n, R = o/m exactly representable ratios; 2/(1/P + 1/R) = 2o/(n+m)
                    alt = 2 / (1 / p + 1 / r)
                    diff += alt != f
        out["another F expression (2/(1/P+1/R)) differs: " + rel] = f"{diff}/{2 * len(sc)} values"
    # 4. multi-reference: choices
    items = read_corpus("corpus/multiref.jsonl")
    sc, refs = ref.score_items(ALL_TYPES, False, items)
    mixed = sum(len(set(r.values())) > 1 for r in refs if r)
    first_tie = 0
    for it in items:
        per = [ref.rouge_scorer.RougeScorer(ALL_TYPES).score(t, it["prediction"]) for t in it["label"]]
        for t in ALL_TYPES:
            fs = [p[t].fmeasure for p in per]
            best = max(fs)
            idx = [k for k, f in enumerate(fs) if f == best]
            if len(idx) > 1 and len({tuple(per[k][t]) for k in idx}) > 1:
                first_tie += 1
                break
    nonzero = sum(any(v for v in r.values()) for r in refs if r)
    out["multiref: items whose types choose different references"] = f"{mixed}/{len(items)}"
    out["multiref: items with an F tie between references with different (P, R, F)"] = \
        f"{first_tie}/{len(items)}"
    out["multiref: items choosing a reference other than 0 for some type"] = f"{nonzero}/{len(items)}"
    return out


def main():
    ap = argparse.ArgumentParser(description="Writes testdata/rouge/cases.jsonl from rouge-score.")
    add_source_arg(ap)
    ap.add_argument("--out", default=os.path.join(ROUGE_DIR, "cases.jsonl"))
    ap.add_argument("--no-diagnostics", action="store_true")
    a = ap.parse_args()
    ref = Ref(a.rouge_score)
    cases = build_cases(ref)
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False).replace("\u2028", "\\u2028")
                    .replace("\u2029", "\\u2029").replace("\u0085", "\\u0085") + "\n")
    n_agg = sum(len(c.get("aggregate", [])) for c in cases)
    n_items = sum(len(c.get("scores", [])) for c in cases)
    print(f"{a.out}: {len(cases)} cases, {n_items} scored items, {n_agg} aggregates, "
          f"{sum('error' in c for c in cases)} error cases")
    if not a.no_diagnostics:
        for k, v in diagnostics(ref).items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
