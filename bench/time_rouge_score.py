#!/usr/bin/env python3
# time_rouge_score.py -- score a NeMo prediction file with Google's rouge-score and time
# the scoring loop, for bench/compare-rouge (see bench/README.md).
#
# Usage:
#   PYTHONPATH=ROUGE_SCORE_CHECKOUT python3 bench/time_rouge_score.py FILE \
#       --types rougeL,rougeLsum [--stem] [--pairs N]
#
# FILE is JSONL (gzip'd when its name ends in .gz), one record per line with the
# prediction in "pred" (or "prediction") and the reference in "label": a string, or a
# list of strings for several references (then score_multi, as sophia-eval does).
# --pairs N scores the first N records only.
#
# It builds RougeScorer(types, use_stemmer=--stem), calls score(label, pred) for every
# record and prints one JSON object on stdout:
#   {"pairs": N, "types": [...], "stem": bool, "load_s": S, "score_s": S,
#    "score_cpu_s": S, "mean_fmeasure": {"rougeL": F, ...}}
# score_s times the scoring loop only (time.perf_counter around it), as the ROUGE
# specification's baseline does, and score_cpu_s is its CPU time (time.process_time);
# load_s is the time to read and parse FILE. The mean is
# statistics.mean of the per-record fmeasure, which is correctly rounded, so it equals
# sophia-eval's "mean" bit for bit when the per-record scores agree.
#
# Needs rouge-score 0.1.2 and its dependencies (nltk, numpy, absl-py, six).

import argparse
import gzip
import json
import statistics
import sys
import time

from rouge_score import rouge_scorer


def load(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    items = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(items) >= limit:
                break
            if not line.strip():
                continue
            rec = json.loads(line)
            pred = rec["pred"] if "pred" in rec else rec["prediction"]
            items.append((pred, rec["label"]))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--types", default="rouge1,rouge2,rougeL,rougeLsum")
    ap.add_argument("--stem", action="store_true")
    ap.add_argument("--pairs", type=int, default=None)
    args = ap.parse_args()
    types = args.types.split(",")

    t0 = time.perf_counter()
    items = load(args.file, args.pairs)
    t1 = time.perf_counter()

    scorer = rouge_scorer.RougeScorer(types, use_stemmer=args.stem)
    fs = [[] for _ in types]
    c2 = time.process_time()
    t2 = time.perf_counter()
    for pred, label in items:
        if isinstance(label, list):
            s = scorer.score_multi(label, pred)
        else:
            s = scorer.score(label, pred)
        for k, t in enumerate(types):
            fs[k].append(s[t].fmeasure)
    t3 = time.perf_counter()
    c3 = time.process_time()

    json.dump({
        "pairs": len(items),
        "types": types,
        "stem": args.stem,
        "load_s": t1 - t0,
        "score_s": t3 - t2,
        "score_cpu_s": c3 - c2,
        "mean_fmeasure": {t: (statistics.mean(f) if f else 0.0) for t, f in zip(types, fs)},
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
