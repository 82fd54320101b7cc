"""``kb export --since OLD.zip``: an update bundle with only what changed since an older copy.

It holds the added and changed files, the new manifest, the update script and ``update.json``
(the old manifest's SHA-256, the removed files). ``apply_update.py`` applied to the unzipped old
copy then gives the same tree as a fresh export.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .bundle import MANIFEST, SIGNATURE, UPDATE, files_of, manifest_bytes, read_manifest, sha256


def old_manifest(path: Path) -> tuple[dict, bytes]:
    """The manifest of the older bundle (and its exact bytes); ValueError when it is no bundle."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read(MANIFEST)
            manifest = read_manifest(archive)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path.name} is not a bundle: {exc}") from None
    if UPDATE in manifest or "files" not in manifest:
        raise ValueError(f"{path.name} is not a full bundle")
    return manifest, data


def write_update_facts(folder: Path, old: dict, old_bytes: bytes, new: dict) -> list[str]:
    """Write ``update.json`` into ``folder`` (the fresh export); returns the files the update holds."""
    listed, before = new["files"], old["files"]
    changed = [name for name in files_of(folder) if name in listed and before.get(name) != listed[name]]
    facts = {
        "from_commit": old.get("commit"),
        "from_manifest": sha256(old_bytes),
        "to_commit": new.get("commit"),
        "changed": changed,
        "removed": sorted(set(before) - set(listed)),
    }
    (folder / UPDATE).write_bytes(manifest_bytes(facts))
    extra = [name for name in (MANIFEST, SIGNATURE) if (folder / name).exists()]
    return [*changed, *extra, UPDATE]


def same_kind(old: dict, new: dict) -> str | None:
    """Why an update from ``old`` cannot make ``new`` (another access level or areas), or None."""
    for key in ("access", "areas", "contacts"):
        if old.get(key) != new.get(key):
            return f"the older bundle has {key} {old.get(key)!r}, this export {new.get(key)!r}: export in full instead"
    return None
