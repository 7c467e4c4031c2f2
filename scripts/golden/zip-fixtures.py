#!/usr/bin/env python3
"""ZIP archives written by real tools, for the tests of Podium's archive reader.

Run with Info-ZIP's zip (Debian: apt-get install zip) and Python 3:
    python3 scripts/golden/zip-fixtures.py
It writes tests/fixtures/zip/*.zip and expected.json (for each archive that should unpack,
the files it holds and their SHA-256, taken from the files that went in, not from any
reader). The tests read these files and need neither zip nor Python. Times are fixed and
zip runs with -X, so a rerun with the same zip and Python writes the same bytes (all but
the encrypted archive, whose encryption header is random).

Damaged archives are real archives with one thing changed (cut short, one byte flipped,
one size lowered); archives with names that leave the folder are written with zipfile's
writestr, which stores a name as it is given.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "zip")
os.environ["TZ"] = "UTC"
time.tzset()
DATE = (2026, 1, 2, 3, 4, 6)
STAMP = time.mktime(DATE + (0, 0, -1))

# The folder every ordinary archive holds: files at the top and three levels down, text that
# deflates well and bytes that do not.
TREE = {
    "README.txt": b"Podium's ZIP fixtures.\n",
    "data/truth.csv": b"id,label\n" + b"".join(b"s%d,%s\n" % (i, b"cat" if i % 3 == 0 else b"dog") for i in range(300)),
    "data/nested/deeper/notes.md": b"# Notes\n\nThree folders down.\n",
    "bin/noise.bin": hashlib.sha256(b"podium").digest() * 8,
}
NAMES_OK = {"ok.txt": b"fine\n", "sub/ok.txt": b"also fine\n"}


def sha(data):
    return hashlib.sha256(data).hexdigest()


def write_tree(root, files):
    for name, data in files.items():
        path = os.path.join(root, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for n in filenames + dirnames:
            os.utime(os.path.join(dirpath, n), (STAMP, STAMP), follow_symlinks=False)
    os.utime(root, (STAMP, STAMP))


def zip_cli(src, out, *flags):
    """Info-ZIP's zip, run in SRC on everything in it, in sorted order."""
    entries = sorted(os.listdir(src))
    subprocess.run(["zip", "-q", "-X", "-r", *flags, os.path.abspath(out), *entries], cwd=src, check=True)


def python_tree(src, out, compression, **open_args):
    """zipfile, adding the tree's files (folders implied) with fixed times."""
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for name in sorted(TREE):
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            with open(os.path.join(src, *name.split("/")), "rb") as f:
                data = f.read()
            if open_args:
                with z.open(info, "w", **open_args) as w:
                    w.write(data)
            else:
                z.writestr(info, data)


def python_names(out, files):
    """zipfile's writestr, which keeps a name exactly as given."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def local_data_offset(archive, name):
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo(name)
    with open(archive, "rb") as f:
        f.seek(info.header_offset + 26)
        name_len, extra_len = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
    return info.header_offset + 30 + name_len + extra_len


def central_entry_offset(data, name):
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        name_len = int.from_bytes(data[i + 28:i + 30], "little")
        if data[i + 46:i + 46 + name_len] == name.encode():
            return i
        i = data.find(b"PK\x01\x02", i + 46)
    raise SystemExit(f"no central directory entry for {name}")


def main():
    if shutil.which("zip") is None:
        raise SystemExit("Info-ZIP's zip is needed: apt-get install zip")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    out = lambda name: os.path.join(OUT, name)  # noqa: E731
    expected = {}
    tree_hashes = {name: sha(data) for name, data in TREE.items()}
    work = tempfile.mkdtemp(prefix="podium-zip-")
    try:
        tree = os.path.join(work, "tree")
        write_tree(tree, TREE)

        # Ordinary archives: deflated, stored, from zip and from Python, with folder entries.
        zip_cli(tree, out("zip-deflate.zip"), "-9")
        zip_cli(tree, out("zip-stored.zip"), "-0")
        subprocess.run(["python3", "-m", "zipfile", "-c", out("python-cli.zip"), *sorted(os.listdir(tree))], cwd=tree, check=True)
        python_tree(tree, out("python-deflate.zip"), zipfile.ZIP_DEFLATED)
        # ZIP64: zip -fz writes ZIP64 end records and extra fields; zipfile with force_zip64 writes
        # ZIP64 local headers; and with its limits lowered (as CPython's own tests do), ZIP64
        # sizes in the central directory and ZIP64 end records, as for a file over 4 GiB.
        zip_cli(tree, out("zip64-zip.zip"), "-fz")
        python_tree(tree, out("zip64-python-forced.zip"), zipfile.ZIP_DEFLATED, force_zip64=True)
        limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 64, 2
        try:
            python_tree(tree, out("zip64-python.zip"), zipfile.ZIP_DEFLATED)
        finally:
            zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
        for name in ["zip-deflate.zip", "zip-stored.zip", "python-cli.zip", "python-deflate.zip",
                     "zip64-zip.zip", "zip64-python-forced.zip", "zip64-python.zip"]:
            expected[name] = tree_hashes

        # A link, stored as a link (zip -y), and the same folder zipped following it (the control).
        linked = os.path.join(work, "linked")
        write_tree(linked, {"README.txt": TREE["README.txt"]})
        os.symlink("README.txt", os.path.join(linked, "link.txt"))
        os.utime(os.path.join(linked, "link.txt"), (STAMP, STAMP), follow_symlinks=False)
        zip_cli(linked, out("zip-symlink.zip"), "-y")
        zip_cli(linked, out("zip-link-followed.zip"))
        expected["zip-link-followed.zip"] = {"README.txt": sha(TREE["README.txt"]), "link.txt": sha(TREE["README.txt"])}

        # Encrypted (zip -P).
        zip_cli(tree, out("zip-encrypted.zip"), "-P", "secret")

        # Names that leave the folder, and the same writer with ordinary names (the control).
        python_names(out("python-names.zip"), NAMES_OK)
        expected["python-names.zip"] = {name: sha(data) for name, data in NAMES_OK.items()}
        python_names(out("python-dotdot.zip"), {"ok.txt": b"fine\n", "../evil.txt": b"outside\n"})
        python_names(out("python-backslash.zip"), {"ok.txt": b"fine\n", "..\\evil.txt": b"outside\n"})
        python_names(out("python-absolute.zip"), {"ok.txt": b"fine\n", "/tmp/podium-evil.txt": b"outside\n"})
        python_names(out("python-drive.zip"), {"ok.txt": b"fine\n", "C:/evil.txt": b"outside\n"})

        # Many bytes from few: 4 MiB of zeros, deflated to a few KiB.
        zeros = os.path.join(work, "zeros")
        write_tree(zeros, {"zeros.bin": bytes(4 << 20)})
        zip_cli(zeros, out("zip-zeros.zip"), "-9")
        expected["zip-zeros.zip"] = {"zeros.bin": sha(bytes(4 << 20))}

        # Damaged: cut short; one byte of a stored file flipped; one stated size lowered.
        with open(out("zip-deflate.zip"), "rb") as f:
            whole = f.read()
        with open(out("truncated.zip"), "wb") as f:
            f.write(whole[: len(whole) * 3 // 5])
        with open(out("zip-stored.zip"), "rb") as f:
            stored = bytearray(f.read())
        stored[local_data_offset(out("zip-stored.zip"), "README.txt")] ^= 0x01
        with open(out("bad-crc.zip"), "wb") as f:
            f.write(stored)
        lying = bytearray(whole)
        at = central_entry_offset(lying, "data/truth.csv") + 24
        lying[at:at + 4] = (100).to_bytes(4, "little")
        with open(out("lying-size.zip"), "wb") as f:
            f.write(lying)

        # Not a ZIP archive at all: a CSV file named .zip.
        with open(out("not-a-zip.zip"), "wb") as f:
            f.write(TREE["data/truth.csv"])
    finally:
        shutil.rmtree(work)

    with open(out("expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(out(name)):>8}  {name}")


if __name__ == "__main__":
    main()
