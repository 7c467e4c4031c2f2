#!/usr/bin/env python3
"""Golden values for Podium's COCO detection metrics, from pycocotools itself.

pycocotools comes from its public source, cocodataset/cocoapi at commit
8c9bcc3cf640524c4c20a9c40e89cb6a2f2fa0e9, built in place from PythonAPI/ with Debian's
cython3 and python3-numpy (no PyPI):

    cd cocoapi/PythonAPI && cython3 -3 pycocotools/_mask.pyx \\
        && /usr/bin/python3 setup.py build_ext --inplace
    /usr/bin/python3 scripts/golden/coco.py --pycocotools PATH/TO/cocoapi/PythonAPI

That release still names np.float, which NumPy 1.24 removed; the script sets np.float to
the builtin float it aliased before importing. pycocotools.coco imports matplotlib for
showAnns only (drawing, never called here); without matplotlib installed the script puts
empty stand-ins for those modules in its place. It changes nothing else.

It writes tests/fixtures/coco/<case>.json: the truth (instances JSON), the results (results
JSON), the limit of detections per image the case needs, and what COCOeval(iouType="bbox")
gives: its twelve stats (None where pycocotools gives -1) and each category's AP
(precision averaged over IoU thresholds and recall levels, area all, 100 detections; None
for a category with no ground truth). The tests read these files and need neither Python
nor pycocotools.
"""
import argparse
import contextlib
import copy
import io
import json
import os
import random
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "coco")
COMMIT = "8c9bcc3cf640524c4c20a9c40e89cb6a2f2fa0e9"


def evaluate(truth, results):
    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(truth)
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(results))
        e = COCOeval(gt, dt, iouType="bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    stats = [None if s == -1 else float(s) for s in e.stats]
    precision = e.eval["precision"]
    per_category = {}
    for k, cat in enumerate(e.params.catIds):
        p = precision[:, :, k, 0, -1]
        per_category[str(cat)] = float(np.mean(p)) if (p > -1).any() else None
    return stats, per_category


def size_box(r, kind, W=640, H=480):
    """A box whose area is small (< 32²), medium or large (> 96²)."""
    side = {"small": (4, 30), "medium": (34, 94), "large": (100, 300)}[kind]
    w = r.uniform(*side)
    h = r.uniform(side[0], side[1]) if kind != "large" else r.uniform(100, 250)
    return [round(r.uniform(0, W - w), 2), round(r.uniform(0, H - h), 2), round(w, 2), round(h, 2)]


def jitter(r, b, amount):
    x, y, w, h = b
    return [
        round(x + r.uniform(-amount, amount) * w, 2),
        round(y + r.uniform(-amount, amount) * h, 2),
        round(max(0.5, w * (1 + r.uniform(-amount, amount))), 2),
        round(max(0.5, h * (1 + r.uniform(-amount, amount))), 2),
    ]


def random_case(seed, images, categories, per_image, crowd=0.05, fp=0.3, score_digits=3, area_as_box=0.7):
    r = random.Random(seed)
    truth = {
        "images": [{"id": 1000 + 7 * i, "width": 640, "height": 480} for i in range(images)],
        "categories": [{"id": c, "name": f"cat{c}"} for c in categories],
        "annotations": [],
    }
    results = []
    ann = 1
    for img in truth["images"]:
        for _ in range(r.randint(0, per_image)):
            cat = r.choice(categories[:-1])  # the last category never has ground truth
            kind = r.choice(["small", "medium", "large"])
            b = size_box(r, kind)
            is_crowd = 1 if r.random() < crowd else 0
            # A polygon's area is below its box's; COCO's ranges read the annotation's area.
            area = b[2] * b[3] if r.random() < area_as_box else round(b[2] * b[3] * r.uniform(0.5, 1.0), 2)
            truth["annotations"].append(
                {"id": ann, "image_id": img["id"], "category_id": cat, "bbox": b, "area": area, "iscrowd": is_crowd}
            )
            ann += 1
            for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
                c = cat if r.random() > 0.1 else r.choice(categories)
                results.append({"image_id": img["id"], "category_id": c, "bbox": jitter(r, b, r.choice([0.02, 0.1, 0.25])),
                                "score": round(r.random(), score_digits)})
        for _ in range(r.randint(0, 3) if r.random() < fp else 0):
            results.append({"image_id": img["id"], "category_id": r.choice(categories),
                            "bbox": size_box(r, r.choice(["small", "medium", "large"])), "score": round(r.random() * 0.6, score_digits)})
    r.shuffle(results)
    return truth, results


def ann(i, img, cat, bbox, crowd=0, area=None):
    return {"id": i, "image_id": img, "category_id": cat, "bbox": bbox,
            "area": bbox[2] * bbox[3] if area is None else area, "iscrowd": crowd}


def det(img, cat, bbox, score):
    return {"image_id": img, "category_id": cat, "bbox": bbox, "score": score}


def cases():
    out = {}
    # Every size, a miss, false positives, a box matched at some thresholds only.
    truth = {
        "images": [{"id": 1}, {"id": 2}, {"id": 3}],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}],
        "annotations": [
            ann(1, 1, 1, [10, 10, 20, 20]),
            ann(2, 1, 1, [100, 100, 60, 50]),
            ann(3, 1, 2, [200, 50, 150, 120]),
            ann(4, 2, 1, [5, 5, 200, 200]),
            ann(5, 2, 2, [300, 300, 25, 30]),
            ann(6, 3, 2, [0, 0, 40, 40]),
        ],
    }
    results = [
        det(1, 1, [11, 11, 20, 19], 0.9),
        det(1, 1, [105, 98, 60, 55], 0.8),
        det(1, 1, [300, 300, 10, 10], 0.85),
        det(1, 2, [210, 60, 150, 110], 0.7),
        det(2, 1, [10, 10, 180, 190], 0.6),
        det(2, 2, [250, 250, 30, 30], 0.95),
        det(3, 1, [0, 0, 40, 40], 0.5),
        det(3, 2, [2, 2, 38, 40], 0.4),
    ]
    out["sizes"] = (truth, results, 100)

    # Crowd regions: several detections inside one are left out, not false positives;
    # a region of another size range, and a crowd region next to a normal box.
    truth = {
        "images": [{"id": 10}, {"id": 11}],
        "categories": [{"id": 3, "name": "people"}],
        "annotations": [
            ann(1, 10, 3, [0, 0, 300, 200], crowd=1),
            ann(2, 10, 3, [20, 20, 40, 60]),
            ann(3, 11, 3, [50, 50, 20, 20], crowd=1),
            ann(4, 11, 3, [200, 200, 50, 50]),
        ],
    }
    results = [
        det(10, 3, [22, 18, 40, 60], 0.9),
        det(10, 3, [100, 100, 30, 30], 0.8),
        det(10, 3, [150, 20, 60, 60], 0.7),
        det(10, 3, [400, 300, 20, 20], 0.6),
        det(11, 3, [52, 52, 15, 15], 0.95),
        det(11, 3, [205, 195, 50, 50], 0.5),
        det(11, 3, [45, 45, 30, 30], 0.3),
    ]
    out["crowd"] = (truth, results, 100)

    # Images with no ground truth, images with detections only, a category with no ground
    # truth (detected or not), an image with neither.
    truth = {
        "images": [{"id": i} for i in (1, 2, 3, 4, 5)],
        "categories": [{"id": 1}, {"id": 2}, {"id": 5}],
        "annotations": [ann(1, 1, 1, [10, 10, 50, 50]), ann(2, 2, 2, [0, 0, 120, 100])],
    }
    results = [
        det(1, 1, [12, 10, 50, 50], 0.7),
        det(3, 1, [10, 10, 50, 50], 0.9),
        det(3, 5, [10, 10, 50, 50], 0.8),
        det(4, 2, [0, 0, 120, 100], 0.99),
        det(2, 2, [0, 0, 119, 101], 0.6),
    ]
    out["empty"] = (truth, results, 100)

    # Equal scores within an image and across images, true and false positives among them.
    truth = {
        "images": [{"id": 3}, {"id": 1}, {"id": 2}],
        "categories": [{"id": 1}],
        "annotations": [
            ann(1, 1, 1, [0, 0, 40, 40]),
            ann(2, 1, 1, [100, 0, 40, 40]),
            ann(3, 2, 1, [0, 0, 40, 40]),
            ann(4, 3, 1, [50, 50, 80, 80]),
        ],
    }
    results = [
        det(1, 1, [300, 300, 40, 40], 0.5),
        det(1, 1, [0, 0, 40, 40], 0.5),
        det(2, 1, [200, 200, 40, 40], 0.5),
        det(2, 1, [0, 0, 40, 40], 0.5),
        det(1, 1, [100, 0, 40, 40], 0.5),
        det(3, 1, [50, 50, 80, 80], 0.5),
        det(3, 1, [55, 50, 80, 80], 0.5),
        det(3, 1, [0, 300, 20, 20], 0.25),
    ]
    out["ties"] = (truth, results, 100)

    # More than 100 detections in an image: pycocotools keeps the 100 highest of each
    # image and category, and AR@1 and AR@10 look at the first 1 and 10.
    r = random.Random(7)
    truth = {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}, {"id": 2}], "annotations": []}
    results = []
    for i in range(30):
        b = [(i % 6) * 100 + 5, (i // 6) * 90 + 5, 60 + i, 50 + i % 7]
        truth["annotations"].append(ann(i + 1, 1, 1 + i % 2, b))
    for k in range(150):
        g = truth["annotations"][k % 30]
        results.append(det(1, g["category_id"], jitter(r, g["bbox"], 0.15), round(r.random(), 2)))
    for k in range(20):
        results.append(det(2, 1, size_box(r, "medium"), round(r.random(), 2)))
    out["many"] = (truth, results, 200)

    # No small box at all: AP and AR on small objects are undefined (-1).
    truth = {
        "images": [{"id": 1}],
        "categories": [{"id": 1}],
        "annotations": [ann(1, 1, 1, [0, 0, 100, 100]), ann(2, 1, 1, [200, 200, 50, 40])],
    }
    results = [det(1, 1, [0, 0, 100, 90], 0.9), det(1, 1, [10, 10, 10, 10], 0.8)]
    out["no-small"] = (truth, results, 100)

    out["random"] = random_case(20261201, 300, [1, 2, 3, 4, 5, 7, 9, 11], 12) + (100,)
    out["random-ties"] = random_case(99, 120, [1, 2, 3], 8, crowd=0.15, score_digits=1) + (100,)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pycocotools", required=True, help="cocoapi's PythonAPI folder, built in place")
    args = ap.parse_args()
    sys.path.insert(0, args.pycocotools)
    import types

    import numpy as np

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        for m, names in (("matplotlib", ()), ("matplotlib.pyplot", ()), ("matplotlib.collections", ("PatchCollection",)),
                         ("matplotlib.patches", ("Polygon",))):
            stub = types.ModuleType(m)
            for n in names:
                setattr(stub, n, None)
            sys.modules[m] = stub
    np.float = float  # removed in NumPy 1.24; pycocotools' accumulate still names it
    os.makedirs(OUT, exist_ok=True)
    for name, (truth, results, limit) in cases().items():
        stats, per_category = evaluate(truth, results)
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump({"source": f"cocodataset/cocoapi@{COMMIT}", "max_detections": limit, "truth": truth,
                       "results": results, "stats": stats, "per_category_ap": per_category}, f)
            f.write("\n")
        print(name, ["-1" if s is None else f"{s:.4f}" for s in stats])


if __name__ == "__main__":
    main()
