"""Files written whole or not at all: into a temporary file beside the target, then renamed over
it, so a reader (the monitor, a resume, a kill at any moment) sees the old file or the new one,
never half of one. When the write fails (a full disk, a kill signal turned into an exception)
the temporary file is removed, so a failed write leaves nothing behind."""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

# errors that mean "this place cannot take the file" rather than a bug: reported in one line
DISK_ERRNOS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
}


@contextmanager
def atomic_open(path: str | Path, mode: str = "wb", fsync: bool = False) -> Iterator[IO]:
    """Open a temporary file to write `path` with; on a clean exit it replaces `path` (after an
    fsync of the file and its directory when `fsync`: a checkpoint must survive a power loss)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.filename is None:  # raised inside a writer that did not know
            e.filename = str(path)
        raise
    if fsync:
        fsync_dir(path.parent)


def write_text(path: str | Path, text: str, fsync: bool = False) -> Path:
    with atomic_open(path, "w", fsync) as f:
        f.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes, fsync: bool = False) -> Path:
    with atomic_open(path, "wb", fsync) as f:
        f.write(data)
    return Path(path)


def fsync_dir(d: str | Path) -> None:
    """Make a rename in `d` durable (where the platform lets a directory be opened)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class DiskError(Exception):
    """A run or an evaluation stopped because a file could not be written; the message says which
    and what to do (shown as one line by the CLI)."""


def is_disk_error(e: BaseException) -> bool:
    """An OSError about where a file goes (full, read-only, not permitted, not a directory)."""
    return isinstance(e, OSError) and e.errno in DISK_ERRNOS


@contextmanager
def unless_failing(failing: bool) -> Iterator[None]:
    """Clean-up after a failure: a disk error in it is dropped (the first error is the one to
    report, and the disk that caused it fails every later write too)."""
    try:
        yield
    except OSError as e:
        if not (failing and is_disk_error(e)):
            raise
