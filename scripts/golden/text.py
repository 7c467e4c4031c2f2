#!/usr/bin/env python3
"""Golden values for Podium's text metrics, from the reference tools themselves.

- BLEU and chrF: sacrebleu's corpus_bleu and corpus_chrf with their defaults, from
  mjpost/sacrebleu at commit f615c7286d4d813370efb824d94fc2bfcd3a6b94 (release 2.6.0; the
  snapshot lacks the version.py that packaging generates, so this script writes one).
- CIDEr-D and ROUGE-L: the Cider and Rouge scorers of salaniz/pycocoevalcap at commit
  ad63453cfab57a81a02b2949b17a91fab1c3df77 (only its cider/ and rouge/ folders are used).
- WER and CER: jiwer's definitions (total edits over total reference words or characters;
  words: runs of two or more whitespace characters become one space, the ends are stripped,
  the text is split on spaces; characters: the ends stripped, every code point counts), with
  the edit distances from Debian's python3-levenshtein (each word mapped to one character
  for word-level distances).

Run with Debian's Python and python3-regex, python3-portalocker, python3-tabulate,
python3-colorama, python3-lxml, python3-numpy and python3-levenshtein:

    /usr/bin/python3 scripts/golden/text.py --sacrebleu PATH/TO/sacrebleu --pycocoevalcap PATH/TO/pycocoevalcap

where each path is a checkout (or an exported tree) of the repository at the commit above.
It writes tests/fixtures/text/<case>.json: the items (id, hypothesis, references) and what
the tools give for them. The tests read these files and need neither Python nor the tools.

Several references per item are passed to sacrebleu as reference streams; an item with fewer
references than the most any item has gets None in the streams it lacks, which sacrebleu
drops (an empty string would count as a reference of length 0).
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "text")
SACREBLEU_COMMIT = "f615c7286d4d813370efb824d94fc2bfcd3a6b94"
PYCOCOEVALCAP_COMMIT = "ad63453cfab57a81a02b2949b17a91fab1c3df77"


def load_tools(sacrebleu_dir, pycoco_dir):
    work = tempfile.mkdtemp(prefix="podium-text-golden-")
    shutil.copytree(os.path.join(sacrebleu_dir, "sacrebleu"), os.path.join(work, "sacrebleu"))
    version = os.path.join(work, "sacrebleu", "version.py")
    if not os.path.exists(version):
        with open(version, "w") as f:
            f.write('__version__ = "2.6.0"\n')
    os.makedirs(os.path.join(work, "pycocoevalcap"))
    open(os.path.join(work, "pycocoevalcap", "__init__.py"), "w").close()
    for part in ("cider", "rouge"):
        shutil.copytree(os.path.join(pycoco_dir, part), os.path.join(work, "pycocoevalcap", part))
    sys.path.insert(0, work)
    import sacrebleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return sacrebleu, Cider, Rouge, Tokenizer13a


def commit_of(path):
    try:
        out = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None
    except OSError:
        return None


# jiwer's default transforms, from its documented definitions.
def jiwer_words(s):
    return [w for w in re.sub(r"\s\s+", " ", s).strip().split(" ") if len(w) >= 1]


def jiwer_chars(s):
    return s.strip()


def evaluate(tools, items):
    import Levenshtein

    sacrebleu, Cider, Rouge, _ = tools
    hyps = [it["hypothesis"] for it in items]
    most = max(len(it["references"]) for it in items)
    streams = [[it["references"][j] if j < len(it["references"]) else None for it in items] for j in range(most)]
    bleu = sacrebleu.corpus_bleu(hyps, streams)
    chrf = sacrebleu.corpus_chrf(hyps, streams)
    gts = {it["id"]: list(it["references"]) for it in items}
    res = {it["id"]: [it["hypothesis"]] for it in items}
    cider, cider_items = Cider().compute_score(gts, res)
    rouge, rouge_items = Rouge().compute_score(gts, res)

    symbols = {}

    def encode(words):
        return "".join(symbols.setdefault(w, chr(0xF0000 + len(symbols))) for w in words)

    word_edits, words, char_edits, chars = [], [], [], []
    for it in items:
        ref = it["references"][0]
        hw, rw = jiwer_words(it["hypothesis"]), jiwer_words(ref)
        word_edits.append(Levenshtein.distance(encode(hw), encode(rw)))
        words.append(len(rw))
        hc, rc = jiwer_chars(it["hypothesis"]), jiwer_chars(ref)
        char_edits.append(Levenshtein.distance(hc, rc))
        chars.append(len(rc))
    out = {
        "bleu": bleu.score,
        "bleu_statistics": {
            "sys_len": bleu.sys_len,
            "ref_len": bleu.ref_len,
            "counts": list(bleu.counts),
            "totals": list(bleu.totals),
        },
        "chrf": chrf.score,
        "cider_d": float(cider),
        "rouge_l": float(rouge),
        "per_item": {
            "cider_d": [float(x) for x in cider_items],
            "rouge_l": [float(x) for x in rouge_items],
            "word_edits": word_edits,
            "reference_words": words,
            "char_edits": char_edits,
            "reference_chars": chars,
        },
    }
    if sum(words) > 0:
        out["wer"] = sum(word_edits) / sum(words)
    if sum(chars) > 0:
        out["cer"] = sum(char_edits) / sum(chars)
    return out


def items_of(rows):
    return [{"id": f"s{i + 1}", "hypothesis": h, "references": refs} for i, (h, refs) in enumerate(rows)]


def cases(rng):
    unicode_rows = [
        ("Le café était très bon, n'est-ce pas ?", ["Le café était excellent, n'est-ce pas?", "Le café était très bon !"]),
        ("Ça coûte 3,50 € — ou 3.50 $.", ["Ça coûte 3,50 €, ou 3.50 $."]),
        ("我们今天去公园散步。", ["我们今天去公园散步了。", "今天我们去公园。"]),
        ("東京は日本の首都です", ["東京は日本の首都である"]),
        ("🎉 Party time! 🎉🎉", ["Party time 🎉", "🎉🎉 party time!"]),
        ("«Bonjour», dit-il… ¿Qué tal? ¡Hola!", ["« Bonjour » dit-il... ¿Qué tal? ¡Hola!"]),
        ("Москва — столица России.", ["Москва - столица России."]),
        ("「こんにちは」と彼は言った。", ["「こんにちは」と言った。"]),
        ("The years 1990-2000 & 2001–2010 were &quot;great&quot; &amp; calm.", ["The years 1990-2000 &amp; 2001-2010 were \"great\" & calm."]),
        ("Tabs\tand\u00a0non-breaking\u2003spaces  here\n", ["Tabs and non-breaking spaces here"]),
        ("Line one-\nline two\nthree <skipped> four", ["Line oneline two three four"]),
        ("e\u0301 vs é: accents (decomposed) müssen gleich sein", ["é vs é: accents (composed) müssen gleich sein"]),
        ("Price: $1,000.00 (approx.) / unit; ratio 3:4 @home #tag", ["Price : $ 1,000.00 ( approx. ) / unit ; ratio 3:4 @ home # tag"]),
        ("Δ = 0.5, λ=2.0, and π≈3.14159.", ["Δ = 0.5 , λ = 2.0 , and π ≈ 3.14159 ."]),
        ("مرحبا بالعالم، كيف حالك؟", ["مرحبا بالعالم ، كيف الحال ؟"]),
        ("नमस्ते दुनिया।", ["नमस्ते, दुनिया।"]),
        ("\u001cfile\u001dseparators\u001e are\u001f whitespace\u0085 too", ["file separators are whitespace too"]),
    ]
    yield "unicode", items_of(unicode_rows)

    yield "empty-hypotheses", items_of(
        [
            ("", ["a man rides a horse on the beach"]),
            ("a dog runs across the grass", ["a dog is running on the grass", "the dog runs"]),
            ("", ["two children play football"]),
            ("   ", ["a red car parked by the road"]),
            ("a cat sleeps on a sofa", ["a cat sleeping on the couch"]),
        ]
    )

    yield "all-hypotheses-empty", items_of([("", ["a man rides a horse"]), ("", ["two dogs play", "dogs playing"])])

    yield "empty-reference", items_of(
        [
            ("silence here", [""]),
            ("a bird on a wire", ["a bird sits on a wire", ""]),
            ("", [""]),
            ("the sun sets over the sea", ["the sun is setting over the sea"]),
        ]
    )

    yield "several-references", items_of(
        [
            (
                "a man is riding a wave on top of a surfboard",
                [
                    "a man riding a wave on top of a surfboard",
                    "a surfer riding a large wave in the ocean",
                    "a person on a surfboard riding a wave",
                    "a man on a surfboard in the water",
                    "surfer in the ocean catching a wave",
                ],
            ),
            ("a plate of food with broccoli", ["a plate with meat and broccoli", "food on a white plate"]),
            ("a train on the tracks", ["a train moving down the tracks"]),
            (
                "two giraffes standing in a field",
                ["two giraffes in a grassy field", "a pair of giraffes standing near trees", "giraffes standing in the grass"],
            ),
            # Equal references: chrF's best reference is the first of the tied ones.
            ("a clock tower in the city", ["a clock tower in a city", "a clock tower in a city", "tall clock tower"]),
            # BLEU's closest reference length on a tie: the shorter one.
            ("one two three four five", ["one two three four", "one two three four five six"]),
        ]
    )

    yield "repeated-words", items_of(
        [
            ("the the the the the the the", ["the cat is on the mat"]),
            ("cat cat cat cat", ["the cat", "a cat and a cat"]),
            ("on the mat on the mat on the mat", ["the cat sat on the mat", "on the mat there is a cat"]),
            ("aaaaaaaaaa aaaaaaaaaa", ["aaaaaaaaaa"]),
            ("la la la la la la", ["la la la", "la"]),
        ]
    )

    yield "short-segments", items_of(
        [
            ("yes", ["yes"]),
            ("no", ["yes"]),
            ("ok .", ["ok"]),
            ("a b", ["a b c"]),
            ("x", ["x y", "x"]),
            ("!", ["?"]),
            ("hi", ["hi there"]),
        ]
    )

    # No bigram matches: sacrebleu's exponential smoothing of the zero precisions.
    yield "smoothing", items_of(
        [
            ("a b c d e f", ["a x b y c z d w e v f"]),
            ("g h i j", ["g q h r i s j"]),
        ]
    )

    yield "one-item", items_of([("a small boat on a calm lake", ["a small boat floats on the calm lake", "boat on a lake"])])

    words = (
        "a the man woman dog cat child group of people is are sitting standing walking running on in at "
        "with near next to street field beach table red blue green white black large small young old "
        "playing holding riding eating looking down up front bus train car bike horse ball frisbee "
        "kitchen room water snow grass tree building sign plate pizza food phone computer umbrella"
    ).split()
    rows = []
    for _ in range(300):
        length = rng.randint(3, 16)
        base = [rng.choice(words) for _ in range(length)]
        refs = []
        for _ in range(rng.choice([1, 1, 2, 3, 5])):
            ref = [w if rng.random() < 0.7 else rng.choice(words) for w in base]
            if rng.random() < 0.3:
                ref.insert(rng.randrange(len(ref) + 1), rng.choice(words))
            if rng.random() < 0.3 and len(ref) > 1:
                del ref[rng.randrange(len(ref))]
            refs.append(" ".join(ref) + rng.choice(["", "", " .", "."]))
        hyp = [w for w in base if rng.random() > 0.1]
        if rng.random() < 0.2:
            hyp.append(rng.choice(words))
        if rng.random() < 0.5:
            hyp[0:1] = [hyp[0].capitalize()] if hyp else []
        rows.append((" ".join(hyp) + rng.choice(["", ".", " ,", "!"]), refs))
    yield "random-300", items_of(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sacrebleu", required=True, help="a checkout of mjpost/sacrebleu")
    parser.add_argument("--pycocoevalcap", required=True, help="a checkout of salaniz/pycocoevalcap")
    args = parser.parse_args()
    for path, want in ((args.sacrebleu, SACREBLEU_COMMIT), (args.pycocoevalcap, PYCOCOEVALCAP_COMMIT)):
        got = commit_of(path)
        if got is not None and got != want:
            sys.exit(f"{path} is at {got}; the fixtures name {want}")
    tools = load_tools(args.sacrebleu, args.pycocoevalcap)
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20261201)
    lines = [
        "Hello, world.", "3.14 and 1,000", "1990-2000 well-known", "&quot;a&quot; &amp;lt; b",
        "x <skipped> y", "¿Qué? «sí»", "a.b,c", "end.", ",start", "1.a a.1 a,1 1,a", "--5-6-",
        "{[(<tag>)]}|~^_`@#$%&*+=:;/\\", "it's \"quoted\"", "trailing space   ", "mot-\nsuite",
        "emoji🎉.next", "漢字。漢字，", "tab\there", "\u00a0nbsp\u00a0", "\u2028sep\u2029",
    ]
    tokenizer = tools[3]()
    all_lines = []
    for name, items in cases(random.Random(20261201)):
        for it in items:
            all_lines += [it["hypothesis"], *it["references"]]
    lines += [l for l in dict.fromkeys(all_lines) if l not in lines]
    # BLEU preprocesses each segment as tokenizer(segment.rstrip()).
    tokens = {"sacrebleu_commit": SACREBLEU_COMMIT, "cases": [[l, tokenizer(l.rstrip())] for l in lines]}
    with open(os.path.join(OUT, "tokenizer-13a.json"), "w", encoding="utf-8") as f:
        json.dump(tokens, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for name, items in cases(rng):
        expected = evaluate(tools, items)
        record = {
            "sacrebleu_commit": SACREBLEU_COMMIT,
            "pycocoevalcap_commit": PYCOCOEVALCAP_COMMIT,
            "items": items,
            "expected": expected,
        }
        with open(os.path.join(OUT, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{name}: {len(items)} items, BLEU {expected['bleu']:.4f}, chrF {expected['chrf']:.4f}, CIDEr-D {expected['cider_d']:.4f}")


if __name__ == "__main__":
    main()
