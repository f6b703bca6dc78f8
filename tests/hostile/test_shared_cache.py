"""The kernel cache holds pickles numba loads: used only while it is whole and this account's.

Each run is a new process, as a reviewer's next command is, so numba really
reads (or refuses) what the earlier run left on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]
BID = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
SCRIPT = """
import json, sys, warnings
import bpv
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = bpv.appraise(bpv.load(sys.argv[1]), n_draws=2_000, rng=3, kernel="compiled",
                          progress=False)
print(json.dumps({"npv": [float(x).hex() for x in result["npv"]],
                  "warnings": [str(w.message) for w in caught]}))
"""


def appraise(cache: Path) -> dict[str, list[str]]:
    environment = {**os.environ, "BPV_CACHE_DIR": str(cache)}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(BID)], capture_output=True,
                         text=True, check=False, env=environment, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_the_cache_folder_is_created_for_its_owner_only(tmp_path):
    appraise(tmp_path / "cache")
    assert (tmp_path / "cache" / "kernels").stat().st_mode & 0o777 == 0o700


def test_entries_cut_short_are_compiled_again_not_an_error_for_ever(tmp_path):
    cache = tmp_path / "cache"
    first = appraise(cache)
    entries = sorted((cache / "kernels" / "__pycache__").glob("*.nb[ic]"))
    assert {path.suffix for path in entries} == {".nbi", ".nbc"}
    for path in entries:  # as a full disk or a killed process leaves them
        path.write_bytes(path.read_bytes()[:10])
    second = appraise(cache)  # was: "UnpicklingError: pickle data was truncated", every run
    assert second["npv"] == first["npv"]
    assert second["warnings"] == []
    assert all(path.stat().st_size > 10 for path in entries)  # written whole again


@pytest.mark.skipif(os.name == "nt", reason="POSIX owners and modes")
def test_a_cache_others_can_write_is_not_used(tmp_path):
    cache = tmp_path / "cache"
    reference = appraise(tmp_path / "own")
    (cache / "kernels").mkdir(parents=True)
    (cache / "kernels").chmod(0o777)
    result = appraise(cache)
    assert result["npv"] == reference["npv"]
    (warning,) = result["warnings"]
    assert "the kernel cache is not used" in warning
    assert "can be written by other users (mode 777)" in warning
    assert list((cache / "kernels").iterdir()) == []  # nothing written to, or read from, it


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0,
                    reason="giving a file to another user needs root")
def test_a_kernel_file_another_user_owns_is_not_used(tmp_path):
    cache = tmp_path / "cache"
    reference = appraise(cache)
    (kernel,) = (cache / "kernels").glob("bpv_kernel_*.py")
    os.chown(kernel, 65534, 65534)  # nobody: could have put anything in its pickles
    result = appraise(cache)
    assert result["npv"] == reference["npv"]
    (warning,) = result["warnings"]
    assert "belongs to another user (uid 65534)" in warning
