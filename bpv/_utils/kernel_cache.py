"""Where compiled kernels are kept, so that numba compiles each bid once per machine.

numba keeps a function's machine code on disk (``cache=True``) only when the
function is defined in a file it can find again: it stores the code in
``__pycache__`` beside that file, keyed by the file's time stamp and size, the
function's types, and the versions of numba and Python. A bid's kernel is
source written at run time (:func:`bpv.compiled.kernel_source`), so it is
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
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from types import ModuleType
from typing import Any

__all__ = ["ENVIRONMENT_VARIABLE", "cache_directory", "directory_for", "import_source", "jit"]

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
    path = directory / f"{name}.py"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write_unless_same(path, source)
    except OSError:
        return None
    return path


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
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            pass
    return numba.njit(**options)(function)
