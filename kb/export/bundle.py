"""A bundle on disk: its manifest (SHA-256 of every file, optionally signed) and a deterministic ZIP.

The same folder always gives the same bytes (sorted entries, fixed timestamps and modes), so
an update bundle applied to an older copy equals a fresh export. A ZIP is written under a
temporary name beside its target and renamed at the end: no partial file under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"  # hex HMAC-SHA256 of manifest.json with KB_EXPORT_SIGNING_KEY
UPDATE = "update.json"  # in an update bundle only: what changed since which commit
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # ZIP's earliest date: no export time in the bytes
BOOK_KEEPING = frozenset({MANIFEST, SIGNATURE, UPDATE})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_of(folder: Path) -> Iterator[str]:
    """Every file below ``folder`` as a sorted POSIX path."""
    yield from sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_manifest(folder: Path, facts: dict, key: str = "") -> dict:
    """``manifest.json`` (facts and the SHA-256 of every other file) and, with a key, its signature."""
    files = {name: sha256((folder / name).read_bytes()) for name in files_of(folder) if name not in BOOK_KEEPING}
    manifest = {**facts, "files": files}
    data = manifest_bytes(manifest)
    (folder / MANIFEST).write_bytes(data)
    if key:
        (folder / SIGNATURE).write_text(signature(data, key) + "\n", encoding="ascii")
    return manifest


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def signature(data: bytes, key: str) -> str:
    """HMAC-SHA256 (hex) of the manifest's bytes: ``openssl dgst -sha256 -hmac KEY manifest.json`` gives the same."""
    return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def write_zip(folder: Path, names: Iterable[str], out: Path) -> None:
    """The named files of ``folder`` as ``out``, byte-identical for identical files."""
    temporary = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(names):
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, (folder / name).read_bytes())
        os.replace(temporary, out)
    except BaseException:  # a full disk, Ctrl-C: leave nothing half-written behind
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def read_manifest(archive: zipfile.ZipFile) -> dict:
    """The manifest of an opened bundle; ValueError when it has none or it is not JSON."""
    try:
        return json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ValueError(f"no {MANIFEST}: not a bundle of this site") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{MANIFEST} is not JSON: {exc}") from None
