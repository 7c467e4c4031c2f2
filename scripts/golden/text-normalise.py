#!/usr/bin/env python3
"""Golden values for Podium's text normalisation (scoring.text.normalise), from Python itself.

Run with Debian's Python 3.11 (Unicode 14.0 tables):
    /usr/bin/python3 scripts/golden/text-normalise.py
It writes tests/fixtures/text-normalise.json: for each case, the text after each sequence of
steps, and Python's tables over every code point (the characters `str.lower()` changes, those
of general category P*, and those `str.isspace()` takes), so the tests compare every code point.

The steps, as jiwer and the reference tools read text in Python:
  lowercase            str.lower()
  strip-punctuation    drop each c with unicodedata.category(c).startswith("P")
  collapse-whitespace  " ".join(s.split())
"""
import json
import os
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "text-normalise.json")

STEPS = {
    "lowercase": lambda s: s.lower(),
    "strip-punctuation": lambda s: "".join(c for c in s if not unicodedata.category(c).startswith("P")),
    "collapse-whitespace": lambda s: " ".join(s.split()),
}

TEXTS = [
    "",
    "Hello, World!",
    "  two   spaces\tand a tab\nand a newline  ",
    "İSTANBUL İzmir ıi",  # Turkish dotted capital I: lower() gives i + U+0307
    "STRAẞE Straße GRÜSSE",  # German sharp s, capital and small
    "ΟΔΟΣ ΟΔΟΣ. ΣΑΣ Σ ΑΣ΄Β",  # Greek capital sigma at a word's end becomes final sigma
    "«Guillemets» „Anführung“ — dash – en; semi: colon… ¿qué? ¡sí!",
    "under_score hy-phen (paren) [bracket] {brace} 'quote' \"dq\" #hash @at %pct &amp *star /slash \\back",
    "math + = < > ^ ` | ~ $ € £ © ®",  # symbols, not punctuation: kept
    "CJK 「括弧」、句読点。！？",
    "Arabic ، ؛ ؟ ٪ and Devanagari । ॥",
    "zero\u200bwidth no\u00a0break thin\u2009space ideographic\u3000space",
    "separators\x1c\x1d\x1e\x1fnext\x85line and\ufeffbom",
    "MiXeD CaSe ǅ ǈ ǋ ǲ (titlecase digraphs)",
    "Ⅻ ⓐⒶ 𝐀𝐁 Ｆｕｌｌｗｉｄｔｈ",  # roman numerals and circled letters have case; math bold does not
    "emoji 👍🏽 stay, flags 🇫🇷 too.",
    "new-in-unicode-15 \U00011f43\U00011f44 \U0001e5ff and lower \U00010d50 \ua7cb",
    "...!!!   ,,,",
]

SEQUENCES = [
    [],
    ["lowercase"],
    ["strip-punctuation"],
    ["collapse-whitespace"],
    ["lowercase", "strip-punctuation", "collapse-whitespace"],
    ["strip-punctuation", "collapse-whitespace", "lowercase"],
    ["collapse-whitespace", "strip-punctuation"],
]


def run(text, steps):
    for s in steps:
        text = STEPS[s](text)
    return text


def main():
    cases = [{"text": t, "steps": seq, "expected": run(t, seq)} for t in TEXTS for seq in SEQUENCES]
    lower = {}
    punctuation = []
    space = []
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:
            continue
        ch = chr(c)
        if ch.lower() != ch:
            lower[str(c)] = ch.lower()
        if unicodedata.category(ch).startswith("P"):
            punctuation.append(c)
        if ch.isspace():
            space.append(c)
    out = {
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "cases": cases,
        "lower": lower,
        "punctuation": punctuation,
        "whitespace": space,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=0)
        f.write("\n")


main()
