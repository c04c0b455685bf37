#!/usr/bin/env python3
# bleu_tables.py -- writes cmd/sophia-eval/cli/testdata/bleu_table/cases.json, the goldens of
# the multi-system and paired-test tables of `sophia-eval bleu` (cli/bleu_table.go).
#
# Run from anywhere (the output path is found from this file's location):
#   /usr/bin/python3 testdata/gen/bleu_tables.py SACREBLEU_DIR
# where SACREBLEU_DIR is a sacreBLEU checkout (it is put first on sys.path).
#
# Versions the goldens were made with: sacreBLEU 2.6.0 at commit f615c72, Debian 12 Python
# 3.11.2, tabulate 0.8.9 (Debian python3-tabulate), colorama 0.4.6, numpy 1.24.2, and NO
# wcwidth module (with wcwidth installed tabulate measures East-Asian wide characters as 2
# columns; without it every code point counts 1). The script refuses to run with other
# versions of tabulate or with wcwidth importable.
#
# Each case calls sacreBLEU's own utils.print_results_table with an argparse Namespace and the
# results dict that sacrebleu.py builds (plain mode: the score strings f"{score:.{w}f}"; paired
# mode: significance.Result objects), with Color.ENABLE_COLORS set from "color", and captures
# stdout. With "strip" set (colours on, stdout not a terminal), stdout is wrapped the way
# colorama.init() wraps it then: AnsiToWin32(strip=True), which removes ANSI sequences.
#
# cases.json: {"meta": {...}, "cases": [CASE...], "numparse": [NUM...]}
#   CASE = {"name", "format": "text"|"json"|"latex", "width": int, "color": bool,
#           "strip": bool, "paired": ""|"bs"|"ar", "n": int (header N), "signature": str,
#           "rows": [{"name": str, "score": float, "mean": float|null, "ci": float|null,
#                     "p_value": float|null}], "stdout": str}
#   NUM  = {"s": str, "type": "bool"|"int"|"float"|"text", "f2": str|null}: tabulate's
#          _type(s) and, for floats, tabulate's _format(s, float, ".2f").

import argparse
import contextlib
import io
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sacrebleu_dir")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.sacrebleu_dir))

    import colorama
    import tabulate
    from sacrebleu import __version__ as sb_version
    from sacrebleu import utils
    from sacrebleu.significance import Result

    assert sb_version == "2.6.0", sb_version
    assert tabulate.__version__ == "0.8.9", tabulate.__version__
    assert tabulate.wcwidth is None, "wcwidth is importable: the goldens assume it is not"

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.normpath(os.path.join(
        here, "..", "..", "cmd", "sophia-eval", "cli", "testdata", "bleu_table", "cases.json"))

    def run(case):
        args = argparse.Namespace(
            format=case["format"], width=case["width"],
            paired_bs=case["paired"] == "bs", paired_ar=case["paired"] == "ar",
            paired_bs_n=case["n"] if case["paired"] == "bs" else 1000,
            paired_ar_n=case["n"] if case["paired"] == "ar" else 10000)
        rows = case["rows"]
        results = {"System": [r["name"] for r in rows]}
        if case["paired"]:
            results["BLEU"] = [Result(r["score"], r["p_value"], r["mean"], r["ci"]) for r in rows]
        else:
            w = case["width"]
            results["BLEU"] = [f"{r['score']:.{w}f}" for r in rows]
        utils.Color.ENABLE_COLORS = case["color"]
        buf = io.StringIO()
        target = buf
        if case["strip"]:
            target = colorama.AnsiToWin32(buf, convert=False, strip=True).stream
        with contextlib.redirect_stdout(target):
            utils.print_results_table(results, {"BLEU": case["signature"]}, args)
        return buf.getvalue()

    cases = [c for c in build_cases()]
    names = set()
    for c in cases:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        c["stdout"] = run(c)

    numparse = []
    for s in NUM_STRINGS:
        t = tabulate._type(s)
        tn = {bool: "bool", int: "int", float: "float", str: "text"}[t]
        f2 = tabulate._format(s, float, ".2f") if t is float else None
        numparse.append({"s": s, "type": tn, "f2": f2})

    doc = {
        "meta": {
            "generator": "testdata/gen/bleu_tables.py",
            "sacrebleu": "2.6.0 (f615c72)",
            "tabulate": tabulate.__version__,
            "colorama": colorama.__version__,
            "python": sys.version.split()[0],
            "wcwidth": False,
        },
        "cases": cases,
        "numparse": numparse,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases and {len(numparse)} numparse strings to {out}",
          file=sys.stderr)


SIG_LONG = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SIG_SHORT = "#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0"
SIG_BS = "nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SIG_BS_SHORT = "#:1|bs:1000|rs:12345|c:mixed|e:no|tok:13a|s:exp|v:2.6.0"
SIG_AR = "nrefs:1|ar:10000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SIG_AR_SHORT = "#:1|ar:500|rs:12345|c:mixed|e:no|tok:13a|s:exp|v:2.6.0"

P1001 = 1 / 1001
ULP05 = 0.05000000000000001  # the next float above 0.05: prints "0.0500" but is > 0.05


def row(name, score, mean=None, ci=None, p=None):
    return {"name": name, "score": score, "mean": mean, "ci": ci, "p_value": p}


def case(name, fmt, width, color, rows, paired="", n=0, sig=SIG_LONG, strip=False):
    if paired == "bs" and n == 0 and sig == SIG_LONG:
        sig = SIG_BS
    if paired == "ar" and n == 0 and sig == SIG_LONG:
        sig = SIG_AR
    # colorama strips only after colorama.init(), which sacreBLEU skips without colours.
    assert color or not strip, name
    return {"name": name, "format": fmt, "width": width, "color": color, "strip": strip,
            "paired": paired, "n": n, "signature": sig, "rows": rows}


def build_cases():
    three = [row("newstest2019.a.txt", 37.24831093581245),
             row("newstest2019.b.txt", 38.01234567890123),
             row("c.txt", 9.95)]
    rounding = [row("zero", 0.0), row("hundred", 100.0), row("nine95", 9.95),
                row("ninety9", 99.95), row("tie", 2.5)]
    long_names = [row("systems/wmt19/newstest2019.de-en.transformer_big.ensemble.detok.txt",
                      41.123456789),
                  row("s", 3.0), row("mid_length_name.txt", 27.5),
                  row("another/system/with/a/long/path/out.detok", 35.55555),
                  row("x", 100.0)]
    uni = [row("système-é", 30.0), row("中文系统输出", 31.25), row("😀 emoji sys", 32.5),
           row('quo"te\\back', 33.75)]
    latex = [row("sys_1 50% & co", 12.345), row("a\\b{c}~^$#<>", 23.456),
             row("under_score_name", 34.567)]

    bs3 = [row("Baseline: newstest2019.a.txt", 37.24831093581245, 37.1872, 1.2345),
           row("newstest2019.b.txt", 38.01234567890123, 38.0101, 1.1999, P1001),
           row("c.txt", 37.5, 37.49, 1.3, 0.0501)]
    bs5 = [row("Baseline: base", 30.0, 30.04, 0.95),
           row("p05", 31.0, 31.0, 1.0, 0.05),
           row("p0499", 29.0, 29.1, 1.05, 0.0499),
           row("p0501", 30.5, 30.45, 0.99, 0.0501),
           row("pulp", 30.1, 30.12, 0.97, ULP05)]
    bs_round = [row("Baseline: base", 99.95, 99.949, 0.05),
                row("zero", 0.0, 0.0, 0.0, P1001),
                row("hundred", 100.0, 100.0, 0.0, P1001),
                row("nine95", 9.95, 9.949999, 2.25, 1.0)]
    ar3 = [row("Baseline: newstest2019.a.txt", 37.24831093581245),
           row("newstest2019.b.txt", 38.01234567890123, p=0.00019998000199980003),
           row("c.txt", 37.5, p=0.4031596840315968)]
    ar_edge = [row("Baseline: a", 20.0), row("b", 20.0, p=1.0),
               row("c", 25.0, p=1e-05), row("d", 21.0, p=0.05)]

    cs = []
    # Plain multi-system.
    for fmt in ("text", "json", "latex"):
        for color in (True, False):
            if fmt == "json" and not color:
                continue
            cs.append(case(f"plain-3-{fmt}-{'color' if color else 'nc'}", fmt, 1, color, three))
    for w in (0, 1, 2, 3, 4):
        cs.append(case(f"plain-rounding-w{w}", "text", w, w % 2 == 0, rounding))
    cs.append(case("plain-rounding-json-w0", "json", 0, True, rounding))
    cs.append(case("plain-rounding-json-w3", "json", 3, True, rounding))
    cs.append(case("plain-rounding-latex-w2", "latex", 2, True, rounding))
    cs.append(case("plain-width10", "text", 10, True, three[:2]))
    cs.append(case("plain-long-color", "text", 3, True, long_names))
    cs.append(case("plain-long-short-sig", "text", 1, False, long_names[:2], sig=SIG_SHORT))
    cs.append(case("plain-unicode-text", "text", 2, True, uni))
    cs.append(case("plain-unicode-json", "json", 2, True,
                   uni + [row("ctl\x7f\x1b\t\n\u2028", 1.0), row("ñ\U0001F600\u00e9", 2.0)]))
    cs.append(case("plain-unicode-latex", "latex", 2, False, uni))
    cs.append(case("plain-latex-special", "latex", 2, True, latex))
    cs.append(case("plain-latex-special-nc", "latex", 0, False, latex))
    cs.append(case("plain-latex-special-text", "text", 2, False, latex))
    # Names that tabulate parses as numbers.
    cs.append(case("plain-numeric-float-names", "text", 1, True,
                   [row("1.25", 10.0), row("2.5", 20.0), row("1e-3", 30.0)]))
    cs.append(case("plain-numeric-float-names-w3-nc", "text", 3, False,
                   [row("1.25", 10.0), row("2", 20.0), row(" 3_0.5 ", 30.0)]))
    cs.append(case("plain-numeric-int-names", "text", 0, True,
                   [row("1", 10.0), row("22", 20.0), row("٣٣", 30.0)]))
    cs.append(case("plain-numeric-nan-inf", "latex", 2, False,
                   [row("nan", 10.0), row("inf", 20.0), row("-2", 30.0)]))
    cs.append(case("plain-bool-names", "text", 1, False, [row("True", 1.0), row("False", 2.0)]))
    # Whitespace, newlines and escape sequences in names.
    cs.append(case("plain-spaces-nc", "text", 1, False,
                   [row("  lead", 1.0), row("trail  ", 2.0), row("\u3000wide space\u3000", 3.0)]))
    cs.append(case("plain-spaces-color", "text", 1, True,
                   [row("  lead", 1.0), row("trail  ", 2.0)]))
    cs.append(case("plain-newline-color", "text", 1, True,
                   [row("two\nlines", 1.0), row("b", 2.0), row("three\nline\nname", 3.0)]))
    cs.append(case("plain-newline-nc", "text", 1, False,
                   [row("two\nlines", 1.0), row("b", 2.0)]))
    cs.append(case("plain-newline-latex", "latex", 1, True,
                   [row("two\nlines", 1.0), row("b", 2.0)]))
    cs.append(case("plain-crlf-splitlines-nc", "text", 1, False,
                   [row("cr\r\nlf", 1.0), row("fs\x1cx", 2.0), row("ls\u2028y", 3.0)]))
    cs.append(case("plain-crlf-splitlines-color", "text", 1, True,
                   [row("cr\r\nlf", 1.0), row("fs\x1cx\ny", 2.0), row("vt\x0bz", 3.0)]))
    cs.append(case("plain-empty-name-multiline", "text", 1, False,
                   [row("", 1.0), row("a\nb", 2.0)]))
    cs.append(case("plain-empty-name", "text", 1, True, [row("", 1.0), row("a", 2.0)]))
    cs.append(case("plain-baseline-prefix", "text", 1, True,
                   [row("Baseline: not paired", 1.0), row("b", 2.0)]))
    cs.append(case("plain-baseline-prefix-latex", "latex", 1, True,
                   [row("Baseline:x", 1.0), row("b", 2.0)]))
    cs.append(case("plain-ansi-name-nc", "text", 1, False,
                   [row("\x1b[1mbold\x1b[0m", 1.0), row("b", 2.0)]))
    cs.append(case("plain-osc8-name-nc", "text", 1, False,
                   [row("\x1b]8;;http://x.org\x1b\\link\x1b]8;;\x1b\\", 1.0), row("b", 2.0)]))
    cs.append(case("plain-strip", "text", 1, True, three, strip=True))
    cs.append(case("plain-strip-ansi-names", "text", 1, True,
                   [row("\x1b[1mbold\x1b[0m", 1.0), row("\x1b]8;;ab\x07o\x1b]8;;\x07sc", 2.0),
                    row("\x01\x1b[4mu\x1b[24m\x02", 3.0)], strip=True))
    cs.append(case("plain-strip-latex", "latex", 1, True, three, strip=True))
    cs.append(case("plain-2-zero", "text", 2, True, [row("a", 0.0), row("b", 0.0)]))

    # Paired bootstrap.
    for fmt in ("text", "json", "latex"):
        for color in (True, False):
            if fmt == "json" and not color:
                continue
            cs.append(case(f"bs-3-{fmt}-{'color' if color else 'nc'}", fmt, 1, color, bs3,
                           paired="bs", n=1000))
    cs.append(case("bs-5-pvalues-w2", "text", 2, True, bs5, paired="bs", n=1000))
    cs.append(case("bs-5-pvalues-w2-nc", "text", 2, False, bs5, paired="bs", n=1000))
    cs.append(case("bs-5-pvalues-latex", "latex", 2, True, bs5, paired="bs", n=1000))
    cs.append(case("bs-5-pvalues-json", "json", 2, True, bs5, paired="bs", n=1000))
    for w in (0, 3, 4):
        cs.append(case(f"bs-rounding-w{w}", "text", w, w != 3, bs_round, paired="bs", n=1000))
    cs.append(case("bs-short-sig-n0", "text", 1, True, bs3[:2], paired="bs", n=0,
                   sig=SIG_BS_SHORT))
    cs.append(case("bs-n50", "text", 1, False, bs3, paired="bs", n=50,
                   sig=SIG_BS.replace("bs:1000", "bs:50")))
    cs.append(case("bs-unicode-color", "text", 2, True,
                   [row("Baseline: 中文系统", 30.0, 30.1, 0.5)] +
                   [dict(r, mean=r["score"] + 0.1, ci=0.75, p_value=0.2) for r in uni[:3]],
                   paired="bs", n=1000))
    cs.append(case("bs-unicode-json", "json", 2, True,
                   [row("Baseline: 中文系统", 30.0, 30.1, 0.5)] +
                   [dict(r, mean=r["score"] + 0.1, ci=0.75, p_value=0.2) for r in uni],
                   paired="bs", n=1000))
    cs.append(case("bs-latex-special", "latex", 1, True,
                   [row("Baseline: base_1%", 30.0, 30.1, 0.5),
                    row("a\\b{c}~^$#<>&", 31.0, 31.1, 0.6, 0.01)], paired="bs", n=1000))
    cs.append(case("bs-strip", "text", 1, True, bs3, paired="bs", n=1000, strip=True))
    cs.append(case("bs-newline-name", "text", 1, True,
                   [row("Baseline: a", 30.0, 30.1, 0.5),
                    row("two\nlines", 31.0, 31.1, 0.6, 0.3)], paired="bs", n=1000))
    cs.append(case("bs-no-baseline-prefix", "text", 1, True,
                   [row("a", 30.0, 30.1, 0.5), row("b", 31.0, 31.1, 0.6, 0.3)],
                   paired="bs", n=1000))
    # Paired approximate randomization.
    for fmt in ("text", "json", "latex"):
        for color in (True, False):
            if fmt == "json" and not color:
                continue
            cs.append(case(f"ar-3-{fmt}-{'color' if color else 'nc'}", fmt, 1, color, ar3,
                           paired="ar", n=10000))
    cs.append(case("ar-edge-w2", "text", 2, True, ar_edge, paired="ar", n=10000))
    cs.append(case("ar-edge-json", "json", 2, True, ar_edge, paired="ar", n=10000))
    cs.append(case("ar-short-n500", "text", 0, False, ar3, paired="ar", n=500,
                   sig=SIG_AR_SHORT))
    cs.append(case("ar-no-pvalues", "text", 1, True,
                   [row("Baseline: a", 20.0), row("b", 21.25)], paired="ar", n=10000))
    cs.append(case("ar-no-pvalues-nc", "latex", 2, False,
                   [row("Baseline: a", 20.0), row("b", 21.0)], paired="ar", n=10000))
    # Paired mode reading tab-separated systems from stdin: "Baseline" has no colon, so
    # nothing is highlighted and the explanation names an empty baseline.
    cs.append(case("ar-stdin-names", "text", 1, True,
                   [row("Baseline", 20.0), row("System 1", 21.0, p=0.01),
                    row("System 2", 19.0, p=0.2)], paired="ar", n=10000))
    cs.append(case("ar-strip-latex", "latex", 1, True, ar3, paired="ar", n=10000, strip=True))
    return cs


NUM_STRINGS = [
    "", "0", "00", "+5", "-5", " 5 ", "- 5", "5_", "_5", "1__0", "0_5", "1_000", "+-5",
    "True", "False", "true", "None",
    "1.5", "1.e5", ".e5", "1e", ".5", "5.", "-.5", "1e-3", "1E+3", "0x10", "1e400", "1e-400",
    "nan", "NaN", "+nan", "-nan", "inf", "-inf", "+inf", "INF", "-INF", "Infinity", " inf",
    "inf ", "infinity", "1_0.5", "1_.5", "1._5", "1e1_0", "1e_10", "1_000e-1_0",
    "١٢", "١.٥", "٣٣", "０５", "１．５", "\u00a05\u2003", "5\x1c", "\x855", "5\x0b", "\x0c5\t",
    "\U00011F50", "5\U00011F50", "\U0001D7D9.5", "1.5\x00", "\x1b[31m42\x1b[0m",
    "\x1b[31m4.25\x1b[0m", "\x1b]8;;u\x1b\\3.5\x1b]8;;\x1b\\", "1" * 4300, "1" * 4301,
    "1_" * 4300 + "1", "0" * 4301 + ".5", "9.995", "2.675", "-0.0", "-0.001", "1e16",
    "12345678901234567890.5", "\t7.125\n",
]


if __name__ == "__main__":
    main()
