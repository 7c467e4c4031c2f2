#!/usr/bin/env python3
"""Codabench and CodaLab competition bundles, for the tests of podium import codabench.

Run with Python 3:
    python3 scripts/golden/codabench-bundles.py
It writes tests/fixtures/codabench/*.zip with Python's zipfile, as the platforms' own bundle
scripts do. The bundles have the shapes of the published examples (codalab/competition-
examples: wheat_seeds, mini-automl, Iris): headerless per-line predictions, raw reference
files without a header, an ingestion program that imports the participant's model.py,
metadata commands with Codabench's variables, a key given twice, a bundle nested one folder
deep with macOS's leftovers beside it, zips inside the zip, a CodaLab 1.5 leaderboard. The
programs use Python's standard library only. Times are fixed, so a rerun writes the same bytes.
"""
import io
import os
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "codabench")
DATE = (2026, 1, 2, 3, 4, 6)

# Thirty samples of three classes; the labels are written one per line, as numbers, no header.
LABELS = [float(i % 3 + 1) for i in range(30)]
FEATURES = ["%.1f %.1f" % (i % 3 + 0.1 * (i % 5), 10 - i % 3) for i in range(30)]


def lines(values):
    return "".join("%s\n" % v for v in values)


def zip_bytes(files):
    """A zip of FILES (name to text or bytes), entries in the order given, fixed times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def write(name, files):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(zip_bytes(files))


# A scoring program as wheat_seeds has it, with its folders from the command's arguments.
SCORE_PY = """import json, os, sys
inp, out = sys.argv[1], sys.argv[2]
def read(path):
    return [float(x) for x in open(path).read().split()]
truth = read(os.path.join(inp, "ref", "testing_label"))
prediction = read(os.path.join(inp, "res", "prediction"))
right = sum(1 for t, p in zip(truth, prediction) if t == p)
scores = {"accuracy": right / len(truth)}
meta = os.path.join(inp, "res", "metadata.json")
if os.path.exists(meta):
    scores["duration"] = json.load(open(meta))["duration"]
json.dump(scores, open(os.path.join(out, "scores.json"), "w"))
open(os.path.join(out, "detailed_results.html"), "w").write("<p>%d right</p>" % right)
"""

# An ingestion program as wheat_seeds has it: imports the participant's model.py, trains, predicts.
INGESTION_PY = """import json, os, sys
input_dir, output_dir, submission_dir = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.append(submission_dir)
from model import Model
def rows(name):
    return [[float(x) for x in line.split()] for line in open(os.path.join(input_dir, name)) if line.strip()]
m = Model()
m.fit(rows("training_data"), [r[0] for r in rows("training_label")])
prediction = m.predict(rows("testing_data"))
open(os.path.join(output_dir, "prediction"), "w").write("".join("%s\\n" % p for p in prediction))
json.dump({"duration": 1.5}, open(os.path.join(output_dir, "metadata.json"), "w"))
"""

MODEL_PY = """class Model:
    def fit(self, X, y):
        self.by_first = {round(x[0]): label for x, label in zip(X, y)}
    def predict(self, X):
        return [self.by_first.get(round(x[0]), 1.0) for x in X]
"""

PAGES = {
    "pages/participate.md": "# Participate\nSubmit your predictions.\n",
    "pages/terms.md": "# Terms\nBe fair.\n",
}

# 1. Results submissions, as wheat_seeds/results_submission_bundle: folder references with a
# trailing "/", the bundle one folder down in the zip with macOS's files beside it, PyYAML's
# last-wins reading of the key "solutions" given twice, Month-Day-Year dates, a last phase with
# no end.
RESULTS_YAML = """version: 2
title: Seeds (results)
description: Classify seeds into three classes.
image: logo.png
registration_auto_approve: True
enable_detailed_results: True
docker_image: codalab/codalab-legacy:py312
terms: pages/terms.md
pages:
  - title: Participate
    file: pages/participate.md
tasks:
  - index: 0
    name: Development task
    reference_data: dev_phase/reference_data/
    scoring_program: scoring_program/
  - index: 1
    name: Final task
    reference_data: final_phase/reference_data/
    scoring_program: scoring_program/
solutions: []
solutions:
  - index: 0
    tasks: [0]
    path: solution/dev_solution
  - index: 1
    tasks: [1]
    path: solution/dev_solution
phases:
  - index: 0
    name: Development Phase
    description: Tune your models.
    start: 1-1-2026
    end: 12-31-2026
    max_submissions_per_day: 5
    hide_output: True
    tasks: [0]
    starting_kit: starting_kit
    public_data: public_data
  - index: 1
    name: Testing Phase
    start: 1-1-2027
    max_submissions: 1
    tasks: [1]
leaderboards:
  - title: Results
    key: main
    submission_rule: "Force_Last"
    columns:
      - title: Prediction score
        key: accuracy
        index: 0
        sorting: desc
        precision: 3
"""
RESULTS = {
    "competition.yaml": RESULTS_YAML,
    "logo.png": b"\x89PNG\r\n\x1a\n",
    **PAGES,
    "scoring_program/metadata.yaml": "command: python3 $program/score.py $input $output\n",
    "scoring_program/score.py": SCORE_PY,
    "dev_phase/reference_data/testing_label": lines(LABELS),
    "dev_phase/.DS_Store": b"\0\0\0\1Bud1",
    "final_phase/reference_data/testing_label": lines(reversed(LABELS)),
    "public_data/training_data": lines(FEATURES),
    "starting_kit/README.md": "# Starting kit\nWrite one label per line in a file named prediction.\n",
    "solution/dev_solution/prediction": lines(LABELS[:29] + [2.0]),
}
write(
    "results-v2-nested.zip",
    {**{"seeds/" + k: v for k, v in RESULTS.items()}, "__MACOSX/seeds/._competition.yaml": b"\0\5\26\7"},
)

# 2. Code submissions, as wheat_seeds/code_submission_bundle and mini-automl: an ingestion
# program run on each phase's input data, a solution that is a zip in the bundle, a phase with
# two tasks, no docker_image (Codabench's default), Force_Best, a computed column.
CODE_YAML = """version: 2
title: Seeds (code)
description: Send a model.py; the ingestion program trains and runs it.
terms: pages/terms.md
pages:
  - title: Participate
    file: pages/participate.md
fact_sheet: {"method": {"key": "method", "type": "text", "title": "Method", "selection": "", "is_required": "false", "is_on_leaderboard": "false"}}
tasks:
  - index: 0
    name: Development task
    input_data: dev_phase/input_data
    reference_data: dev_phase/reference_data
    scoring_program: scoring_program.zip
    ingestion_program: ingestion_program.zip
    ingestion_only_during_scoring: false
  - index: 1
    name: Final task
    input_data: final_phase/input_data
    reference_data: final_phase/reference_data
    scoring_program: scoring_program.zip
    ingestion_program: ingestion_program.zip
  - index: 2
    name: Extra task
    reference_data: dev_phase/reference_data
    scoring_program: scoring_program.zip
solutions:
  - index: 0
    tasks: [0, 1]
    path: solution.zip
phases:
  - name: Development
    start: 2026-01-01
    end: 2026-06-30
    max_submissions_per_day: 3
    max_submissions: 50
    execution_time_limit: 300
    tasks: [0, 2]
  - name: Final
    start: 2026-07-01 12:00:00
    end: 2026-08-01
    max_submissions_per_day: 3
    max_submissions: 50
    execution_time_limit: 300
    auto_migrate_to_this_phase: True
    tasks: [1]
leaderboards:
  - title: Results
    key: main
    submission_rule: Force_Best
    columns:
      - title: Accuracy
        key: accuracy
        index: 0
        sorting: desc
      - title: Duration
        key: duration
        index: 1
        sorting: asc
      - title: Mean
        key: mean
        index: 2
        sorting: desc
        computation: avg
        computation_indexes: [0]
"""
write(
    "code-v2.zip",
    {
        "competition.yaml": CODE_YAML,
        **PAGES,
        "scoring_program.zip": zip_bytes(
            {"metadata.yaml": "command: python3 $program/score.py $input $output\n", "score.py": SCORE_PY}
        ),
        "ingestion_program.zip": zip_bytes(
            {
                "metadata.yaml": "command: python3 $ingestion_program/ingestion.py $input $output $submission_program\n",
                "ingestion.py": INGESTION_PY,
            }
        ),
        "dev_phase/input_data/training_data": lines(FEATURES),
        "dev_phase/input_data/training_label": lines(LABELS),
        "dev_phase/input_data/testing_data": lines(FEATURES[:10]),
        "dev_phase/reference_data/testing_label": lines(LABELS[:10]),
        "final_phase/input_data/training_data": lines(FEATURES),
        "final_phase/input_data/training_label": lines(LABELS),
        "final_phase/input_data/testing_data": lines(FEATURES[10:]),
        "final_phase/reference_data/testing_label": lines(LABELS[10:]),
        "solution.zip": zip_bytes({"model.py": MODEL_PY}),
    },
)

# 3. CodaLab 1.5, as codalab/Iris and Compute_pi: phases keyed by number, zips inside the zip,
# the leaderboard of "leaderboards" and "columns" with an anchor, scores.txt, a truth that is
# one table with an id column (so Podium's built-in metrics are added beside the program's).
LEGACY_YAML = """title: Cats and dogs
description: Tell cats from dogs.
image: logo.png
has_registration: True
force_submission_to_leaderboard: True
competition_docker_image: 'codalab/codalab-legacy:py39'
end_date: 2026-09-01
html:
  overview: overview.html
  terms: terms.html
phases:
  1:
    phasenumber: 1
    label: Development
    color: green
    start_date: 2026-02-01
    max_submissions_per_day: 5
    max_submissions: 100
    execution_time_limit: 500
    reference_data: reference_data.zip
    scoring_program: scoring_program.zip
    public_data: public_data.zip
    starting_kit: starting_kit.zip
  2:
    phasenumber: 2
    label: Final
    start_date: 2026-05-01 00:00:00+00:00
    max_submissions_per_day: 1
    max_submissions: 100
    reference_data: reference_data_final.zip
    scoring_program: scoring_program.zip
leaderboard:
  leaderboards:
    RESULTS: &RESULTS
      label: Results
      rank: 1
  columns:
    accuracy:
      leaderboard: *RESULTS
      label: Accuracy
      rank: 1
      numeric_format: 4
    errors:
      leaderboard: *RESULTS
      label: Errors
      rank: 2
      sort: asc
"""
EVALUATE_PY = """import os, sys
inp, out = sys.argv[1], sys.argv[2]
def table(folder):
    name = [f for f in os.listdir(folder) if f.endswith(".csv")][0]
    rows = [r.split(",") for r in open(os.path.join(folder, name)).read().split("\\n")[1:] if r]
    return {r[0]: r[1] for r in rows}
ref, res = table(os.path.join(inp, "ref")), table(os.path.join(inp, "res"))
errors = sum(1 for k, v in ref.items() if res.get(k) != v)
open(os.path.join(out, "scores.txt"), "w").write("accuracy: %f\\nerrors: %d\\n" % (1 - errors / len(ref), errors))
"""
TRUTH = "id,label\n" + "".join("s%d,%s\n" % (i, "cat" if i % 3 == 0 else "dog") for i in range(40))
write(
    "legacy-15.zip",
    {
        "competition.yaml": LEGACY_YAML,
        "logo.png": b"\x89PNG\r\n\x1a\n",
        "overview.html": "<h1>Cats and dogs</h1>",
        "terms.html": "<p>Be fair.</p>",
        "reference_data.zip": zip_bytes({"truth.csv": TRUTH}),
        "reference_data_final.zip": zip_bytes({"truth.csv": TRUTH.replace("s1,dog", "s1,cat")}),
        "scoring_program.zip": zip_bytes(
            {"metadata": "command: python3 $program/evaluate.py $input $output\ndescription: Scores.\n", "evaluate.py": EVALUATE_PY}
        ),
        "public_data.zip": zip_bytes({"test_ids.csv": "id\n" + "".join("s%d\n" % i for i in range(40))}),
        "starting_kit.zip": zip_bytes({"README.md": "# Starting kit\n", "sample/predictions.csv": TRUTH}),
    },
)
