#!/usr/bin/env python3
"""Apply an update bundle to an unzipped offline copy of the SC Knowledge Base.

    python3 apply_update.py UPDATE.zip [COPY_FOLDER]

COPY_FOLDER defaults to the folder of this script (every copy holds it). The update names the
copy it applies to (the SHA-256 of its manifest.json); afterwards every file is checked against
the new manifest. Standard library only, so any Python 3.8+ runs it.
"""

import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path

UPDATE = "update.json"


def digest(data):
    return hashlib.sha256(data).hexdigest()


def safe(name):
    """A member name that stays inside the copy on any system: no root, no "..", no backslash, and
    no colon (on Windows ``C:x`` is on drive C whatever the copy's folder, ``x:y`` a hidden stream)."""
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts and not any(c in name for c in "\\:")


def apply(update, copy):
    """Apply ``update`` to ``copy``; returns the problems (none: the copy is the new edition)."""
    with zipfile.ZipFile(update) as archive:
        facts = json.loads(archive.read(UPDATE))
        if digest((copy / "manifest.json").read_bytes()) != facts["from_manifest"]:
            return [f"this update is for the copy of commit {facts['from_commit']}; this copy is another edition"]
        names = [n for n in archive.namelist() if n != UPDATE and not n.endswith("/")]
        if not all(safe(n) for n in names + facts["removed"]):
            return ["the update names a file outside the copy: refused"]
        for name in facts["removed"]:
            target = copy / name
            if target.is_file():
                target.unlink()
        for name in names:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(archive.read(name))
    prune_empty_folders(copy)
    return check(copy)


def prune_empty_folders(copy):
    for folder, _, _ in sorted(os.walk(copy), key=lambda entry: -len(entry[0])):
        if Path(folder) != copy and not os.listdir(folder):
            os.rmdir(folder)


def check(copy):
    """The files that differ from the copy's manifest."""
    listed = json.loads((copy / "manifest.json").read_bytes())["files"]
    present = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()}
    present -= {"manifest.json", "manifest.sig"}
    problems = [f"{n}: missing" for n in sorted(set(listed) - present)]
    problems += [f"{n}: not in the manifest" for n in sorted(present - set(listed))]
    problems += [f"{n}: changed" for n in sorted(present & set(listed)) if digest((copy / n).read_bytes()) != listed[n]]
    return problems


def main(argv):
    if len(argv) not in (2, 3):  # the script, the update, and perhaps the copy
        print(__doc__.strip(), file=sys.stderr)
        return 2
    copy = Path(argv[2]) if argv[2:] else Path(__file__).resolve().parent
    problems = apply(Path(argv[1]), copy)
    for problem in problems:
        print("error: " + problem, file=sys.stderr)
    if not problems:
        print(f"updated {copy} to commit {json.loads((copy / 'manifest.json').read_bytes()).get('commit')}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
