"""Reading design files: regular files inside the design directory, bounded in size.

A design source is text a reviewer can see in the pull request. A symlink is not read (the
file it points at may live outside the repository — `/etc/passwd`, `/dev/zero` — or change
without a diff), nor is anything that is not a regular file (a FIFO would block the check
forever, a device would be read without end), nor a file larger than :data:`MAX_BYTES`. The
file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked again on the open descriptor, so
a file swapped for a link between the check and the read is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_BYTES = 8 * 1024 * 1024
_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class Refused(Exception):
    """The file is not read: ``rule`` (L020 not a regular file, L021 too large) and why."""

    def __init__(self, rule: str, why: str) -> None:
        super().__init__(why)
        self.rule = rule
        self.why = why


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(st: os.stat_result, path: Path, limit: int) -> None:
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        raise Refused("L020", f"it is a symlink (to {target}); design files are regular files "
                              "inside design/ — copy the file here instead of linking it")
    if stat.S_ISDIR(st.st_mode):  # a folder named like a file: the caller says rename it
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(st.st_mode):
        raise Refused("L020", f"it is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise Refused("L021", f"it has {st.st_size:,} bytes, more than the {limit:,} a design "
                              "file may have; split it")


def read_regular(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``path``, a regular file (not a symlink) of at most ``limit`` bytes.

    Raises :class:`Refused` for anything else, OSError when the file cannot be read
    (IsADirectoryError for a folder)."""
    _check(os.lstat(path), path, limit)
    fd = os.open(path, _FLAGS)
    try:
        _check(os.fstat(fd), path, limit)  # what was opened, not what was looked at
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise Refused("L021", f"it has more than the {limit:,} bytes a design file "
                                      "may have; split it")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
