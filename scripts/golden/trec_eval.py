#!/usr/bin/env python3
"""Golden values for Podium's trec_eval measures, from trec_eval itself.

trec_eval is built from its public source, usnistgov/trec_eval at commit
f4253652c8efd0d86ddffd0d163cc0a0f813111a ("Updating CHANGELOG for version 10.0"; its
Makefile names the build 10.0-rc3). trec_eval prints values with four decimals; to compare
to 1e-9 this script builds a copy whose two printing files print 15 significant digits
instead (%6.4f becomes %.15g), and changes nothing else:

    python3 scripts/golden/trec_eval.py --source PATH/TO/trec_eval

It writes random qrels and runs under tests/fixtures/trec/<case>/ and, in expected.json,
what trec_eval -q prints for them, with and without -c. The tests read these files and need
neither Python nor trec_eval.

trec_eval 10.0 stops with "result qid not found" when a judged query has no retrieved
document and -c is not given; earlier versions, and Podium, then average over the queries
judged and retrieved. For that case the values without -c are trec_eval's on the qrels of
the retrieved queries only, which is the same average.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "trec")
COMMIT = "f4253652c8efd0d86ddffd0d163cc0a0f813111a"
MEASURES = [
    "map", "gm_map", "Rprec", "bpref", "recip_rank", "infAP", "ndcg",
    "P.5,10,20,200", "recall.5,10,100", "ndcg_cut.5,10,20", "map_cut.5,10,100",
    "success.1,5,10", "num_ret", "num_rel", "num_rel_ret",
]


def build(source):
    work = tempfile.mkdtemp(prefix="trec_eval-")
    dest = os.path.join(work, "src")
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".git"))
    for name in ("meas_print_final.c", "meas_print_single.c"):
        path = os.path.join(dest, name)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("%6.4f", "%.15g"))
    subprocess.run(["make", "-s"], cwd=dest, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(dest, "trec_eval")


def run(binary, qrels, results, complete):
    args = [binary, "-q"] + (["-c"] if complete else [])
    for m in MEASURES:
        args += ["-m", m]
    out = subprocess.run(args + [qrels, results], check=True, capture_output=True, text=True).stdout
    summary, per_query = {}, {}
    for line in out.splitlines():
        measure, qid, value = (f.strip() for f in line.split("\t"))
        if measure in ("runid",):
            continue
        v = float(value)
        if qid == "all":
            summary[measure] = v
        else:
            per_query.setdefault(qid, {})[measure] = v
    return {"summary": summary, "per_query": per_query}


def docno(rng, i):
    # Ids that sort differently as bytes and as numbers, and share prefixes.
    return rng.choice(["D", "d", "doc-", "DOC_"]) + str(i) + rng.choice(["", "", "a", "-1", ".x"])


def make_case(rng, *, queries, docs, judged, retrieved, grades, negative, score_steps, missing_run, extra_run):
    qrels, run = [], []
    qids = [f"{rng.randint(100, 999)}{i}" for i in range(queries)]
    for qi, qid in enumerate(qids):
        pool = sorted({docno(rng, i) for i in range(docs)})
        rng.shuffle(pool)
        judgements = pool[: rng.randint(1, judged)]
        for d in judgements:
            g = rng.choice(grades)
            if rng.random() < negative:
                g = -1
            qrels.append(f"{qid} {rng.choice([0, 1])} {d} {g}")
        # Some queries have no relevant document at all.
        if qi % 7 == 3:
            qrels = [l for l in qrels if not l.startswith(qid + " ")]
            for d in judgements:
                qrels.append(f"{qid} 0 {d} 0")
        if qi in missing_run:
            continue
        ranked = pool[: rng.randint(1, retrieved)]
        rng.shuffle(ranked)
        for rank, d in enumerate(ranked):
            s = rng.randint(-score_steps, score_steps) / 4 if score_steps else rng.uniform(-5, 5)
            text = rng.choice([f"{s}", f"{s:.6e}", f"{s:.3f}"]) if score_steps else repr(s)
            # The rank column is written wrong on purpose: trec_eval ignores it.
            run.append(f"{qid}\tQ0\t{d}\t{rng.randint(0, 5)}\t{text}\trun-{qi % 2}")
    for e in range(extra_run):
        for i in range(5):
            run.append(f"extra{e} Q0 D{i} {i} {1 - i / 10} run")
    rng.shuffle(run)
    return qrels, run, qids


CASES = {
    # Graded judgements, negative grades, unjudged retrieved documents, tied scores, queries
    # without a relevant document, and run queries that are not judged.
    "graded": dict(queries=40, docs=60, judged=30, retrieved=40, grades=[0, 0, 1, 2, 3], negative=0.1,
                   score_steps=8, missing_run=set(), extra_run=3),
    # Judged queries missing from the run (scored 0 with -c).
    "missing": dict(queries=30, docs=40, judged=25, retrieved=30, grades=[0, 1, 1, 2], negative=0.05,
                    score_steps=0, missing_run={2, 5, 11, 17, 29}, extra_run=1),
    # Binary relevance, long lists (cut-offs beyond the list and within it), almost all tied.
    "binary-ties": dict(queries=25, docs=300, judged=120, retrieved=260, grades=[0, 0, 0, 1], negative=0.0,
                        score_steps=1, missing_run=set(), extra_run=0),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help=f"a checkout of usnistgov/trec_eval at {COMMIT}")
    a = ap.parse_args()
    binary = build(a.source)
    version = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr.strip() or \
        subprocess.run([binary, "-v"], capture_output=True, text=True).stdout.strip()
    rng = random.Random(20261130)
    expected = {"generated_by": "scripts/golden/trec_eval.py", "trec_eval": version, "commit": COMMIT,
                "measures": MEASURES, "cases": {}}
    for name, spec in CASES.items():
        qrels, run_lines, qids = make_case(rng, **spec)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        qrels_path = os.path.join(folder, "qrels.txt")
        run_path = os.path.join(folder, "run.txt")
        with open(qrels_path, "w") as f:
            f.write("\n".join(qrels) + "\n")
        with open(run_path, "w") as f:
            f.write("\n".join(run_lines) + "\n")
        case = {"complete": run(binary, qrels_path, run_path, True)}
        if spec["missing_run"]:
            retrieved = {qids[i] for i in range(len(qids)) if i not in spec["missing_run"]}
            with tempfile.NamedTemporaryFile("w", suffix=".qrels", delete=False) as f:
                f.write("\n".join(l for l in qrels if l.split()[0] in retrieved) + "\n")
            case["retrieved"] = run(binary, f.name, run_path, False)
            os.unlink(f.name)
        else:
            case["retrieved"] = run(binary, qrels_path, run_path, False)
        expected["cases"][name] = case
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(CASES)} cases to {os.path.normpath(OUT)} with {version}", file=sys.stderr)


if __name__ == "__main__":
    main()
