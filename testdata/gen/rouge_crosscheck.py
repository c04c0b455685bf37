#!/usr/bin/env python3
# rouge_crosscheck.py -- compares `sophia-eval rouge` with Google's rouge-score 0.1.2 on fresh
# random corpora. It writes no golden.
#
# From --seed it makes --cases random corpora that no test has seen (news-like multi-line
# summaries, short pairs, small-vocabulary multi-line pairs, multi-reference items with 1-4
# references, hand-written edge records and news text sprinkled with the tokenizer's traps:
# U+0130, KELVIN SIGN, ligatures, accents, CR, U+2028, U+0085, empty and punctuation-only
# lines), using the generators of rouge_corpus.py with other seeds. Each corpus is written as
# preds.jsonl, one {"pred": str, "label": str | [str, ...]} per line (a list = several
# references), plus two copies with other field names ("prediction"/"label", found by default,
# and "hyp"/"refs" with --pred-field/--ref-field). Then, over a matrix of options (default
# types; all eleven types shuffled; random subsets and orders; --stem; --bootstrap N with
# --seed S and --confidence C, or their defaults), it runs
#   sophia-eval rouge FILE --format json --per-sample out.jsonl [options]
# and compares, with == on float64, against rouge-score run in-process on the same records:
#   - per item (out.jsonl, one object per item in input order: {"index": i, TYPE:
#     {"precision", "recall", "fmeasure"[, "reference"]}}): score(label, pred), or
#     score_multi(label, pred) for a list label; "reference" (the 0-based np.argmax choice)
#     must be present exactly for items with more than one reference;
#   - stdout {TYPE: {"mean": {...}[, "low", "mid", "high"]}} with the keys in --types order:
#     "mean" = statistics.mean of the per-item values (correctly rounded); with --bootstrap N,
#     low/mid/high = scoring.BootstrapAggregator(confidence_interval=C, n_samples=N) fed every
#     item's {TYPE: score} in --types order, with np.random.seed(S) just before aggregate();
#     without --bootstrap, no low/mid/high.
# It also checks that invalid --types (rouge0, rouge10, ROUGE1) and --confidence outside [0, 1]
# exit with 1, as rouge-score raises ValueError there. It prints "N/M identical" and the first
# differences, and exits 1 if anything differs.
#
# Run from the repository root (outside CI; a minute or two for --cases 5 on 2 cores):
#   go build -o /some/dir/sophia-eval ./cmd/sophia-eval
#   /usr/bin/python3 testdata/gen/rouge_crosscheck.py --rouge-score PATH_TO_ROUGE_SCORE_SOURCE \
#       --sophia /some/dir/sophia-eval --seed 1 --cases 5
# PATH_TO_ROUGE_SCORE_SOURCE is the directory containing the rouge_score package (default
# $ROUGE_SCORE_SRC). Other options: --jobs N (parallel sophia-eval runs), --show N (differences
# to print), --keep DIR (write the corpora there and keep them), --max-items N.
# Reference versions: rouge-score 0.1.2 (the unchanged copy in the first commit of
# github.com/Qcompiler/MixQ_Tensorrt_LLM, folder rouge_score), Debian 12 Python 3.11.2,
# python3-nltk 3.8, python3-numpy 1.24.2 (the bootstrap depends on numpy's legacy RNG).

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ next to the generators
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rouge_corpus  # noqa: E402
import rouge_golden  # noqa: E402

ALL_TYPES = rouge_golden.ALL_TYPES
DEFAULT4 = rouge_golden.DEFAULT4
TRAPS = ["\u0130", "\u212a", "\ufb01", "\u00e9", "e\u0301", "\u00df", "\r", "\u2028", "\u0085",
         "\n\n", "\n...\n", "\n \n", "'", "-", "_", "\uff11", "\u5317\u4eac", "\t", "\u00a0",
         "\u0130stanbul", "\u212aNOW"]


def sprinkle(rng, text):
    """Inserts tokenizer traps at random positions."""
    for _ in range(rng.randint(1, 6)):
        i = rng.randint(0, len(text))
        text = text[:i] + rng.choice(TRAPS) + text[i:]
    return text


def make_records(rng, max_items):
    r = rng.random()
    if r < 0.1:
        n = rng.randint(1, 2)
    elif r < 0.4:
        n = rng.randint(3, 20)
    else:
        n = rng.randint(21, max_items)
    edge = [(p, t) for _, p, t in rouge_corpus.EDGE + rouge_corpus.MULTI_EDGE]
    out = []
    for _ in range(n):
        k = rng.random()
        if k < 0.40:
            lo = rng.choice([5, 20, 50])
            p, t = rouge_corpus.make_news_pair(rng, lo, rng.choice([60, 150, 300]))
        elif k < 0.55:
            p, t = rouge_corpus.make_short_pair(rng)
        elif k < 0.65:
            p, t = rouge_corpus.make_lsum_pair(rng)
        elif k < 0.77:
            p, t = rouge_corpus.make_multiref_item(rng)
            if rng.random() < 0.2:
                t = t[:1]  # a list with one reference
        elif k < 0.87:
            p, t = rng.choice(edge)
        else:
            p, t = rouge_corpus.make_news_pair(rng, 5, 80, 4)
            p, t = sprinkle(rng, p), sprinkle(rng, t)
        out.append({"pred": p, "label": t})
    return out


def write_jsonl(path, recs, pred_key, label_key, rng):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in recs:
            # raw UTF-8 (U+2028/U+0085 included) or \u escapes, chosen per file
            f.write(json.dumps({pred_key: r["pred"], label_key: r["label"]},
                               ensure_ascii=rng.random() < 0.3) + "\n")


def option_matrix(rng):
    """Yields (options, types, stem, bootstrap (N, seed, ci) or None, file key)."""
    runs = []

    def pick_types():
        k = rng.randint(1, 4)
        return rng.sample(ALL_TYPES, k) if rng.random() < 0.7 else rng.sample(DEFAULT4, k)

    def boot():
        n = rng.choice([1, 2, 10, 100, 1000])
        seed = rng.choice([0, 1, 42, 12345, rng.randrange(2 ** 32), 2 ** 32 - 1])
        ci = rng.choice([0.0, 0.5, 0.9, 0.95, 1.0, round(rng.random(), 3)])
        return n, seed, ci

    runs.append(([], DEFAULT4, False, None, "pred"))
    shuffled = rng.sample(ALL_TYPES, len(ALL_TYPES))
    runs.append((["--types", ",".join(shuffled)], shuffled, False, None, "pred"))
    t = pick_types()
    runs.append((["--types", ",".join(t), "--stem"], t, True, None, "pred"))
    for _ in range(2):
        t = pick_types()
        stem = rng.random() < 0.5
        n, seed, ci = boot()
        opts = ["--types", ",".join(t), "--bootstrap", str(n), "--seed", str(seed),
                "--confidence", repr(ci)] + (["--stem"] if stem else [])
        runs.append((opts, t, stem, (n, seed, ci), "pred"))
    runs.append((["--stem", "--bootstrap", "1000"], DEFAULT4, True, (1000, 0, 0.95), "pred"))
    t = rng.sample(DEFAULT4, 4)
    runs.append((["--types", ",".join(t), "--bootstrap", "10", "--seed", "7"], t, False,
                 (10, 7, 0.95), "prediction"))
    runs.append((["--types", ",".join(t), "--pred-field", "hyp", "--ref-field", "refs"], t,
                 False, None, "hyp"))
    return runs


ERROR_RUNS = [["--types", "rouge0"], ["--types", "rouge10"], ["--types", "ROUGE1"],
              ["--types", "rouge1,rougeL,rouge10"],
              ["--bootstrap", "10", "--confidence", "1.5"],
              ["--bootstrap", "10", "--confidence", "-0.5"]]


class Checker:
    def __init__(self, ref):
        self.ref = ref
        self.cache = {}

    def per_item(self, cid, recs, types, stem):
        key = (cid, tuple(types), stem)
        if key not in self.cache:
            items = [{"prediction": r["pred"], "label": r["label"]} for r in recs]
            self.cache[key] = self.ref.score_items(types, stem, items)
        return self.cache[key]

    def expected(self, cid, recs, types, stem, boot):
        scores, refs = self.per_item(cid, recs, types, stem)
        summary = {}
        means = rouge_golden.mean_of(scores, types)
        agg = self.ref.aggregate(scores, types, boot[1], boot[0], boot[2]) if boot else None
        for t in types:
            d = {"mean": dict(zip(("precision", "recall", "fmeasure"), means[t]))}
            if agg:
                for b in ("low", "mid", "high"):
                    d[b] = dict(zip(("precision", "recall", "fmeasure"), agg[t][b]))
            summary[t] = d
        per = []
        for i, (s, r) in enumerate(zip(scores, refs)):
            o = {"index": i}
            for t in types:
                p, rc, f = rouge_golden.triple(s[t])
                o[t] = {"precision": p, "recall": rc, "fmeasure": f}
                if r is not None and len(recs[i]["label"]) > 1:
                    o[t]["reference"] = r[t]
            per.append(o)
        return summary, per


def same_number(a, b):
    return (isinstance(a, (int, float)) and not isinstance(a, bool)
            and isinstance(b, (int, float)) and not isinstance(b, bool) and a == b)


def compare(want, got, path, diffs):
    """Appends (path, want, got) for every difference; dict key order is not compared here."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            diffs.append((path, want, got))
            return
        for k in want:
            if k not in got:
                diffs.append((path + "." + k, want[k], "<missing>"))
            else:
                compare(want[k], got[k], path + "." + k, diffs)
        for k in got:
            if k not in want:
                diffs.append((path + "." + k, "<absent>", got[k]))
    elif isinstance(want, (int, float)):
        if not same_number(want, got):
            diffs.append((path, want, got))
    elif want != got:
        diffs.append((path, want, got))


def run_sophia(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=600)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_run(job, checker):
    """Returns a list of difference lines (empty = identical)."""
    cid, recs, d, opts, types, stem, boot, fkey, rc, out, err = job
    diffs = []
    if rc != 0:
        return [f"exit {rc}, want 0; stderr: {err.strip()[-500:]}"]
    want_sum, want_per = checker.expected(cid, recs, types, stem, boot)
    try:
        got_sum = json.loads(out, object_pairs_hook=lambda kv: dict(kv))
    except ValueError as e:
        return [f"stdout is not JSON ({e}): {out[:300]!r}"]
    if isinstance(got_sum, dict) and list(got_sum) != list(types):
        diffs.append(("stdout keys", list(types), list(got_sum)))
    compare(want_sum, got_sum, "stdout", diffs)
    try:
        with open(os.path.join(d, "out.jsonl"), encoding="utf-8") as f:
            lines = [ln for ln in f.read().split("\n") if ln]
        got_per = [json.loads(ln) for ln in lines]
    except (OSError, ValueError) as e:
        got_per = None
        diffs.append(("per-sample", "a JSONL file", f"{type(e).__name__}: {e}"))
    if got_per is not None:
        if len(got_per) != len(want_per):
            diffs.append(("per-sample lines", len(want_per), len(got_per)))
        for i, (w, g) in enumerate(zip(want_per, got_per)):
            compare(w, g, f"item[{i}]", diffs)
    return [f"{p}: want {w!r}, got {g!r}" for p, w, g in diffs]


def main():
    ap = argparse.ArgumentParser(description="Compare sophia-eval rouge with rouge-score.")
    rouge_golden.add_source_arg(ap)
    ap.add_argument("--sophia", required=True, help="path to the sophia-eval binary")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=5, help="number of random corpora")
    ap.add_argument("--max-items", type=int, default=300, help="largest corpus (items)")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--show", type=int, default=5, help="differing runs to print in full")
    ap.add_argument("--keep", help="write the corpora into this directory and keep them")
    a = ap.parse_args()
    binary = os.path.abspath(a.sophia)
    ref = rouge_golden.Ref(a.rouge_score)
    checker = Checker(ref)

    root = a.keep or tempfile.mkdtemp(prefix="rouge-crosscheck-")
    os.makedirs(root, exist_ok=True)
    jobs = []  # (cid, recs, dir, opts, types, stem, boot, file key)
    err_jobs = []
    for c in range(a.cases):
        # string seeds hash with SHA-512 in Python 3: stable, and far from the test corpora's
        rng = random.Random(f"rouge-crosscheck/{a.seed}/{c}")
        recs = make_records(rng, a.max_items)
        base = os.path.join(root, f"case{c:03d}")
        os.makedirs(base, exist_ok=True)
        write_jsonl(os.path.join(base, "preds.jsonl"), recs, "pred", "label", rng)
        write_jsonl(os.path.join(base, "prediction.jsonl"), recs, "prediction", "label", rng)
        write_jsonl(os.path.join(base, "fields.jsonl"), recs, "hyp", "refs", rng)
        files = {"pred": "preds.jsonl", "prediction": "prediction.jsonl", "hyp": "fields.jsonl"}
        for r, (opts, types, stem, boot, fkey) in enumerate(option_matrix(rng)):
            d = os.path.join(base, f"run{r:02d}")
            os.makedirs(d, exist_ok=True)
            args = ["rouge", os.path.join("..", files[fkey]), "--format", "json",
                    "--per-sample", "out.jsonl"] + opts
            jobs.append((c, recs, d, args, types, stem, boot, fkey))
        e = rng.choice(ERROR_RUNS)
        err_jobs.append((c, base, ["rouge", "preds.jsonl", "--format", "json"] + e))

    def one(job):
        c, recs, d, args, types, stem, boot, fkey = job
        out_path = os.path.join(d, "out.jsonl")
        if os.path.exists(out_path):
            os.remove(out_path)
        rc, out, err = run_sophia(binary, args, d)
        return (c, recs, d, args, types, stem, boot, fkey, rc, out, err)

    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        done = list(ex.map(one, jobs))
        err_done = list(ex.map(lambda j: (j, run_sophia(binary, j[2], j[1])), err_jobs))

    total, same, shown = 0, 0, 0
    for job in done:
        total += 1
        lines = check_run(job, checker)
        if not lines:
            same += 1
            continue
        if shown < a.show:
            shown += 1
            print(f"--- case{job[0]:03d} ({len(job[1])} items): sophia-eval {' '.join(job[3])}"
                  f"  [in {job[2]}]")
            for ln in lines[:10]:
                print("   ", ln)
            if len(lines) > 10:
                print(f"    ... {len(lines) - 10} more differences")
    for (c, base, args), (rc, out, err) in err_done:
        total += 1
        if rc == 1:
            same += 1
        elif shown < a.show:
            shown += 1
            print(f"--- case{c:03d}: sophia-eval {' '.join(args)}  [in {base}]")
            print(f"    exit {rc}, want 1 (rouge-score raises ValueError); stdout {out[:200]!r}")
    print(f"{same}/{total} identical")
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"corpora kept in {root}")
    sys.exit(0 if same == total else 1)


if __name__ == "__main__":
    main()
