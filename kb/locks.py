"""An exclusive lock between processes on a file (``fcntl.flock``), waiting or not, and handed
to a process being started (``claim`` in the parent, ``inherited_lock`` in the child)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold ``path`` exclusively; yields False at once when not waiting and another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_locked(path: Path) -> bool:
    """Whether another process holds ``path`` right now (without creating it when absent)."""
    if not path.exists():
        return False
    with file_lock(path, wait=False) as free:
        return not free


def claim(path: Path) -> int | None:
    """Take ``path`` for a process about to be started: a locked descriptor, or None when it is held.

    Pass the descriptor to the new process (``pass_fds``) and close it here without unlocking:
    the lock then lasts until that process lets go or exits, so no other process can start a
    second one in the moment before the new one would have taken the lock itself.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def inherited_lock(fd: int) -> Iterator[bool]:
    """Hold the lock the parent process ``claim``-ed for this one (descriptor ``fd``), and let go after the block."""
    try:
        yield True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)  # also for the pool processes that inherited the descriptor
        os.close(fd)
