"""When each content file last changed, from git history (mtime where git knows nothing)."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path


def last_changed(content_dir: Path) -> dict[str, dt.datetime]:
    """Path (relative to ``content_dir``) -> time of the newest commit touching it."""
    try:
        log = subprocess.run(
            ["git", "-C", str(content_dir), "log", "--format=%x00%ct", "--name-only", "--relative", "--", "."],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    changed: dict[str, dt.datetime] = {}
    when = None
    for line in log.splitlines():
        if line.startswith("\x00"):
            when = dt.datetime.fromtimestamp(int(line[1:]), tz=dt.UTC).replace(tzinfo=None)
        elif line and when is not None:
            changed.setdefault(line, when)
    return changed


def modified_time(path: Path) -> dt.datetime | None:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).replace(tzinfo=None)
