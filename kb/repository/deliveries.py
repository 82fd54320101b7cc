"""Webhook deliveries received lately, shared by all workers, so a replayed one starts nothing.

GitHub names each delivery (``X-GitHub-Delivery``, a GUID). The last ``KEPT`` names are kept,
as fixed-size digests, in ``webhook-deliveries.json`` in the instance folder, read and
written under a lock: the file stays small whatever the senders send.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from ..locks import file_lock

DELIVERIES_FILE = "webhook-deliveries.json"
KEPT = 1000  # deliveries remembered (33 bytes each in the file)

log = logging.getLogger(__name__)


def first_delivery(folder: Path | str, delivery_id: str | None) -> bool:
    """Remember ``delivery_id``; False when it is one of the last ``KEPT`` seen (a replay).

    No id, or a file that cannot be written (a full disk), counts as a first delivery: the
    webhook still works, and the updater lock still keeps it to one process.
    """
    if not delivery_id:
        return True
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:32]
    path = Path(folder) / DELIVERIES_FILE
    try:
        with file_lock(path.with_suffix(".lock")):
            seen = _read(path)
            if digest in seen:
                return False
            _write(path, [*seen, digest][-KEPT:])
    except OSError as error:
        log.warning("webhook deliveries: cannot record %s in %s: %s", delivery_id[:64], path, error)
    return True


def _read(path: Path) -> list[str]:
    try:
        seen = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [s for s in seen if isinstance(s, str)] if isinstance(seen, list) else []


def _write(path: Path, seen: list[str]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(seen))
    os.replace(tmp, path)
