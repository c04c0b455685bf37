#!/usr/bin/env python3
# bleu_crosscheck.py -- differential test of `sophia-eval bleu` against sacreBLEU's CLI on
# fresh random corpora (inputs that no golden has seen).
#
# For each of --cases K corpora (made with the bleu_corpus.py generators from --seed N: mixed
# multilingual news-like lines, some hand-written edge lines, 1-4 reference files, a
# tab-separated -nr file, three systems), it runs a matrix of options -- every tokenizer with
# and without -lc, smoothing methods and values, -sl (plain, -b, smoothed), -f text/json/latex,
# --short, -w, -b, several reference files and -nr, stdin, multi-system tables and, unless
# --no-stats, -ci and the paired tests -- through both programs with the same arguments
# (`sophia-eval bleu` takes sacreBLEU's flags verbatim), the same working directory and the
# same clean environment, and compares stdout byte for byte and the exit code (and stderr
# lines with --check-stderr). It prints "N/M identical" and the first differences, and exits
# 1 if anything differs.
#
# Run from the repository root (outside CI; about a minute for --cases 10 on 2 cores):
#   go build -o /some/dir/sophia-eval ./cmd/sophia-eval
#   /usr/bin/python3 testdata/gen/bleu_crosscheck.py --sacrebleu PATH_TO_SACREBLEU_CHECKOUT \
#       --sophia /some/dir/sophia-eval --seed 1 --cases 10
# (--sacrebleu defaults to $SACREBLEU_SRC.) Other options: --jobs, --show N (differences to
# print), --keep DIR (keep the generated corpora there), --no-stats.
# Reference versions: sacreBLEU 2.6.0 at commit f615c72, Debian 12 Python 3.11.2,
# numpy 1.24.2 (the bootstrap/paired numbers depend on numpy's RNG and float behaviour).

import argparse
import json
import concurrent.futures
import difflib
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bleu_corpus  # noqa: E402
import bleu_refrun  # noqa: E402

TOKS = ["13a", "intl", "char", "zh", "none"]


def make_corpus(rng, d):
    """Writes one random corpus into d; returns a description dict."""
    n_lines = rng.randint(15, 120)
    n_refs = rng.randint(1, 4)
    refs, hyps = bleu_corpus.make_news(rng, n_lines, n_refs)
    # mix in hand-written edge lines (hypothesis and references), tabs in references -> spaces
    edge = bleu_corpus.EDGE + [(h, r0, r1, r0) for h, r0, r1 in bleu_corpus.SHORT]
    for i in range(n_lines):
        if rng.random() < 0.12:
            row = rng.choice(edge)
            for k in range(n_refs):
                refs[k][i] = row[1 + k % 3].replace("\t", " ")
            for name in hyps:
                hyps[name][i] = row[0] if rng.random() < 0.7 else row[1 + rng.randrange(3)]
    ref_files = []
    for k, r in enumerate(refs):
        bleu_corpus.write_lines(os.path.join(d, f"ref.{k}.txt"), r)
        ref_files.append(f"ref.{k}.txt")
    for name, h in hyps.items():
        bleu_corpus.write_lines(os.path.join(d, f"sys.{name}.txt"), h,
                                final_newline=rng.random() < 0.9)
    bleu_corpus.write_lines(os.path.join(d, "refs.tsv"), ["\t".join(x) for x in zip(*refs)])
    return {"refs": ref_files, "n_refs": n_refs, "n_lines": n_lines}


def option_matrix(rng, desc, stats):
    """A list of (args, env, stdin) for one corpus."""
    R = desc["refs"]
    A, B, C = "sys.A.txt", "sys.B.txt", "sys.C.txt"
    runs = []

    def add(args, env=None, stdin=None):
        runs.append((args, env or {}, stdin))

    def sv():
        return rng.choice(["0.01", "0.05", "0.1", "0.3", "0.5", "1", "1.5", "2", "5"])

    fmt = lambda: rng.choice(["text", "json"])  # noqa: E731
    for tok in TOKS:
        for lc in ([], ["-lc"]):
            add(R + ["-i", rng.choice([A, B, C]), "-tok", tok, "-f", fmt()] + lc)
    for m in ["none", "floor", "add-k", "exp"]:
        add(R + ["-i", A, "-s", m, "-f", "text"])
        add(R + ["-i", C, "-s", m, "-sv", sv(), "-f", fmt(), "-tok", rng.choice(TOKS)])
    add(R + ["-i", A, "-sl"])
    add(R + ["-i", B, "-sl", "-b", "-w", str(rng.randint(0, 4))])
    add(R + ["-i", C, "-sl", "-s", rng.choice(["floor", "add-k", "none"]), "-sv", sv(),
             "-tok", rng.choice(TOKS)] + rng.choice([[], ["-lc"]]) + rng.choice([[], ["--short"]]))
    for f in ["text", "json", "latex"]:
        add(R + ["-i", A, "-f", f] + rng.choice([[], ["--short"], ["-b"]]) + ["-w", str(rng.randint(0, 4))])
    add(R[:1] + ["-i", B, "-f", "text"])
    add(["refs.tsv", "-nr", str(desc["n_refs"]), "-i", C, "-f", fmt()])
    add(R + ["-f", "text"], stdin=A)
    add(R + ["-i", A, B, C, "-f", rng.choice(["text", "json", "latex"])] + rng.choice([[], ["--short"], ["-nc"]]))
    add(R + ["-i", A, B, "-f", "text", "-w", "2", "-lc", "-tok", rng.choice(TOKS)], env={"NO_COLOR": "1"})
    if stats:
        seed = rng.choice([None, "7", "12345", "99"])
        env = {"SACREBLEU_SEED": seed} if seed else {}
        add(R + ["-i", A, "-ci", "-cin", str(rng.choice([50, 100, 200])), "-f", fmt()], env=env)
        add(R + ["-i", A, B, C, "-pbs", "-pbsn", str(rng.choice([50, 100])), "-f", rng.choice(["text", "json", "latex"])], env=env)
        add(R + ["-i", A, C, "-par", "-parn", str(rng.choice([100, 200, 500])), "-f", rng.choice(["text", "json"])], env=env)
    return runs


def run_sophia(binary, runner, args, cwd, env, stdin):
    fin = open(os.path.join(cwd, stdin), "rb") if stdin else subprocess.DEVNULL
    try:
        p = subprocess.run([binary, "bleu"] + list(args), cwd=cwd, env=runner.env(env), stdin=fin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    finally:
        if stdin:
            fin.close()
    return strip_extras(p.stdout), p.stderr, p.returncode


EXTRAS = b',\n "score_exact": '


def strip_extras(out):
    """Drop the keys sophia-eval appends to sacreBLEU's single-system JSON
    (score_exact, counts, totals, precisions, bp, ratio, sys_len, ref_len): they
    follow sacreBLEU's own keys and close the object."""
    i = out.find(EXTRAS)
    if i < 0:
        return out
    tail = b"\x1b[0m" if out.endswith(b"\x1b[0m") else b""
    return out[:i] + b"\n}\n" + tail


def json_close(a, b, tol):
    """Whether a and b are JSON documents equal up to numbers within tol."""
    try:
        x, y = json.loads(a), json.loads(b)
    except ValueError:
        return False

    def close(x, y):
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(close(p, q) for p, q in zip(x, y))
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= tol
        return x == y
    return close(x, y)


def main():
    ap = argparse.ArgumentParser(description="Compare sophia-eval bleu with sacreBLEU.")
    bleu_refrun.add_source_arg(ap)
    ap.add_argument("--sophia", required=True, help="path to the sophia-eval binary")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=5, help="number of random corpora")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--show", type=int, default=5, help="differences to print in full")
    ap.add_argument("--keep", help="write the corpora into this directory and keep them")
    ap.add_argument("--no-stats", action="store_true", help="skip -ci and the paired tests")
    ap.add_argument("--check-stderr", action="store_true", help="also compare stderr")
    ap.add_argument("--tolerance", type=float, default=1e-9,
                    help="JSON outputs whose numbers all differ by at most this much count as "
                         "equal within tolerance (glibc's exp/log are not always correctly rounded)")
    args = ap.parse_args()
    src = bleu_refrun.resolve_source(args)
    runner = bleu_refrun.Runner(src, args.python)
    sophia = os.path.abspath(args.sophia)
    if not os.access(sophia, os.X_OK):
        sys.exit(f"error: {sophia} is not an executable")

    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="bleu-crosscheck-")
    os.makedirs(root, exist_ok=True)
    jobs = []
    for k in range(args.cases):
        rng = random.Random(f"crosscheck-{args.seed}-{k}")
        d = os.path.join(root, f"corpus{k:03d}")
        os.makedirs(d, exist_ok=True)
        desc = make_corpus(rng, d)
        for i, (a, env, stdin) in enumerate(option_matrix(rng, desc, not args.no_stats)):
            jobs.append((f"corpus{k:03d}#{i}", d, a, env, stdin))

    def one(job):
        name, d, a, env, stdin = job
        ref = runner.run(a, d, env=env, stdin=stdin)
        got = run_sophia(sophia, runner, a, d, env, stdin)
        return name, d, a, env, stdin, ref, got

    n_same, n_close, diffs, ref_fail = 0, 0, [], {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, d, a, env, stdin, ref, got in pool.map(one, jobs):
            if ref[2] != 0:
                ref_fail[ref[2]] = ref_fail.get(ref[2], 0) + 1
            same = ref[0] == got[0] and ref[2] == got[2]
            if args.check_stderr:
                same = same and ref[1].decode("utf-8", "replace").splitlines() == \
                    got[1].decode("utf-8", "replace").splitlines()
            if same:
                n_same += 1
            elif ref[2] == got[2] and json_close(ref[0], got[0], args.tolerance):
                n_close += 1
            else:
                diffs.append((name, d, a, env, stdin, ref, got))

    total = len(jobs)
    print(f"{n_same}/{total} identical, {n_close} equal within {args.tolerance:g} "
          f"(full-precision JSON floats that differ in the last bits), {len(diffs)} different "
          f"[seed {args.seed}, {args.cases} corpora, sacreBLEU {src}, sophia {sophia}]")
    if ref_fail:
        print("runs where sacreBLEU itself exited non-zero (compared too): " +
              ", ".join(f"exit {k}: {v}" for k, v in sorted(ref_fail.items())))
    for name, d, a, env, stdin, ref, got in diffs[:args.show]:
        print("=" * 78)
        envs = " ".join(f"{k}={v}" for k, v in env.items())
        print(f"{name}: cd {d} && {envs + ' ' if envs else ''}sophia-eval bleu {' '.join(a)}"
              + (f" < {stdin}" if stdin else ""))
        if ref[2] != got[2]:
            print(f"exit code: sacreBLEU {ref[2]}, sophia-eval {got[2]}")
        if ref[0] != got[0]:
            r = ref[0].decode("utf-8", "replace").splitlines(keepends=True)
            g = got[0].decode("utf-8", "replace").splitlines(keepends=True)
            sys.stdout.writelines(difflib.unified_diff(r, g, "sacreBLEU", "sophia-eval", n=1))
            if ref[0].rstrip(b"\n") == got[0].rstrip(b"\n"):
                print("(only the trailing newlines differ)")
        if args.check_stderr or ref[2] != got[2]:
            print("-- sacreBLEU stderr:\n" + ref[1].decode("utf-8", "replace"), end="")
            print("-- sophia-eval stderr:\n" + got[1].decode("utf-8", "replace"), end="")
    if len(diffs) > args.show:
        print(f"... and {len(diffs) - args.show} more:", ", ".join(x[0] for x in diffs[args.show:]))
    if not args.keep and not diffs:
        shutil.rmtree(root, ignore_errors=True)
    elif not args.keep:
        print(f"corpora kept in {root}")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
