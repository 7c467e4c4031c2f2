#!/usr/bin/env python3
"""Golden values for Podium's multi-label metrics on predicted label sets, from scikit-learn.

Run with Debian's python3-sklearn (1.2.1):
    /usr/bin/python3 scripts/golden/label-sets.py
It writes tests/fixtures/label-sets/golden.json: per case, the true and predicted label sets
of each item, the labels they are binarised over (MultiLabelBinarizer(classes=labels); the
sorted union of all labels when a case lists none), optional integer sample weights, and each
metric's value on the indicator matrices. The tests read this file and need no Python.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.preprocessing import MultiLabelBinarizer

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "label-sets", "golden.json")
rng = np.random.default_rng(20261130)

METRICS = {
    "f1_samples": lambda t, p, w: M.f1_score(t, p, average="samples", sample_weight=w),
    "precision_samples": lambda t, p, w: M.precision_score(t, p, average="samples", sample_weight=w),
    "recall_samples": lambda t, p, w: M.recall_score(t, p, average="samples", sample_weight=w),
    "jaccard_samples": lambda t, p, w: M.jaccard_score(t, p, average="samples", sample_weight=w),
    "hamming_loss": lambda t, p, w: M.hamming_loss(t, p, sample_weight=w),
    "multilabel_f1_micro": lambda t, p, w: M.f1_score(t, p, average="micro", sample_weight=w),
    "multilabel_f1_macro": lambda t, p, w: M.f1_score(t, p, average="macro", sample_weight=w),
}


def case(name, truth, predicted, labels=None, weights=None):
    mlb = MultiLabelBinarizer(classes=labels) if labels is not None else MultiLabelBinarizer()
    mlb.fit(truth + predicted)
    t = mlb.transform(truth)
    p = mlb.transform(predicted)
    w = None if weights is None else np.asarray(weights, dtype=float)
    values = {m: float(f(t, p, w)) for m, f in METRICS.items()}
    out = {"name": name, "labels": labels, "classes": [str(c) for c in mlb.classes_], "truth": truth, "predicted": predicted}
    if weights is not None:
        out["weights"] = weights
    out["values"] = values
    return out


def random_sets(n, labels, p_label):
    return [[l for l in labels if rng.random() < p_label] for _ in range(n)]


def main():
    concepts = ["C%02d" % i for i in range(1, 21)]
    cases = [
        case(
            "empty true sets",
            [["a", "b"], [], ["c"], [], ["a"]],
            [["a"], ["b"], ["c", "a"], ["a", "b", "c"], ["b"]],
            ["a", "b", "c"],
        ),
        case(
            "empty predicted sets",
            [["a", "b"], ["b"], ["c"], ["a", "c"], ["a"]],
            [["a"], [], [], ["a", "c"], []],
            ["a", "b", "c"],
        ),
        case(
            "both empty",
            [[], ["b"], [], ["a", "c"], []],
            [[], ["b", "c"], [], ["a"], ["a"]],
            ["a", "b", "c"],
        ),
        case(
            "every set empty",
            [[], [], []],
            [[], [], []],
            ["a", "b"],
        ),
        case(
            "labels absent from every truth",
            [["a"], ["a", "b"], ["b"], ["a"]],
            [["a", "d"], ["b"], ["b", "e"], ["c"]],
            ["a", "b", "c", "d", "e", "f"],
        ),
        case("one item", [["x", "y"]], [["y", "z"]], ["w", "x", "y", "z"]),
        case(
            "union of the labels seen",
            [["cat", "dog"], ["dog"], [], ["bird", "cat"], ["fish"]],
            [["cat"], ["dog", "bird"], ["fish"], ["bird", "cat"], []],
        ),
    ]
    n = 300
    truth = random_sets(n, concepts[:16], 0.15)  # C17..C20 never true
    predicted = random_sets(n, concepts, 0.12)
    for i in range(0, n, 7):
        predicted[i] = list(truth[i])  # some exact answers
    cases.append(case("300 random items", truth, predicted, concepts))
    weights = [int(x) for x in rng.integers(0, 4, size=n)]
    cases.append(case("300 random items, weighted", truth, predicted, concepts, weights))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=0)
        f.write("\n")


main()
