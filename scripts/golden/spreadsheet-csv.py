#!/usr/bin/env python3
"""Predictions files as spreadsheets save them in locales that write a decimal comma.

Run with Python 3:
    python3 scripts/golden/spreadsheet-csv.py
It writes tests/fixtures/spreadsheet/*.csv. What each imitates:

- excel-semicolon.csv: Excel's "CSV (Comma delimited)" on a system whose list separator is
  ";" (German, French, Dutch ... regional settings): ";" between fields, decimal commas,
  CRLF line ends, no byte-order mark. Python's csv module with delimiter=";" writes the same
  bytes: it quotes only fields holding ";", quotes or line breaks, and "0,75" holds none.
- excel-semicolon-utf8.csv: the same saved as "CSV UTF-8", which starts with a byte-order mark.
- semicolon-points.csv: ";" between fields but decimal points (a list separator of ";" with
  "." as decimal symbol).
- comma-decimal-comma.csv: LibreOffice's "Text CSV" with "," as field delimiter in a German
  locale: decimal commas stay, and a field holding the delimiter is quoted ("0,75").
- comma-points.csv: the control, a file as the guides ask for.
"""
import csv
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "spreadsheet")
ROWS = [("a", "cat", 0.75), ("b", "dog", 0.125), ("c", "cat", 0.5), ("d", "dog", 1.0)]


def write(name, delimiter, decimal, bom=False):
    with open(os.path.join(OUT, name), "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)  # excel dialect: CRLF, minimal quoting
        w.writerow(["id", "label", "score"])
        for i, label, score in ROWS:
            w.writerow([i, label, repr(score).replace(".", decimal)])


os.makedirs(OUT, exist_ok=True)
write("excel-semicolon.csv", ";", ",")
write("excel-semicolon-utf8.csv", ";", ",", bom=True)
write("semicolon-points.csv", ";", ".")
write("comma-decimal-comma.csv", ",", ",")
write("comma-points.csv", ",", ".")
