#!/usr/bin/env python3
# bleu_cli.py -- writes the sacreBLEU CLI goldens testdata/bleu/cli/cases.jsonl (stdout and
# stderr are pipes) and testdata/bleu/cli/tty_cases.jsonl (stdout is a terminal: colours).
#
# Each line of cases.jsonl is one JSON object:
#   {"name": str, "category": str,
#    "args": [sacreBLEU CLI arguments exactly as passed; paths relative to testdata/bleu/],
#    "env": {extra environment variables, e.g. SACREBLEU_SEED, SACREBLEU_FORMAT, NO_COLOR},
#    "stdin": null | "corpus/..." (file fed on stdin; null = stdin is /dev/null),
#    "stdout": exact stdout (str), "stderr": exact stderr (str), "exit": int}
# Every stderr line is a sacreBLEU log line ("sacreBLEU: " + message; without the prefix under
# -q), except for argparse usage errors (exit 2): there stderr is argparse's usage block and a
# final line "sacrebleu: error: MESSAGE", of which only MESSAGE is worth comparing.
# tty_cases.jsonl has the same fields plus "tty": true; there stdout was the slave side of a
# pseudo-terminal in raw mode (no "\n" -> "\r\n" translation), stderr a pipe.
#
# sacreBLEU is run as the installed `sacrebleu` console script would run (argparse prog
# "sacrebleu"), with cwd = testdata/bleu and a clean environment: PATH, HOME (an empty
# temporary directory), LANG=C.UTF-8, PYTHONPATH=<checkout>, plus the case's "env".
#
# Run from the repository root (about 1-2 minutes on 2 cores; run bleu_corpus.py first if the
# corpora changed):
#   /usr/bin/python3 testdata/gen/bleu_cli.py --sacrebleu PATH_TO_SACREBLEU_CHECKOUT
# (or set SACREBLEU_SRC). Options: --jobs N (parallel runs), --only SUBSTRING (print matching
# cases instead of writing the files).
# Versions the goldens were made with: sacreBLEU 2.6.0 at commit f615c72 (tag v2.6.0 + one
# README commit), Debian 12 Python 3.11.2, numpy 1.24.2, regex 2.5.123, tabulate 0.8.9,
# colorama 0.4.6, no wcwidth module (it would change table widths only for wide characters in
# system names; none of the cases has any).

import argparse
import concurrent.futures
import json
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
N2 = N_REFS[:2]
A, B, CC = C + "news/sys.A.txt", C + "news/sys.B.txt", C + "news/sys.C.txt"
A_SHORT = C + "news/sys.A.short.txt"
TSV, TSV_BROKEN = C + "news/refs.tsv", C + "news/refs.broken.tsv"
# several tab-separated systems on stdin: the four references of refs.tsv, scored against
# sys.A.txt (and a broken 20-line version with an empty last field on line 14)
STDIN4, STDIN_BROKEN = TSV, TSV_BROKEN
STDIN_REF = [A]
T_HYP, T_HYP99, T_REF = C + "tokper/hyp.txt", C + "tokper/hyp99.txt", C + "tokper/ref.txt"

TOKS = ["13a", "intl", "char", "zh", "none"]


def build_cases():
    cases = []

    def add(category, name, args, env=None, stdin=None):
        cases.append({"name": f"{category}/{name}", "category": category, "args": list(args),
                      "env": dict(env or {}), "stdin": stdin})

    # ---- tokenizers x lowercase ------------------------------------------------------------
    for tok in TOKS:
        for lc in (False, True):
            sfx = "-lc" if lc else ""
            extra = ["-lc"] if lc else []
            add("tokenize", f"edge-{tok}{sfx}", E_REFS + ["-i", E_HYP, "-tok", tok] + extra)
            add("tokenize", f"news-{tok}{sfx}-text",
                N2 + ["-i", A, "-tok", tok] + extra + ["-f", "text"])
            add("tokenize", f"short-{tok}{sfx}-text",
                S_REFS + ["-i", S_HYP, "-tok", tok] + extra + ["-f", "text"])
    add("tokenize", "edge-default", E_REFS + ["-i", E_HYP])
    add("tokenize", "edge-default-text", E_REFS + ["-i", E_HYP, "-f", "text"])
    add("tokenize", "edge-crlf-text", E_REFS + ["-i", C + "edge/hyp.crlf.txt", "-f", "text"])
    add("tokenize", "edge-ref0-only-intl-text", [E_REFS[0], "-i", E_HYP, "-tok", "intl", "-f", "text"])
    add("tokenize", "edge-refs-as-hyp-text", [E_HYP, "-i", E_REFS[2], "-f", "text"])
    add("tokenize", "news-long-tokenize-option",
        N2 + ["--input", A, "--tokenize", "intl", "--lowercase", "--format", "text"])

    # ---- smoothing -------------------------------------------------------------------------
    for m in ["none", "floor", "add-k", "exp"]:
        add("smooth", f"short-{m}-text", S_REFS + ["-i", S_HYP, "-s", m, "-f", "text"])
        add("smooth", f"news-{m}-text", N2 + ["-i", A, "-s", m, "-f", "text"])
        add("smooth", f"short-sl-{m}", S_REFS + ["-i", S_HYP, "-sl", "-s", m]
            + ([] if m in ("floor", "add-k") else ["-b", "-w", "4"]))
    for m in ["floor", "add-k"]:
        for v in ["0.05", "0.1", "0.5", "1", "2"]:
            add("smooth", f"short-{m}-sv{v}-text", S_REFS + ["-i", S_HYP, "-s", m, "-sv", v, "-f", "text"])
        add("smooth", f"news-{m}-sv0.5", N2 + ["-i", A, "-s", m, "-sv", "0.5"])
        add("smooth", f"short-sl-{m}-sv2", S_REFS + ["-i", S_HYP, "-sl", "-s", m, "-sv", "2", "--short"])
    add("smooth", "short-exp-sv0.5-text", S_REFS + ["-i", S_HYP, "-s", "exp", "-sv", "0.5", "-f", "text"])
    add("smooth", "short-none-sv0.5-text", S_REFS + ["-i", S_HYP, "-s", "none", "-sv", "0.5", "-f", "text"])
    add("smooth", "news-add-k-sv0.5-json", N2 + ["-i", A, "--smooth-method", "add-k", "--smooth-value", "0.5"])
    add("smooth", "edge-sl-floor-b-w3", E_REFS + ["-i", E_HYP, "-sl", "-s", "floor", "-b", "-w", "3"])
    add("smooth", "edge-sl-add-k-short", E_REFS + ["-i", E_HYP, "-sl", "-s", "add-k", "--short"])
    add("smooth", "edge-sl-none-b-w3", E_REFS + ["-i", E_HYP, "-sl", "-s", "none", "-b", "-w", "3"])

    # ---- sentence level --------------------------------------------------------------------
    for tok in TOKS:
        add("sentence", f"edge-sl-{tok}", E_REFS + ["-i", E_HYP, "-sl", "-tok", tok])
    add("sentence", "edge-sl-13a-lc-short", E_REFS + ["-i", E_HYP, "-sl", "-lc", "--short"])
    add("sentence", "edge-sl-intl-lc-b-w3", E_REFS + ["-i", E_HYP, "-sl", "-tok", "intl", "-lc", "-b", "-w", "3"])
    add("sentence", "edge-sl-b", E_REFS + ["-i", E_HYP, "-sl", "-b"])
    add("sentence", "edge-sl-b-w4", E_REFS + ["-i", E_HYP, "-sl", "-b", "-w", "4"])
    add("sentence", "short-sl-json", S_REFS + ["-i", S_HYP, "-sl", "-f", "json"])
    add("sentence", "short-sl-latex-short", S_REFS + ["-i", S_HYP, "-sl", "-f", "latex", "--short"])
    add("sentence", "short-sl-text-w3-short", S_REFS + ["-i", S_HYP, "-sl", "-f", "text", "-w", "3", "--short"])
    add("sentence", "short-sl-w0-b", S_REFS + ["-i", S_HYP, "-sl", "-w", "0", "-b"])
    add("sentence", "short-sl-short", S_REFS + ["-i", S_HYP, "-sl", "--short"])
    add("sentence", "short-sl-b-short", S_REFS + ["-i", S_HYP, "-sl", "-b", "--short"])
    add("sentence", "short-sl-1ref", [S_REFS[0], "-i", S_HYP, "-sl"])
    add("sentence", "short-sl-q-b", S_REFS + ["-i", S_HYP, "-sl", "-q", "-b"])
    add("sentence", "news-sl-b", N_REFS + ["-i", A, "-sl", "-b"])
    add("sentence", "news-sl-b-w0-lc", N2 + ["-i", CC, "-sl", "-b", "-w", "0", "-lc"])
    add("sentence", "news-sl-b-nr4", [TSV, "-nr", "4", "-i", B, "-sl", "-b", "-w", "2"])
    add("sentence", "long-options",
        [S_REFS[0], "--input", S_HYP, "--sentence-level", "--smooth-method", "floor",
         "--smooth-value", "0.2", "--tokenize", "intl", "--lowercase", "--width", "3", "--short"])
    add("sentence", "tokper-sl-b", [T_REF, "-i", T_HYP, "-sl", "-b"])
    add("sentence", "stdin-sl-b", [S_REFS[0], "-sl", "-b"], stdin=S_HYP)
    add("sentence", "sl-m-bleu", S_REFS + ["-i", S_HYP, "-sl", "-m", "bleu", "-b"])

    # ---- output formats, single system -----------------------------------------------------
    for f in ["text", "json", "latex"]:
        add("format", f"news-{f}", N2 + ["-i", A, "-f", f])
        add("format", f"news-{f}-short", N2 + ["-i", A, "-f", f, "--short"])
        add("format", f"news-{f}-b", N2 + ["-i", A, "-f", f, "-b"])
    for w in ["0", "1", "2", "4"]:
        add("format", f"news-w{w}-text", N2 + ["-i", A, "-w", w, "-f", "text"])
        add("format", f"news-w{w}-json", N2 + ["-i", A, "-w", w])
    add("format", "news-w10-text", N2 + ["-i", A, "-w", "10", "-f", "text"])
    add("format", "news-w10-json", N2 + ["-i", A, "-w", "10"])
    add("format", "news-w0-b", N2 + ["-i", A, "-w", "0", "-b"])
    add("format", "news-w4-b-text", N2 + ["-i", A, "-w", "4", "-b", "-f", "text"])
    add("format", "news-text-short-b", N2 + ["-i", A, "-f", "text", "--short", "-b"])
    add("format", "short-json-zero", S_REFS + ["-i", S_HYP])
    add("format", "short-json-zero-w0", S_REFS + ["-i", S_HYP, "-w", "0"])
    add("format", "news-identical-json", [A, "-i", A])
    add("format", "news-identical-w0-json", [A, "-i", A, "-w", "0"])
    add("format", "news-detail-text", N2 + ["-i", A, "-d"])
    add("format", "news-encoding", N2 + ["-i", A, "-e", "utf-8", "-f", "text"])
    add("format", "env-format-text", N2 + ["-i", A], env={"SACREBLEU_FORMAT": "text"})
    add("format", "env-format-TEXT-over-json", N2 + ["-i", A, "-f", "json"], env={"SACREBLEU_FORMAT": "TEXT"})
    add("format", "env-format-json-over-text", N2 + ["-i", A, "-f", "text"], env={"SACREBLEU_FORMAT": "json"})
    add("format", "env-format-invalid-ignored", N2 + ["-i", A, "-f", "text"], env={"SACREBLEU_FORMAT": "yaml"})
    add("format", "m-bleu", N2 + ["-i", A, "-m", "bleu"])
    add("format", "metrics-bleu-text", N2 + ["-i", A, "--metrics", "bleu", "-f", "text"])
    add("format", "m-bleu-bleu", N2 + ["-i", A, "-m", "bleu", "bleu", "-f", "text"])
    add("format", "quiet-json", N2 + ["-i", A, "-q"])
    add("format", "force-text", N2 + ["-i", A, "--force", "-f", "text"])

    # ---- confidence intervals --------------------------------------------------------------
    add("ci", "news-ci-text", N2 + ["-i", A, "-ci", "-f", "text"])
    add("ci", "news-ci-json", N2 + ["-i", A, "-ci"])
    add("ci", "news-ci-cin200-text", N2 + ["-i", A, "-ci", "-cin", "200", "-f", "text"])
    add("ci", "news-ci-cin200-json", N2 + ["-i", A, "-ci", "-cin", "200"])
    add("ci", "news-ci-short-text", N2 + ["-i", A, "-ci", "--short", "-f", "text"])
    add("ci", "news-ci-short-json", N2 + ["-i", A, "-ci", "--short"])
    add("ci", "news-ci-b-text", N2 + ["-i", A, "-ci", "-b", "-f", "text"])
    add("ci", "news-ci-b-json", N2 + ["-i", A, "-ci", "-b"])
    add("ci", "news-ci-w3-text", N2 + ["-i", A, "-ci", "-w", "3", "-f", "text"])
    add("ci", "news-ci-w3-json", N2 + ["-i", A, "-ci", "-w", "3"])
    add("ci", "news-ci-w0-json", N2 + ["-i", A, "-ci", "-w", "0"])
    add("ci", "news-ci-latex", N2 + ["-i", A, "-ci", "-f", "latex"])
    add("ci", "news-ci-seed7-text", N2 + ["-i", A, "-ci", "-f", "text"], env={"SACREBLEU_SEED": "7"})
    add("ci", "news-ci-seed7-json", N2 + ["-i", A, "-ci"], env={"SACREBLEU_SEED": "7"})
    add("ci", "news-ci-seed007-json", N2 + ["-i", A, "-ci", "-cin", "200"], env={"SACREBLEU_SEED": "007"})
    add("ci", "news-ci-seed0-text", N2 + ["-i", A, "-ci", "-cin", "200", "-f", "text"], env={"SACREBLEU_SEED": "0"})
    add("ci", "news-ci-cin1-text", N2 + ["-i", A, "-ci", "-cin", "1", "-f", "text"])
    add("ci", "news-ci-4refs-lc-intl-text", N_REFS + ["-i", CC, "-ci", "-lc", "-tok", "intl", "-f", "text"])
    add("ci", "news-ci-floor-text", N2 + ["-i", B, "-ci", "-cin", "300", "-s", "floor", "-f", "text"])
    add("ci", "news-ci-add-k-json", N2 + ["-i", B, "-ci", "-cin", "300", "-s", "add-k", "-sv", "0.5"])
    add("ci", "short-ci-zero-text", S_REFS + ["-i", S_HYP, "-ci", "-f", "text"])
    add("ci", "short-ci-add-k-text", S_REFS + ["-i", S_HYP, "-ci", "-s", "add-k", "-f", "text"])
    add("ci", "edge-ci-3refs-json", E_REFS + ["-i", E_HYP, "-ci", "-cin", "500"])
    add("ci", "news-ci-long-options", N2 + ["-i", A, "--confidence", "--confidence-n", "250", "--format", "text"])
    add("ci", "news-ci-nr4-text", [TSV, "-nr", "4", "-i", A, "-ci", "-f", "text"])

    # ---- multi-system tables ---------------------------------------------------------------
    M = N2 + ["-i", A, B, CC]
    add("multi", "json", M)
    add("multi", "text", M + ["-f", "text"])
    add("multi", "latex", M + ["-f", "latex"])
    add("multi", "text-nc", M + ["-f", "text", "-nc"])
    add("multi", "latex-nc", M + ["-f", "latex", "--no-color"])
    add("multi", "text-NO_COLOR", M + ["-f", "text"], env={"NO_COLOR": "1"})
    add("multi", "text-NO_COLOR-empty", M + ["-f", "text"], env={"NO_COLOR": ""})
    add("multi", "text-short", M + ["-f", "text", "--short"])
    add("multi", "latex-short", M + ["-f", "latex", "--short"])
    add("multi", "json-short", M + ["--short"])
    add("multi", "text-w2", M + ["-f", "text", "-w", "2"])
    add("multi", "latex-w0", M + ["-f", "latex", "-w", "0"])
    add("multi", "json-w3", M + ["-w", "3"])
    add("multi", "text-b", M + ["-f", "text", "-b"])
    add("multi", "text-q", M + ["-f", "text", "-q"])
    add("multi", "text-4refs-lc-intl", N_REFS + ["-i", A, B, CC, "-f", "text", "-lc", "-tok", "intl"])
    add("multi", "text-zh-floor", N2 + ["-i", A, CC, "-f", "text", "-tok", "zh", "-s", "floor"])
    add("multi", "text-2sys-same-content", N2 + ["-i", A, "./" + A, "-f", "text"])
    add("multi", "env-format-latex", M, env={"SACREBLEU_FORMAT": "LaTeX"})
    add("multi", "env-format-text-over-latex", M + ["-f", "latex"], env={"SACREBLEU_FORMAT": "text"})
    add("multi", "edge-text", E_REFS + ["-i", E_HYP, C + "edge/hyp.crlf.txt", E_REFS[1], "-f", "text"])
    add("multi", "latex-underscore-name", S_REFS + ["-i", S_HYP, C + "short/hyp_b.txt", "-f", "latex"])
    add("multi", "text-underscore-name", S_REFS + ["-i", S_HYP, C + "short/hyp_b.txt", "-f", "text", "-w", "3"])
    add("multi", "tokper-text", [T_REF, "-i", T_HYP, T_HYP99, "-f", "text"])
    add("multi", "no-input-files-json", N2 + ["-i"])
    add("multi", "nr4-text", [TSV, "-nr", "4", "-i", A, B, "-f", "text"])

    # ---- paired tests ----------------------------------------------------------------------
    for f in ["text", "json", "latex"]:
        add("paired", f"bs-{f}", M + ["--paired-bs", "-f", f])
        add("paired", f"ar-{f}", M + ["--paired-ar", "-f", f])
    add("paired", "bs-pbsn200-json", M + ["-pbs", "-pbsn", "200"])
    add("paired", "ar-parn500-json", M + ["-par", "-parn", "500"])
    add("paired", "bs-seed7-json", M + ["-pbs"], env={"SACREBLEU_SEED": "7"})
    add("paired", "ar-seed7-json", M + ["-par", "-parn", "2000"], env={"SACREBLEU_SEED": "7"})
    add("paired", "bs-seed007-json", M + ["-pbs", "-pbsn", "300"], env={"SACREBLEU_SEED": "007"})
    add("paired", "bs-seed007-latex", N2 + ["-i", A, B, "-pbs", "-pbsn", "300", "-f", "latex"], env={"SACREBLEU_SEED": "007"})
    add("paired", "bs-nc-text", M + ["-pbs", "-nc", "-f", "text"])
    add("paired", "ar-NO_COLOR-text", M + ["-par", "-parn", "500", "-f", "text"], env={"NO_COLOR": "1"})
    add("paired", "bs-short-text", M + ["-pbs", "-pbsn", "200", "--short", "-f", "text"])
    add("paired", "ar-short-latex", M + ["-par", "-parn", "500", "--short", "-f", "latex"])
    add("paired", "bs-w3-text", M + ["-pbs", "-pbsn", "200", "-w", "3", "-f", "text"])
    add("paired", "ar-w2-latex", M + ["-par", "-parn", "500", "-w", "2", "-f", "latex"])
    add("paired", "bs-w0-latex", M + ["-pbs", "-pbsn", "200", "-w", "0", "-f", "latex"])
    add("paired", "bs-w3-json", M + ["-pbs", "-pbsn", "200", "-w", "3"])
    add("paired", "bs-q-json", M + ["-pbs", "-pbsn", "200", "-q"])
    add("paired", "bs-b-json", M + ["-pbs", "-pbsn", "200", "-b"])
    add("paired", "bs-pbsn0-text", N2 + ["-i", A, B, "-pbs", "-pbsn", "0", "-f", "text"])
    add("paired", "ar-parn0-text", N2 + ["-i", A, B, "-par", "-parn", "0", "-f", "text"])
    add("paired", "bs-identical-text", N2 + ["-i", A, "./" + A, "-pbs", "-f", "text"])
    add("paired", "ar-identical-json", N2 + ["-i", A, "./" + A, "-par", "-parn", "1000"])
    add("paired", "bs-baseline-repeated-json", N2 + ["-i", A, A, B, "-pbs", "-pbsn", "200"])
    add("paired", "bs-j2-json", N2 + ["-i", A, B, "-pbs", "-pbsn", "200", "-j", "2"])
    add("paired", "bs-4refs-lc-intl-json", N_REFS + ["-i", A, B, CC, "-pbs", "-lc", "-tok", "intl"])
    add("paired", "ar-4refs-lc-intl-latex", N_REFS + ["-i", A, B, CC, "-par", "-parn", "1000", "-lc", "-tok", "intl", "-f", "latex"])
    add("paired", "bs-floor-json", N2 + ["-i", B, CC, "-pbs", "-pbsn", "200", "-s", "floor"])
    add("paired", "ar-add-k-json", N2 + ["-i", B, CC, "-par", "-parn", "300", "-s", "add-k"])
    add("paired", "bs-zh-none-json", N2 + ["-i", A, CC, "-pbs", "-pbsn", "200", "-tok", "zh", "-s", "none"])
    add("paired", "ar-char-json", N2 + ["-i", A, CC, "-par", "-parn", "300", "-tok", "char"])
    add("paired", "bs-short-corpus-json", S_REFS + ["-i", S_HYP, S_REFS[1], "-pbs", "-pbsn", "100"])
    add("paired", "ar-short-corpus-json", S_REFS + ["-i", S_HYP, S_REFS[1], "-par", "-parn", "100"])
    add("paired", "bs-short-corpus-add-k-json", S_REFS + ["-i", S_HYP, S_REFS[1], "-pbs", "-pbsn", "100", "-s", "add-k"])
    add("paired", "bs-nr4-json", [TSV, "-nr", "4", "-i", A, B, "-pbs", "-pbsn", "200"])
    add("paired", "bs-stdin-4sys-text", STDIN_REF + ["-pbs", "-pbsn", "200", "-f", "text"], stdin=STDIN4)
    add("paired", "ar-stdin-4sys-json", STDIN_REF + ["-par", "-parn", "500"], stdin=STDIN4)
    add("paired", "bs-tokper-json", [T_REF, "-i", T_HYP, T_HYP99, "-pbs", "-pbsn", "100"])
    add("paired", "long-options-bs", M + ["--paired-bs", "--paired-bs-n", "150", "--paired-jobs", "1", "--format", "json"])
    add("paired", "long-options-ar", M + ["--paired-ar", "--paired-ar-n", "150", "--format", "json", "--quiet"])
    add("paired", "ar-underscore-name-latex", S_REFS + ["-i", C + "short/hyp_b.txt", S_HYP, "-par", "-parn", "100", "-f", "latex"])
    add("paired", "edge-bs-json", E_REFS + ["-i", E_HYP, C + "edge/hyp.crlf.txt", E_REFS[2], "-pbs", "-pbsn", "100"])
    add("paired", "edge-ar-latex", E_REFS + ["-i", E_HYP, E_REFS[2], "-par", "-parn", "100", "-f", "latex"])

    # ---- references ------------------------------------------------------------------------
    for k in (1, 3, 4):
        add("refs", f"news-{k}refs-text", N_REFS[:k] + ["-i", A, "-f", "text"])
    add("refs", "news-4refs-json", N_REFS + ["-i", CC])
    add("refs", "nr4-text", [TSV, "-nr", "4", "-i", A, "-f", "text"])
    add("refs", "nr4-json", [TSV, "-nr", "4", "-i", A])
    add("refs", "nr3-maxsplit-text", [TSV, "-nr", "3", "-i", A, "-f", "text"])
    add("refs", "nr2-maxsplit-text", [TSV, "--num-refs", "2", "-i", A, "-f", "text"])
    add("refs", "nr1-explicit-text", [N_REFS[0], "-nr", "1", "-i", A, "-f", "text"])
    add("refs", "tsv-as-single-ref-text", [TSV, "-i", A, "-f", "text"])
    add("refs", "nr5-exit17", [TSV, "-nr", "5", "-i", A])
    add("refs", "nr4-broken-exit17", [TSV_BROKEN, "-nr", "4", "-i", C + "news/sys.A.short.txt"])
    add("refs", "nr4-broken-exit17-q", [TSV_BROKEN, "-nr", "4", "-i", A, "-q"])
    add("refs", "nr-with-several-files-exit1", N2 + ["-nr", "2", "-i", A])
    add("refs", "nr-with-several-files-exit1-q", N2 + ["-nr", "2", "-i", A, "-q"])
    add("refs", "edge-3refs-text", E_REFS + ["-i", E_HYP, "-f", "text"])
    add("refs", "edge-ref2-nonl-text", [E_REFS[2], "-i", E_HYP, "-f", "text"])
    add("refs", "no-refs-exit1", ["-i", A])
    add("refs", "refs-after-input-exit1", ["-i", A, N_REFS[0]])

    # ---- stdin -----------------------------------------------------------------------------
    add("stdin", "one-system-json", N2, stdin=A)
    add("stdin", "one-system-text", N2 + ["-f", "text"], stdin=A)
    add("stdin", "4sys-json", STDIN_REF, stdin=STDIN4)
    add("stdin", "4sys-text", STDIN_REF + ["-f", "text"], stdin=STDIN4)
    add("stdin", "4sys-latex-short", STDIN_REF + ["-f", "latex", "--short"], stdin=STDIN4)
    add("stdin", "4sys-text-2refs-lc", [A, B, "-f", "text", "-lc"], stdin=STDIN4)
    add("stdin", "broken-exit17", STDIN_REF, stdin=STDIN_BROKEN)
    add("stdin", "broken-exit17-q", STDIN_REF + ["-q"], stdin=STDIN_BROKEN)
    add("stdin", "tabs-inside-lines-exit17", E_REFS, stdin=E_HYP)
    add("stdin", "universal-newlines-cr-exit1", S_REFS, stdin=C + "short/hyp.cr.txt")
    add("stdin", "universal-newlines-crlf-text", S_REFS + ["-f", "text"], stdin=C + "short/hyp.crlf.txt")
    add("stdin", "crlf-file-input-text", S_REFS + ["-i", C + "short/hyp.crlf.txt", "-f", "text"])
    add("stdin", "cr-file-input-text", S_REFS + ["-i", C + "short/hyp.cr.txt", "-f", "text"])
    add("stdin", "short-text", S_REFS + ["-f", "text"], stdin=S_HYP)
    add("stdin", "empty-stdin-exit1", N2)
    add("stdin", "empty-stdin-short-exit1", S_REFS)
    add("stdin", "4sys-sl-exit1", STDIN_REF + ["-sl"], stdin=STDIN4)
    add("stdin", "4sys-ci-exit1", STDIN_REF + ["-ci"], stdin=STDIN4)

    # ---- errors ----------------------------------------------------------------------------
    add("errors", "length-mismatch-exit1", N2 + ["-i", A_SHORT])
    add("errors", "length-mismatch-text-exit1", N2 + ["-i", A_SHORT, "-f", "text"])
    add("errors", "length-mismatch-q-exit1", N2 + ["-i", A_SHORT, "-q"])
    add("errors", "length-mismatch-sl-exit1", N2 + ["-i", A_SHORT, "-sl"])
    add("errors", "length-mismatch-multi-exit1", N2 + ["-i", A, A_SHORT])
    add("errors", "length-mismatch-paired-exit1", N2 + ["-i", A, A_SHORT, "-pbs"])
    add("errors", "length-mismatch-refs-exit1", [N_REFS[0], C + "edge/ref.0.txt", "-i", A])
    add("errors", "sl-ci-exit1", N2 + ["-i", A, "-sl", "-ci"])
    add("errors", "sl-ci-exit1-q", N2 + ["-i", A, "-sl", "-ci", "-q"])
    add("errors", "sl-pbs-exit1", N2 + ["-i", A, B, "-sl", "-pbs"])
    add("errors", "sl-two-systems-exit1", N2 + ["-i", A, B, "-sl"])
    add("errors", "ci-multi-exit1", N2 + ["-i", A, B, "-ci"])
    add("errors", "paired-one-system-exit1", N2 + ["-i", A, "-pbs"])
    add("errors", "paired-ar-one-system-exit1", N2 + ["-i", A, "-par"])
    add("errors", "duplicate-system-exit1", N2 + ["-i", A, B, A])
    add("errors", "duplicate-system-q-exit1", N2 + ["-i", A, A, "-q"])
    add("errors", "pbs-and-par-exit2", N2 + ["-i", A, B, "-pbs", "-par"])
    add("errors", "bad-tokenizer-exit2", N2 + ["-i", A, "-tok", "foo"])
    add("errors", "bad-format-exit2", N2 + ["-i", A, "-f", "yaml"])
    add("errors", "bad-smooth-exit2", N2 + ["-i", A, "-s", "add-one"])
    add("errors", "bad-smooth-value-exit2", N2 + ["-i", A, "-sv", "abc"])
    add("errors", "bad-width-exit2", N2 + ["-i", A, "-w", "1.5"])
    add("errors", "bad-metric-exit2", N2 + ["-i", A, "-m", "meteor"])

    # ---- tokenized-period warning ----------------------------------------------------------
    add("tokper", "warning-json", [T_REF, "-i", T_HYP])
    add("tokper", "warning-text", [T_REF, "-i", T_HYP, "-f", "text"])
    add("tokper", "force", [T_REF, "-i", T_HYP, "--force"])
    add("tokper", "warning-q", [T_REF, "-i", T_HYP, "-q"])
    add("tokper", "99-no-warning", [T_REF, "-i", T_HYP99])
    add("tokper", "warning-ci", [T_REF, "-i", T_HYP, "-ci", "-cin", "100", "-f", "text"])
    add("tokper", "warning-stdin", [T_REF, "-f", "text"], stdin=T_HYP)
    add("tokper", "force-multi-text", [T_REF, "-i", T_HYP, T_HYP99, "--force", "-f", "text"])

    # ---- version ---------------------------------------------------------------------------
    add("misc", "version-short-flag", ["-V"])
    add("misc", "version-long-flag", ["--version"])
    return cases


# Cases recorded with stdout on a terminal (colours). Same format plus "tty": true.
def build_tty_cases():
    M = N2 + ["-i", A, B, CC]
    cases = []

    def add(name, args, env=None, stdin=None):
        cases.append({"name": f"tty/{name}", "category": "tty", "args": list(args),
                      "env": dict(env or {}), "stdin": stdin, "tty": True})
    add("single-text", N2 + ["-i", A, "-f", "text"])
    add("ci-text", N2 + ["-i", A, "-ci", "-cin", "200", "-f", "text"])
    add("ci-json", N2 + ["-i", A, "-ci", "-cin", "200"])
    add("multi-text", M + ["-f", "text"])
    add("multi-latex", M + ["-f", "latex"])
    add("multi-text-nc", M + ["-f", "text", "-nc"])
    add("multi-text-NO_COLOR", M + ["-f", "text"], env={"NO_COLOR": "1"})
    add("multi-text-NO_COLOR-empty", M + ["-f", "text"], env={"NO_COLOR": ""})
    add("bs-text", M + ["-pbs", "-pbsn", "200", "-f", "text"])
    add("ar-latex", M + ["-par", "-parn", "1000", "-f", "latex"])
    add("ar-json", M + ["-par", "-parn", "1000"])
    add("sl-text", S_REFS + ["-i", S_HYP, "-sl", "-f", "text"])
    return cases


def run_case(runner, case):
    if case.get("tty"):
        out, err, code = runner.run_tty(case["args"], BLEU_DIR, env=case["env"], stdin=case["stdin"])
    else:
        out, err, code = runner.run(case["args"], BLEU_DIR, env=case["env"], stdin=case["stdin"])
    out, err = out.decode("utf-8"), err.decode("utf-8")
    if "Traceback" in err:
        raise RuntimeError(f"{case['name']}: sacreBLEU crashed:\n{err}")
    res = dict(case)
    res.update({"stdout": out, "stderr": err, "exit": code})
    return res


README = """# sacreBLEU CLI goldens

Written by `testdata/gen/bleu_cli.py` from sacreBLEU 2.6.0 (commit f615c72; Python 3.11.2,
numpy 1.24.2, tabulate 0.8.9, colorama 0.4.6). Do not edit by hand; rerun the generator.

`cases.jsonl`: one JSON object per line:

    {"name": "category/case", "category": str,
     "args": [sacreBLEU arguments as passed; paths relative to testdata/bleu/],
     "env": {extra environment variables},
     "stdin": null | "corpus/..." (null: stdin is /dev/null),
     "stdout": exact bytes (UTF-8), "stderr": exact text, "exit": int}

Run each case with the working directory testdata/bleu/, an environment holding only what
`env` adds (sacreBLEU ran with PATH, an empty HOME, LANG=C.UTF-8 and PYTHONPATH), stdout and
stderr as pipes. Compare stdout byte for byte and the exit code. stderr lines are sacreBLEU
log lines (`sacreBLEU: ` + message, no prefix under `-q`); for exit 2 (argparse usage errors)
only the message after `sacrebleu: error: ` on the last line is meaningful.

`tty_cases.jsonl`: the same format plus `"tty": true`: stdout was a terminal (a pty in raw
mode), so the ANSI colours that sacreBLEU prints on terminals are visible.
"""


def dumps(obj):
    s = json.dumps(obj, ensure_ascii=False)
    # keep every JSON line on one physical line for every reader
    for ch in ("\u2028", "\u2029", "\u0085"):
        s = s.replace(ch, "\\u%04x" % ord(ch))
    return s


def main():
    ap = argparse.ArgumentParser(description="Write sacreBLEU CLI goldens.")
    bleu_refrun.add_source_arg(ap)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--only", help="run the cases whose name contains this, print, write nothing")
    args = ap.parse_args()
    src = bleu_refrun.resolve_source(args)
    runner = bleu_refrun.Runner(src, args.python)
    versions = runner.versions()
    print("reference:", src, "| python numpy regex tabulate colorama:", versions, file=sys.stderr)
    if not versions.startswith("3.11.2 1.24.2 2.5.123 0.8.9 0.4.6 wcwidth:absent"):
        print("warning: these are not the versions the committed goldens were made with",
              file=sys.stderr)

    cases = build_cases()
    tty_cases = build_tty_cases()
    names = [c["name"] for c in cases + tty_cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        sys.exit(f"duplicate case names: {sorted(dup)}")
    if args.only:
        for c in cases + tty_cases:
            if args.only in c["name"]:
                r = run_case(runner, c)
                print(f"== {r['name']} exit={r['exit']} args={r['args']} env={r['env']} stdin={r['stdin']}")
                print(r["stdout"], end="")
                print("-- stderr:\n" + r["stderr"], end="")
        return

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: run_case(runner, c), cases))
        tty_results = list(pool.map(lambda c: run_case(runner, c), tty_cases))

    outdir = os.path.join(BLEU_DIR, "cli")
    os.makedirs(outdir, exist_ok=True)
    for fname, rows in (("cases.jsonl", results), ("tty_cases.jsonl", tty_results)):
        with open(os.path.join(outdir, fname), "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(dumps(r) + "\n")

    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(README)

    counts = {}
    for r in results:
        counts.setdefault(r["category"], [0, 0])
        counts[r["category"]][0] += 1
        counts[r["category"]][1] += r["exit"] != 0
    for k, (n, bad) in counts.items():
        print(f"{k:10} {n:4} cases ({bad} with non-zero exit)", file=sys.stderr)
    print(f"total {len(results)} cases + {len(tty_results)} tty cases", file=sys.stderr)


if __name__ == "__main__":
    main()
