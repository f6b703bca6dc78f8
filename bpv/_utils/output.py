"""Writing a file the user named: only a regular file or a new path, never an input, never half.

A report or schema is written to a new file beside the target, then renamed
over it, so a reader never sees half a file and a failed write leaves the old
one as it was. Before that, the target is checked: it must be a regular file
or not exist yet. A device (``/dev/null``), a pipe or a folder is refused
rather than replaced by a regular file, a symbolic link rather than replaced
by a file, and a target that is one of the command's own inputs (the bid being
reported) rather than overwritten.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from bpv.errors import SpecError

__all__ = ["output_problem", "write_whole", "write_whole_with"]


def output_problem(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
                   ) -> str | None:
    """Return why ``path`` must not be written, or None when it may be.

    Parameters
    ----------
    path : path-like
        The file to write.
    inputs : iterable of path-like
        Files the command reads; the output may be none of them.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> output_problem(folder / "report.html") is None
    True
    >>> output_problem(folder)
    'it is a folder; give a file name such as report.html'
    >>> (folder / "bid.yaml").write_text("id: x") and None
    >>> output_problem(folder / "bid.yaml", inputs=[folder / "bid.yaml"])
    'it is one of the input files; give another file name'
    """
    text = os.fspath(path)
    if not text:
        return "the name is empty; give a file name such as report.html"
    target = Path(text)
    try:
        status = target.lstat()
    except FileNotFoundError:
        return None if target.parent.is_dir() else f"no such directory '{target.parent}'"
    if stat.S_ISDIR(status.st_mode):
        return "it is a folder; give a file name such as report.html"
    if stat.S_ISLNK(status.st_mode):
        return "it is a symbolic link; give the file it points to, or a new file name"
    if not stat.S_ISREG(status.st_mode):
        return ("it is not a regular file (a device or a pipe); bpv writes only regular files, "
                "so it is left as it is")
    for source in inputs:
        try:
            if os.path.samefile(target, source):
                return "it is one of the input files; give another file name"
        except OSError:
            continue
    return None


def write_whole(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to a new file beside ``path``, then rename it into place.

    The file is made with mode "x" (not :func:`tempfile.mkstemp`, whose files
    only their owner may read), so it gets the permissions of any new file.

    Raises
    ------
    SpecError
        If ``path`` is empty, a folder, a symbolic link, a device or a pipe
        (:func:`output_problem`); nothing is written.
    OSError
        If the folder cannot be written; nothing is left behind.
    """
    def write(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8", newline="\n") as file:
            file.write(text)

    write_whole_with(path, write)


def write_whole_with(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Have ``write`` fill a new file beside ``path``, then rename it into place.

    For files a library writes itself (a workbook, a Parquet file): the
    temporary file is made first with mode "x", as :func:`write_whole`'s is,
    and ``write`` replaces its content. If ``write`` fails, nothing is left
    behind and the old file at ``path`` is as it was.

    Raises
    ------
    SpecError
        If ``path`` may not be written (:func:`output_problem`); nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.bin"
    >>> write_whole_with(target, lambda temporary: temporary.write_bytes(b"PAR1"))
    >>> target.read_bytes(), [p.name for p in target.parent.iterdir()]
    (b'PAR1', ['out.bin'])
    """
    problem = output_problem(path)
    if problem is not None:
        msg = f"cannot write '{os.fspath(path)}': {problem}"
        raise SpecError(msg)
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("x"):
            pass
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
