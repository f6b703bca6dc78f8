"""Reading a file a user names: only a regular file, only up to a limit of bytes.

A device (``/dev/zero``), a pipe or a folder is never read, and no more than
``limit + 1`` bytes are read of anything, so a hostile path cannot make bpv
hang or fill its memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bpv.errors import LimitError, SpecError

__all__ = ["read_regular_file"]


def read_regular_file(path: str | os.PathLike[str], *, limit: int, what: str) -> bytes:
    """Return the bytes of a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path : str or path-like
    limit : int
        The most bytes accepted.
    what : str
        What the file is, for messages (``'an actuals file'``).

    Raises
    ------
    SpecError
        If the path is not a regular file.
    LimitError
        If the file is larger than ``limit`` bytes.
    OSError
        If it cannot be opened.
    """
    # Opened without blocking (a pipe with no writer would wait for ever) and checked
    # on the open descriptor, so the file read is the file checked.
    descriptor = os.open(Path(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        msg = f"not a regular file (a device, pipe or folder): {what} must be a regular file"
        raise SpecError(msg)
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        msg = f"the file is larger than {limit:,} bytes, the limit for {what} (docs/limits.md)"
        raise LimitError(msg)
    return data
