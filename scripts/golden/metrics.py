#!/usr/bin/env python3
"""Golden values for Podium's built-in metrics, computed with scikit-learn and SciPy.

Run with Debian's python3-sklearn (and python3-scipy):
    /usr/bin/python3 scripts/golden/metrics.py
It writes tests/fixtures/metrics/golden.json and, for the large cases, gzipped CSV inputs
beside it. The tests read these files and need no Python.

Retrieval metrics (MAP@k, precision@k, recall@k) have no scikit-learn implementation; they
are computed here from their TREC definitions (see docs/scoring.md), and nDCG with
scikit-learn's ndcg_score.
"""
import gzip
import io
import json
import math
import os
import warnings

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn import metrics as M

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "metrics")
rng = np.random.default_rng(20261127)

LABEL_METRICS = {
    "accuracy": lambda t, p: M.accuracy_score(t, p),
    "balanced_accuracy": lambda t, p: M.balanced_accuracy_score(t, p),
    "f1": lambda t, p: M.f1_score(t, p, average="binary"),
    "f1_micro": lambda t, p: M.f1_score(t, p, average="micro"),
    "f1_macro": lambda t, p: M.f1_score(t, p, average="macro"),
    "f1_weighted": lambda t, p: M.f1_score(t, p, average="weighted"),
    "precision": lambda t, p: M.precision_score(t, p, average="binary"),
    "precision_micro": lambda t, p: M.precision_score(t, p, average="micro"),
    "precision_macro": lambda t, p: M.precision_score(t, p, average="macro"),
    "precision_weighted": lambda t, p: M.precision_score(t, p, average="weighted"),
    "recall": lambda t, p: M.recall_score(t, p, average="binary"),
    "recall_micro": lambda t, p: M.recall_score(t, p, average="micro"),
    "recall_macro": lambda t, p: M.recall_score(t, p, average="macro"),
    "recall_weighted": lambda t, p: M.recall_score(t, p, average="weighted"),
    "matthews_corrcoef": lambda t, p: M.matthews_corrcoef(t, p),
    "cohen_kappa": lambda t, p: M.cohen_kappa_score(t, p),
}
SCORE_METRICS = {
    "roc_auc": lambda t, s: M.roc_auc_score(t, s),
    "average_precision": lambda t, s: M.average_precision_score(t, s, pos_label=sorted(set(t))[-1]),
}
PROBA_METRICS = {
    "roc_auc_ovr": lambda t, P, c: M.roc_auc_score(t, P, multi_class="ovr", average="macro", labels=c),
    "log_loss": lambda t, P, c: M.log_loss(t, P, labels=c),
    "top_k_accuracy": lambda t, P, c: M.top_k_accuracy_score(t, P, k=2, labels=c),
    "top_k_accuracy@3": lambda t, P, c: M.top_k_accuracy_score(t, P, k=3, labels=c),
}
REGRESSION_METRICS = {
    "mean_absolute_error": lambda t, p: M.mean_absolute_error(t, p),
    "mean_squared_error": lambda t, p: M.mean_squared_error(t, p),
    "root_mean_squared_error": lambda t, p: M.mean_squared_error(t, p, squared=False),
    "r2": lambda t, p: M.r2_score(t, p),
    "pearson": lambda t, p: stats.pearsonr(t, p)[0],
    "spearman": lambda t, p: stats.spearmanr(t, p)[0],
}


def run(fn, *args):
    """The value, or {"error": ...} where scikit-learn refuses or gives a non-finite value."""
    try:
        v = float(fn(*args))
    except Exception as e:  # noqa: BLE001 - any refusal counts as "undefined"
        return {"error": str(e).split("\n")[0][:120]}
    return v if math.isfinite(v) else {"error": f"not finite ({v})"}


def as_read(values):
    """Labels as pandas would read them from a CSV: numbers when every label is one."""
    strings = [str(x) for x in values]
    try:
        return [int(x) for x in strings], strings
    except ValueError:
        return strings, strings


def label_case(name, t, p, score=None):
    (tv, ts), (pv, ps) = as_read(t), as_read(p)
    if type(tv[0]) is not type(pv[0]):
        tv, pv = ts, ps
    expected = {k: run(f, tv, pv) for k, f in LABEL_METRICS.items()}
    case = {"name": name, "kind": "label", "truth": ts, "predicted": ps}
    if score is not None:
        case["score"] = [float(x) for x in score]
        expected.update({k: run(f, tv, case["score"]) for k, f in SCORE_METRICS.items()})
    case["expected"] = expected
    return case


def proba_case(name, t, P, classes):
    tv, ts = as_read(t)
    expected = {k: run(f, tv, np.array(P), classes) for k, f in PROBA_METRICS.items()}
    return {"name": name, "kind": "class-scores", "truth": ts, "classes": [str(c) for c in classes], "scores": [[float(x) for x in row] for row in P], "expected": expected}


def regression_case(name, t, p):
    t = [float(x) for x in t]
    p = [float(x) for x in p]
    return {"name": name, "kind": "number", "truth": t, "predicted": p, "expected": {k: run(f, np.array(t), np.array(p)) for k, f in REGRESSION_METRICS.items()}}


def multilabel_case(name, Y, S, classes):
    expected = {"multilabel_map": run(lambda: M.average_precision_score(Y, S, average="macro"))}
    sets = [" ".join(c for c, y in zip(classes, row) if y) for row in Y]
    return {"name": name, "kind": "label-sets", "truth": sets, "classes": classes, "scores": [[float(x) for x in row] for row in S], "expected": expected}


def trec(ranked, judged, k):
    """AP@k, P@k and R@k of one query: ranked = grades in ranked order, judged = all grades."""
    R = sum(1 for g in judged if g > 0)
    top = ranked[:k] if k else ranked
    hits = 0
    ap = 0.0
    for i, g in enumerate(top):
        if g > 0:
            hits += 1
            ap += hits / (i + 1)
    cut = k if k else len(ranked)
    return ap / min(R, k if k else R), hits / (k if k else max(cut, 1)), hits / R


def ranking_case(name, queries, ks=(1, 3, 10)):
    """queries: list of (docs, grades, scores) with every judged document scored."""
    expected = {}
    for k in ks:
        for metric in ("map", "precision", "recall", "ndcg"):
            vals = []
            for docs, grades, scores in queries:
                if sum(1 for g in grades if g > 0) == 0:
                    continue
                order = sorted(range(len(docs)), key=lambda i: (-scores[i], docs[i]))
                ranked = [grades[i] for i in order]
                if metric == "ndcg":
                    vals.append(M.ndcg_score([grades], [scores], k=k))
                else:
                    ap, p, r = trec(ranked, grades, k)
                    vals.append({"map": ap, "precision": p, "recall": r}[metric])
            expected[f"{metric}@{k}"] = float(np.mean(vals))
    qs = [{"query": f"q{i}", "docs": d, "grades": [float(g) for g in g_], "scores": [float(s) for s in s_]} for i, (d, g_, s_) in enumerate(queries)]
    return {"name": name, "kind": "ranking", "queries": qs, "expected": expected}


def rounded(x, digits=2):
    return np.round(x, digits)


def main():
    cases = []
    # Classification: random, with ties in scores, absent classes, one row, one class.
    for n in (1, 2, 7, 50, 1000):
        t = rng.integers(0, 2, n)
        p = np.where(rng.random(n) < 0.8, t, 1 - t)
        s = rounded(rng.random(n) * 0.5 + t * 0.3, 1)  # coarse: many ties
        cases.append(label_case(f"binary-{n}", t, p, s))
    t = rng.integers(0, 4, 300)
    p = np.where(rng.random(300) < 0.6, t, rng.integers(0, 4, 300))
    cases.append(label_case("multiclass-300", t, p))
    cases.append(label_case("class-absent-from-predictions", [0, 1, 2, 2, 1, 0], [0, 1, 1, 1, 1, 0]))
    cases.append(label_case("class-only-in-predictions", [0, 1, 0, 1], [0, 2, 0, 1]))
    cases.append(label_case("single-class-truth", [1, 1, 1], [1, 0, 1], [0.2, 0.7, 0.9]))
    cases.append(label_case("all-scores-tied", [0, 1, 0, 1], [0, 1, 1, 1], [0.5, 0.5, 0.5, 0.5]))
    cases.append(label_case("perfect", [0, 1, 1, 0], [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]))
    cases.append(label_case("constant-predictions", [0, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0.3, 0.3, 0.4, 0.1, 0.9]))
    cases.append(label_case("string-labels", list("abcabcaab"), list("abcbbcaca")))
    cases.append(label_case("numeric-labels-sort-numerically", [9, 10, 9, 10, 2], [10, 10, 9, 2, 2]))

    # Class scores: probabilities per class.
    for n, k in ((20, 3), (400, 5)):
        t = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
        logits = rng.normal(size=(n, k)) + np.eye(k)[t] * 1.5
        P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        P = np.round(P, 6)
        P = P / P.sum(axis=1, keepdims=True)
        cases.append(proba_case(f"probabilities-{n}x{k}", t, P.tolist(), list(range(k))))
    tied = np.full((6, 3), 1 / 3)
    cases.append(proba_case("probabilities-all-tied", [0, 1, 2, 0, 1, 2], tied.tolist(), [0, 1, 2]))
    cases.append(proba_case("probabilities-near-zero", [0, 1, 2], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]], [0, 1, 2]))

    # Regression and correlation.
    for n in (2, 9, 500):
        t = rng.normal(size=n) * 10
        p = t + rng.normal(size=n) * 3
        cases.append(regression_case(f"regression-{n}", t, p))
    cases.append(regression_case("regression-ties", [1, 2, 2, 3, 3, 3, 4], [1, 1, 2, 2, 3, 5, 5]))
    cases.append(regression_case("regression-constant-truth", [2, 2, 2], [1, 2, 3]))
    cases.append(regression_case("regression-constant-truth-perfect", [2, 2, 2], [2, 2, 2]))
    cases.append(regression_case("regression-large-offset", 1e9 + np.arange(10.0), 1e9 + np.arange(10.0) + rng.normal(size=10)))

    # Multi-label.
    Y = (rng.random((200, 4)) < [0.5, 0.3, 0.1, 0.05]).astype(int)
    S = np.round(rng.random((200, 4)) * 0.6 + Y * 0.3, 2)
    cases.append(multilabel_case("multilabel-200", Y.tolist(), S.tolist(), ["speech", "music", "applause", "noise"]))
    Y0 = [[1, 0], [0, 0], [1, 0]]
    cases.append(multilabel_case("multilabel-label-without-positives", Y0, [[0.9, 0.1], [0.2, 0.3], [0.5, 0.5]], ["a", "b"]))

    # Retrieval: graded relevance, every judged document scored, ties in scores.
    queries = []
    for q in range(30):
        m = int(rng.integers(3, 25))
        grades = rng.choice([0, 0, 0, 1, 2, 3], size=m)
        if q == 0:
            grades[:] = 0  # a query with no relevant document: left out
        scores = np.round(rng.random(m) + grades * 0.15, 1)
        queries.append(([f"d{q}-{i:02d}" for i in range(m)], grades.tolist(), scores.tolist()))
    cases.append(ranking_case("retrieval-30-queries", queries))

    # Large: 10^5 rows, inputs in a gzipped CSV beside the fixtures.
    n = 100_000
    t = rng.integers(0, 2, n)
    p = np.where(rng.random(n) < 0.85, t, 1 - t)
    s = np.round(rng.random(n) * 0.6 + t * 0.25, 3)
    big = label_case("binary-100000", t, p, s)
    buf = io.StringIO()
    buf.write("truth,predicted,score\n")
    for a, b, c in zip(big["truth"], big["predicted"], big["score"]):
        buf.write(f"{a},{b},{c!r}\n")
    with gzip.open(os.path.join(OUT, "binary-100000.csv.gz"), "wt", compresslevel=9) as f:
        f.write(buf.getvalue())
    del big["truth"], big["predicted"], big["score"]
    big["data_file"] = "binary-100000.csv.gz"
    cases.append(big)

    doc = {
        "generated_by": "scripts/golden/metrics.py",
        "sklearn": sklearn.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
