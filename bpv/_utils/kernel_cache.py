"""Where compiled kernels are kept, so that numba compiles each bid once per machine.

numba keeps a function's machine code on disk (``cache=True``) only when the
function is defined in a file it can find again: it stores the code in
``__pycache__`` beside that file, keyed by the file's time stamp and size, the
function's types, and the versions of numba and Python. A bid's kernel is
source written at run time (:func:`bpv.engine.compiled_kernel.kernel_source`), so it is
written to a file first, named by the digest of its text, in the kernel cache
directory, and imported from there.

The directory is ``$BPV_CACHE_DIR`` when that is set (an empty value turns the
cache off), else the platform's cache directory: ``$XDG_CACHE_HOME/bpv`` or
``~/.cache/bpv`` on Linux, ``~/Library/Caches/bpv`` on macOS,
``%LOCALAPPDATA%/bpv/Cache`` on Windows; kernels go in its ``kernels``
folder. Deleting it is always safe. When it cannot be written, kernels are
compiled in memory, as without a cache.

What runs is always the kernel's source as bpv wrote it in this process; a
file whose text differs (edited, or left half written) is replaced, which
also tells numba its cached code is stale.

numba loads its cached code with :mod:`pickle`, which can run code, so the
cache is used only while it is this account's alone, as pip and ssh treat
their own folders: the folder is created readable by its owner only (0700),
and a kernels folder, ``__pycache__`` or kernel file that another user owns or
that others may write is not used: bpv warns once and compiles in a private
temporary folder instead. A cached entry that is not whole (a file cut short
by a full disk or a killed process) is deleted before numba reads it, and the
function is compiled again; its pickles are checked by
:func:`pickletools.genops`, which reads them without running them.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import pickletools
import shutil
import stat
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any

from bpv.errors import BPVWarning

__all__ = ["ENVIRONMENT_VARIABLE", "cache_directory", "directory_for", "discard_broken_entries",
           "import_source", "jit"]

#: Set to a directory to keep compiled kernels there, or to an empty value for none.
ENVIRONMENT_VARIABLE = "BPV_CACHE_DIR"


def cache_directory() -> Path | None:
    """Return the folder compiled kernels are kept in, or None when caching is off.

    None too when the folder would be in a home folder that cannot be found
    (an account without one) and ``$BPV_CACHE_DIR`` does not name another.
    """
    try:
        home: Path | None = Path.home()
    except RuntimeError:  # "Could not determine home directory"
        home = None
    directory = directory_for(os.environ, sys.platform, home)
    return None if directory is None else Path(directory)


def directory_for(environment: Mapping[str, str], platform: str,
                  home: PurePath | None) -> PurePath | None:
    """Return the kernel cache folder for these environment variables, platform and home.

    None when ``BPV_CACHE_DIR`` is empty, or is not set and there is no home.

    Examples
    --------
    >>> from pathlib import PurePosixPath as P
    >>> directory_for({"BPV_CACHE_DIR": "/srv/bpv"}, "linux", P("/home/ann")).as_posix()
    '/srv/bpv/kernels'
    >>> directory_for({"BPV_CACHE_DIR": ""}, "linux", P("/home/ann")) is None
    True
    >>> directory_for({}, "linux", P("/home/ann")).as_posix()
    '/home/ann/.cache/bpv/kernels'
    >>> directory_for({}, "darwin", P("/Users/ann")).as_posix()
    '/Users/ann/Library/Caches/bpv/kernels'
    """
    chosen = environment.get(ENVIRONMENT_VARIABLE)
    if chosen is not None:
        return Path(chosen).expanduser() / "kernels" if chosen else None
    if home is None:
        return None
    if platform == "win32":
        local = environment.get("LOCALAPPDATA")
        root = (type(home)(local) if local else home / "AppData" / "Local") / "bpv" / "Cache"
    elif platform == "darwin":
        root = home / "Library" / "Caches" / "bpv"
    else:
        cache = environment.get("XDG_CACHE_HOME")
        root = (type(home)(cache) if cache else home / ".cache") / "bpv"
    return root / "kernels"


def import_source(source: str, prefix: str) -> tuple[ModuleType, bool]:
    """Run ``source`` as a module, its file kept in the cache directory where it can be.

    Returns the module and whether its file is kept (False when there is no
    cache directory or it cannot be written: the module then has no file,
    and numba cannot cache its functions). The module is named
    ``<prefix>_<digest of source>`` and registered in :data:`sys.modules`
    (numba finds a cached function's module by its name). What runs is
    ``source`` itself, never the file's text; the file, written only when
    missing or different (so that its time stamp, and with it numba's cached
    code, stays valid), is where numba looks for the function and keeps its
    code.
    """
    name = f"{prefix}_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    if name in sys.modules:
        module = sys.modules[name]
        return module, getattr(module, "__file__", None) is not None
    path = _kept_file(name, source)
    module = ModuleType(name)
    if path is not None:
        module.__file__ = str(path)
    code = compile(source, f"<{name}>" if path is None else str(path), "exec")
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the caller's source, not the file's text
    except BaseException:
        del sys.modules[name]
        raise
    return module, path is not None


def _kept_file(name: str, source: str) -> Path | None:
    """Write ``source`` to ``<cache directory>/<name>.py``; None if it cannot be kept."""
    directory = cache_directory()
    if directory is None:
        return None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / f"{name}.py"
        shared = _shared_entry(directory, directory / "__pycache__", path)
        if shared is not None:
            directory = _private_directory(shared)
            path = directory / f"{name}.py"
        _write_unless_same(path, source)
    except OSError:
        return None
    return path


def _shared_entry(*paths: Path) -> str | None:
    """Say why the first of ``paths`` that others could change is not this account's alone.

    None when every path that exists is owned by this user, is no symbolic
    link, and is writable by no group or other user (or on Windows, which has
    no such bits).
    """
    if os.name == "nt":  # pragma: no cover - POSIX owners and modes only
        return None
    for path in paths:
        try:
            status = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(status.st_mode):
            return f"{path} is a symbolic link"
        if status.st_uid != os.getuid():
            return f"{path} belongs to another user (uid {status.st_uid})"
        if status.st_mode & 0o022:
            return f"{path} can be written by other users (mode {status.st_mode & 0o777:o})"
    return None


_private: list[Path] = []
_private_lock = threading.Lock()


def _private_directory(reason: str) -> Path:
    """Return this process's own temporary kernels folder, warning once why it is used."""
    with _private_lock:
        if not _private:
            folder = Path(tempfile.mkdtemp(prefix="bpv-kernels-"))  # created 0700
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _private.append(folder)
            warnings.warn(f"the kernel cache is not used: {reason}; compiled kernels are kept "
                          f"in a private temporary folder for this run only (make the cache "
                          f"folder yours alone, or set {ENVIRONMENT_VARIABLE})",
                          BPVWarning, stacklevel=4)
        return _private[0]


def _write_unless_same(path: Path, text: str) -> None:
    with contextlib.suppress(FileNotFoundError, UnicodeDecodeError):
        if path.read_text(encoding="utf-8") == text:
            return
    # Written aside, then moved into place: no process imports half a file.
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def jit(function: Callable[..., Any], *, cache: bool = True, **options: Any) -> Any:
    """Return ``numba.njit(**options)(function)``, its machine code cached on disk.

    numba keeps the code beside the function's file or in its own cache
    folder (``$NUMBA_CACHE_DIR``); where it can write to neither, or with
    ``cache=False``, the function is compiled in memory in every process.
    """
    import numba

    if cache:
        discard_broken_entries(Path(function.__code__.co_filename), function.__qualname__)
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            pass
    return numba.njit(**options)(function)


def discard_broken_entries(source_file: Path, qualname: str) -> list[Path]:
    """Delete a function's numba cache entries if any of them is not whole; return those deleted.

    numba keeps a function's index (``.nbi``: two pickles) and machine code
    (``.nbc``: one pickle each) in ``__pycache__`` beside its source file. A
    file cut short makes every later load fail ("pickle data was truncated")
    until it is deleted by hand. Each file is parsed with
    :func:`pickletools.genops`, which reads a pickle's opcodes without
    running them; if any is not whole, all the function's entries go, and
    numba compiles it again.

    Examples
    --------
    >>> import pickle, tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "__pycache__"
    >>> folder.mkdir()
    >>> index = (folder / "m.f-3.py311.nbi").write_bytes(pickle.dumps("v") + pickle.dumps((1, {})))
    >>> cut = (folder / "m.f-3.py311.1.nbc").write_bytes(pickle.dumps(("code",))[:-3])
    >>> [path.name for path in discard_broken_entries(folder.parent / "m.py", "f")]
    ['m.f-3.py311.1.nbc', 'm.f-3.py311.nbi']
    >>> sorted(folder.iterdir())
    []
    """
    folder = source_file.parent / "__pycache__"
    prefix = f"{source_file.stem}.{qualname}-"
    try:
        entries = sorted(path for path in folder.iterdir()
                         if path.name.startswith(prefix) and path.suffix in (".nbi", ".nbc"))
    except OSError:
        return []
    if all(_whole_pickles(path, 2 if path.suffix == ".nbi" else 1) for path in entries):
        return []
    for path in entries:
        with contextlib.suppress(OSError):
            path.unlink()
    return entries


def _whole_pickles(path: Path, count: int) -> bool:
    """Whether the file is exactly ``count`` complete pickles, read without running them."""
    try:
        data = path.read_bytes()
        stream = io.BytesIO(data)
        for _ in range(count):
            for _ in pickletools.genops(stream):
                pass
    except (OSError, ValueError):  # genops: "pickle exhausted before seeing STOP"
        return False
    return stream.tell() == len(data)
