"""Compiled kernels kept on disk (bpv._kernel_cache): compiled once, loaded after."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bpv._utils import kernel_cache as _kernel_cache

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]
BID = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"

#: Appraise the bid with the compiled kernel in a new process; print what numba
#: did with the kernel and the results, exactly (float.hex).
SCRIPT = """
import json, sys
import bpv
from bpv.engine import compiled_kernel as compiled
from bpv.engine.ledger import LedgerPlan
bid = bpv.load(sys.argv[1])
result = bpv.appraise(bid, n_draws=5_000, rng=11, kernel="compiled", progress=False)
source = compiled.kernel_source(bid, bid.evaluation_order(), LedgerPlan.from_bid(bid))
stats = compiled._compile(source).stats
print(json.dumps({
    "hits": sum(stats.cache_hits.values()),
    "misses": sum(stats.cache_misses.values()),
    "npv": [float(x).hex() for x in result["npv"]],
    "qalys": [float(x).hex() for x in result["qalys"]],
}))
"""


def appraise_in_new_process(cache: str, home: Path, **variables: str) -> dict[str, object]:
    environment = {**os.environ, "BPV_CACHE_DIR": cache, "HOME": str(home), **variables}
    environment.pop("XDG_CACHE_HOME", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(BID)], capture_output=True,
                         text=True, check=True, env=environment)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_a_new_process_loads_the_kernel_compiled_by_an_earlier_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = appraise_in_new_process(str(cache), tmp_path)
    second = appraise_in_new_process(str(cache), tmp_path)
    assert (first["hits"], first["misses"]) == (0, 1)  # compiled, and kept
    assert (second["hits"], second["misses"]) == (1, 0)  # loaded, not compiled
    assert second["npv"] == first["npv"]
    assert second["qalys"] == first["qalys"]
    kept = list((cache / "kernels").glob("bpv_kernel_*.py"))
    assert len(kept) == 1
    assert "def kernel(P, G, profiles," in kept[0].read_text()


def test_an_empty_cache_setting_compiles_in_memory_and_writes_nothing(tmp_path: Path) -> None:
    cached = appraise_in_new_process(str(tmp_path / "cache"), tmp_path / "a")
    uncached = appraise_in_new_process("", tmp_path / "b")
    assert uncached["hits"] == 0
    assert uncached["npv"] == cached["npv"]  # the same machine code, the same bits
    assert not (tmp_path / "b").exists()  # not even the default folder under HOME


def test_where_numba_cannot_keep_code_everything_compiles_in_memory(tmp_path: Path) -> None:
    # Only the locator for zipped packages: numba finds nowhere to cache a
    # function of a plain file, as on a machine whose folders are all read-only.
    cached = appraise_in_new_process(str(tmp_path / "cache"), tmp_path)
    nowhere = appraise_in_new_process(str(tmp_path / "cache"), tmp_path,
                                      NUMBA_CACHE_LOCATOR_CLASSES="ZipCacheLocator")
    assert nowhere["hits"] == 0
    assert nowhere["npv"] == cached["npv"]


def test_an_edited_kernel_file_is_replaced_and_never_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPV_CACHE_DIR", str(tmp_path))
    source = "VALUE = 41 + 1\n"
    module, kept = _kernel_cache.import_source(source, "bpv_test")
    assert kept
    path = Path(module.__file__ or "")
    assert path.parent == tmp_path / "kernels"
    assert path.read_text() == source
    monkeypatch.delitem(sys.modules, module.__name__)
    path.write_text("raise SystemExit('edited')\n")
    again, kept = _kernel_cache.import_source(source, "bpv_test")
    assert kept
    assert again.VALUE == 42
    assert path.read_text() == source
    monkeypatch.delitem(sys.modules, again.__name__)


def test_a_folder_that_cannot_be_written_means_no_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BPV_CACHE_DIR", str(blocker))  # kernels/ cannot be made inside a file
    module, kept = _kernel_cache.import_source("VALUE = 1\n", "bpv_test")
    assert not kept  # no file: numba will not cache, but the source still runs
    assert module.VALUE == 1
    assert not list(tmp_path.rglob("*.py"))
    monkeypatch.delitem(sys.modules, module.__name__)


def test_the_default_folder_follows_each_platforms_convention() -> None:
    from pathlib import PurePosixPath, PureWindowsPath

    home = PurePosixPath("/home/ann")
    assert _kernel_cache.directory_for({}, "linux", home) == home / ".cache/bpv/kernels"
    assert _kernel_cache.directory_for({"XDG_CACHE_HOME": "/c"}, "linux", home) \
        == PurePosixPath("/c/bpv/kernels")
    windows = _kernel_cache.directory_for({"LOCALAPPDATA": r"C:\Users\ann\AppData\Local"},
                                          "win32", PureWindowsPath(r"C:\Users\ann"))
    assert windows == PureWindowsPath(r"C:\Users\ann\AppData\Local\bpv\Cache\kernels")


def test_without_a_home_folder_or_a_setting_there_is_no_cache(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("BPV_CACHE_DIR")
    monkeypatch.setattr(Path, "home", no_home)
    assert _kernel_cache.cache_directory() is None
    monkeypatch.setenv("BPV_CACHE_DIR", "/srv/bpv")
    assert _kernel_cache.cache_directory() == Path("/srv/bpv/kernels")
