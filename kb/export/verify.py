"""``kb export --verify``: does a bundle hold exactly the files its manifest lists, byte for byte?"""

from __future__ import annotations

import hmac
import zipfile
from pathlib import Path

from .bundle import BOOK_KEEPING, MANIFEST, SIGNATURE, UPDATE, read_manifest, sha256, signature


def verify(path: Path, key: str = "") -> list[str]:
    """Every difference between the bundle and its manifest, one line each (none: it verifies).

    An update bundle holds only the files that changed: there a file of the manifest may be absent.
    With ``key`` the manifest's signature must be present and match."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive)
            names = {name for name in archive.namelist() if not name.endswith("/")}
            problems = _signature_problems(archive, names, key)
            listed = manifest.get("files", {})
            partial = UPDATE in names
            for name in sorted((set(listed) | names) - BOOK_KEEPING):
                problem = _file_problem(archive, name, listed.get(name), name in names, partial)
                if problem:
                    problems.append(f"{name}: {problem}")
            return problems
    except (zipfile.BadZipFile, ValueError) as exc:
        return [f"{path.name}: {exc}"]


def _file_problem(archive: zipfile.ZipFile, name: str, expected: str | None, present: bool, partial: bool) -> str | None:
    if not present:
        return None if partial else "missing from the bundle"
    if expected is None:
        return "not in the manifest"
    try:
        data = archive.read(name)
    except (zipfile.BadZipFile, OSError) as exc:  # a changed byte fails the ZIP's own CRC first
        return f"changed ({exc})"
    return None if sha256(data) == expected else "changed (SHA-256 differs from the manifest)"


def _signature_problems(archive: zipfile.ZipFile, names: set[str], key: str) -> list[str]:
    if not key:
        return []
    if SIGNATURE not in names:
        return [f"{SIGNATURE}: missing (the bundle is not signed)"]
    expected = signature(archive.read(MANIFEST), key)
    given = archive.read(SIGNATURE).decode("ascii", "replace").strip()
    return [] if hmac.compare_digest(expected, given) else [f"{SIGNATURE}: does not match the manifest (changed, or signed with another key)"]
