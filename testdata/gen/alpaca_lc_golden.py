#!/usr/bin/python3
"""Write winrate/testdata/alpaca_lc_golden.json: AlpacaEval's length-controlled win
rate (GLM length_controlled_v1) on real annotations with synthetic inputs.

Command (from the repository root, with Debian 12's python3 3.11, python3-sklearn
1.2.1, python3-pandas 1.5.3, python3-numpy 1.24.2, python3-scipy 1.10.1 and
python3-patsy 0.5.3):

    /usr/bin/python3 testdata/gen/alpaca_lc_golden.py \
        --alpaca-eval ALPACA_EVAL_DIR --data ../shared/data/alpaca_eval

ALPACA_EVAL_DIR is a checkout of github.com/tatsu-lab/alpaca_eval (commit
cd543a149df89434d8a54582c0151c0b945c3d20 was used; for an exported tree without
.git, add --commit with its id); its
src/alpaca_eval/metrics/glm_winrate.py is imported and run unchanged. Only what
it needs from outside is supplied here:

- huggingface_hub.hf_hub_download returns a CSV written by this script (the
  synthetic df_gamed.csv below) instead of downloading; datasets and dotenv are
  empty stand-in modules (only named in type hints on this path).
- glm_winrate is written for scikit-learn >= 1.4 (metadata routing: groups,
  true_prob and true_sample_weight routed to GroupKFold and the scorer), and
  Debian 12 has 1.2.1. The module's names make_scorer and LogisticRegressionCV
  are replaced by thin adapters that do what 1.4 does with those arguments:
  the folds are GroupKFold.split(X, y, groups), handed to sklearn 1.2.1's own
  LogisticRegressionCV as a fixed list, and its scorer gets each test fold's
  slices of true_prob and true_sample_weight (the fold is found from the call
  order, which is sequential with n_jobs=None, and checked against the rows it is
  given). The fit itself, the choice of C and the refit are sklearn's.

Synthetic inputs (seeded; stored in the golden, so the Go test needs only them
and the annotation files):

- instruction difficulty, one value per instruction in the order of the
  baseline's annotations.json: 0.8 * the standardised mean logit of the four
  ordinary models' preferences on that instruction (the upstream values are
  also a fit over many models' preferences) + Normal(0, 0.6) noise, rounded to
  4 decimals.
- df_gamed: two gamed variants of the baseline (verbose, concise), 805 rows
  each: seeded lengths, the standardised length difference z (baseline minus
  variant, over the variant's 805 rows), and a preference sigmoid(-1.6 tanh(z) +
  0.8 d + a + Normal(0, 1.5)) with a = 0.2 (verbose) or -0.3 (concise), all
  rounded to 6 decimals.

Both length_controlled_v1 and length_controlled_minimal (no difficulty, no gamed
rows) are run, each twice per model: with AlpacaEval's settings (liblinear tol 1e-4,
max_iter 100) and with tol 1e-10, max_iter 10000 ("tight"), which is the exact
optimum for the same choice of C up to about 1e-9.
"""

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import tempfile
import types

import numpy as np
import pandas as pd
import patsy
import scipy
import sklearn
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "winrate", "testdata", "alpaca_lc_golden.json")
ANNOTATOR = "weighted_alpaca_eval_gpt4_turbo"
BASELINE = "gpt4_1106_preview"
ORDINARY = ["OpenHermes-2.5-Mistral-7B", "claude-2", "alpaca-7b", "text_davinci_001"]
MODELS = [BASELINE] + ORDINARY + ["gpt4_gamed"]
SEED = 2026
N_CS = 10  # LogisticRegressionCV's default Cs

CAPTURED = []  # the adapters of the last fits, to read C_, coef_ and the CV scores


class Scorer:
    """What make_scorer(f, response_method="predict_proba", greater_is_better=...)
    is to the adapter below."""

    def __init__(self, f, response_method, greater_is_better):
        assert response_method == "predict_proba"
        self.f = f
        self.sign = 1 if greater_is_better else -1

    def set_score_request(self, **kw):
        return self


class LogisticRegressionCVAdapter:
    def __init__(self, cv, scoring, **kw):
        self.cv, self.scoring, self.kw = cv, scoring, kw

    def set_fit_request(self, **kw):
        return self

    def fit(self, X, y, sample_weight, groups, true_sample_weight, true_prob):
        Xa, ya = np.asarray(X, dtype=float), np.asarray(y)
        groups = np.asarray(groups)
        self.folds = list(self.cv.split(Xa, ya, groups))
        tp = np.asarray(true_prob, dtype=float)
        tsw = None if true_sample_weight is None else np.asarray(true_sample_weight, dtype=float)
        calls = [0]

        def score(est, X_test, y_test):
            k = calls[0] // N_CS
            calls[0] += 1
            test = self.folds[k][1]
            # sklearn passes the test labels recoded as -1/+1, as 1.4 does too
            assert np.array_equal(X_test, Xa[test]) and np.array_equal(y_test == 1, ya[test] == 1)
            p = est.predict_proba(X_test)[:, 1]
            w = None if tsw is None else tsw[test]
            return self.scoring.sign * self.scoring.f(y_test, p, true_prob=tp[test], true_sample_weight=w)

        self.model = SkLogisticRegressionCV(cv=self.folds, scoring=score, **self.kw)
        self.model.fit(Xa, ya, sample_weight=np.asarray(sample_weight, dtype=float))
        assert calls[0] == N_CS * len(self.folds)
        self.coef_ = self.model.coef_
        # fold of each original row (group)
        self.fold_of_group = np.full(groups.max() + 1, -1)
        for k, (_, test) in enumerate(self.folds):
            self.fold_of_group[groups[test]] = k
        CAPTURED.append(self)
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(np.asarray(X, dtype=float))


def import_glm(src, gamed_csv):
    for name in ("datasets", "dotenv"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["datasets"].Dataset = type("Dataset", (), {})
    hub = types.ModuleType("huggingface_hub")

    def download(repo_id, filename, **kw):
        assert repo_id == "tatsu-lab/alpaca_eval" and filename == "df_gamed.csv", filename
        return gamed_csv

    hub.hf_hub_download = download
    sys.modules["huggingface_hub"] = hub
    pkg = types.ModuleType("alpaca_eval")  # without running its __init__ (the CLI)
    pkg.__path__ = [os.path.join(src, "src", "alpaca_eval")]
    sys.modules["alpaca_eval"] = pkg
    glm = importlib.import_module("alpaca_eval.metrics.glm_winrate")

    set_config = sklearn.set_config

    def set_config_compat(**kw):
        kw.pop("enable_metadata_routing", None)
        return set_config(**kw)

    sklearn.set_config = set_config_compat
    glm.make_scorer = Scorer
    glm.LogisticRegressionCV = LogisticRegressionCVAdapter
    return glm


def logit(q):
    q = np.clip(q, 0.01, 0.99)
    return np.log(q / (1 - q))


def synthetic(ann, rng):
    """The difficulty per instruction (baseline order) and the gamed rows."""
    order = [a["instruction"] for a in ann[BASELINE]]
    pos = {}
    for i, ins in enumerate(order):
        pos.setdefault(ins, i)
    sums, counts = np.zeros(len(order)), np.zeros(len(order))
    for m in ORDINARY:
        for a in ann[m]:
            i = pos[a["instruction"]]
            sums[i] += logit(float(a["preference"]) - 1)
            counts[i] += 1
    mean = sums / np.maximum(counts, 1)
    d = 0.8 * (mean - mean.mean()) / mean.std(ddof=1) + rng.normal(0, 0.6, len(order))
    d = np.round(d, 4)
    d = np.array([d[pos[ins]] for ins in order])  # a repeated instruction keeps its first value

    rows = []
    for variant, factor, shift in (("verbose", 1.6, 0.2), ("concise", 0.45, -0.3)):
        base = rng.lognormal(math.log(1900), 0.5, len(order))
        gamed = base * rng.lognormal(math.log(factor), 0.3, len(order))
        delta = np.round(base) - np.round(gamed)
        z = np.round(delta / delta.std(ddof=1), 6)
        q = 1 / (1 + np.exp(-(-1.6 * np.tanh(z) + 0.8 * d + shift + rng.normal(0, 1.5, len(order)))))
        q = np.round(q, 6)
        for i in range(len(order)):
            rows.append((BASELINE + "_" + variant, i, q[i], z[i], d[i]))
    return order, pos, d, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpaca-eval", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--commit", help="alpaca_eval commit, when ALPACA_EVAL_DIR is not a git checkout")
    args = ap.parse_args()

    ann = {}
    for m in MODELS:
        with open(os.path.join(args.data, "results", m, ANNOTATOR, "annotations.json")) as f:
            ann[m] = json.load(f)
        assert all(a["preference"] is not None and not math.isnan(float(a["preference"])) for a in ann[m])
    rng = np.random.default_rng(SEED)
    order, pos, d, rows = synthetic(ann, rng)

    tmp = tempfile.mkdtemp()
    gamed_csv = os.path.join(tmp, "df_gamed.csv")
    df_gamed = pd.DataFrame(rows, columns=["model", "index", "preference", "std_delta_len", "instruction_difficulty"])
    df_gamed["not_gamed_baseline"] = False
    df_gamed.to_csv(gamed_csv, index=False)
    glm = import_glm(args.alpaca_eval, gamed_csv)

    commit = args.commit or subprocess.run(
        ["git", "-C", args.alpaca_eval, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert len(commit) == 40, "give --commit"
    settings = {"alpacaeval": {}, "tight": {"tol": 1e-10, "max_iter": 10000}}
    out_models = {}
    for m in MODELS:
        # the index of each annotation is its instruction's position in the
        # baseline's file, which is how glm_winrate looks up the difficulty
        df = pd.DataFrame.from_records(ann[m])
        df.index = [pos[a["instruction"]] for a in ann[m]]
        res = {"n": len(df)}
        for glm_name in ("length_controlled_v1", "length_controlled_minimal"):
            g = {}
            for name, extra in settings.items():
                info = dict(glm.GLM_INFO[glm_name])
                info["kwargs"] = dict(info["kwargs"], **extra)
                CAPTURED.clear()
                metrics = glm.get_length_controlled_winrate(
                    df, save_weights_dir=None, is_add_glm_preference_inplace=False,
                    is_warn_extreme_changes=False, glm_info=info)
                r = {"lc_win_rate": float(metrics["length_controlled_winrate"]),
                     "lc_standard_error": float(metrics["lc_standard_error"])}
                res["win_rate"] = float(metrics["win_rate"])
                if CAPTURED:
                    a = CAPTURED[-1]
                    coef = [float(x) for x in a.coef_[0]]
                    if len(coef) == 2:  # minimal: no difficulty column
                        coef = [coef[0], 0.0, coef[1]]
                    r["C"] = float(a.model.C_[0])
                    r["length"], r["difficulty"], r["not_gamed"] = coef
                    r["cv_scores"] = [float(x) for x in a.model.scores_[1].mean(axis=0)]
                    # GroupKFold's fold of each training row (gamed rows first), in
                    # digits: it depends on numpy's unstable argsort of equal group sizes
                    g["folds"] = "".join(str(k) for k in a.fold_of_group)
                g[name] = r
            res[glm_name] = g
        out_models[m] = res
        print(m, json.dumps(res["length_controlled_v1"]["alpacaeval"], default=str)[:200], file=sys.stderr)

    golden = {
        "comment": "AlpacaEval glm_winrate length_controlled_v1 on real annotations with synthetic "
                   "instruction difficulties and gamed rows; made by testdata/gen/alpaca_lc_golden.py",
        "command": "/usr/bin/python3 testdata/gen/alpaca_lc_golden.py --alpaca-eval ALPACA_EVAL_DIR "
                   "--data ../shared/data/alpaca_eval",
        "alpaca_eval_commit": commit,
        "versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__,
                     "pandas": pd.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                     "patsy": patsy.__version__},
        "seed": SEED,
        "annotator": ANNOTATOR,
        "baseline": BASELINE,
        "lambda": glm.GLM_INFO["length_controlled_v1"]["regularize_to_baseline_lambda"],
        "difficulty": [float(x) for x in d],
        "gamed": [[float(z), float(dd), float(q)] for (_, _, q, z, dd) in rows],
        "models": out_models,
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
