"""Absurd sizes are refused up front, with the reason and the limit, not run for hours."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bpv
from bpv.engine.budget import MAX_DRAWS, MAX_KEPT_BYTES, kept_bytes

ROOT = Path(__file__).resolve().parents[2]
BIDS = ROOT / "examples" / "bids"
FRAILTY, PATHOLOGY = BIDS / "frailty_virtual_ward.yaml", BIDS / "pathology_network.yaml"


def bpv_command(*args: str | Path) -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=False)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize("verb", ["appraise", "sensitivity"])
def test_a_trillion_draws_are_refused_at_once(verb):
    code, out = bpv_command(verb, FRAILTY, "--draws", "1000000000000", "--quiet")
    assert code == 1, out  # was: hours of work
    assert f"the limit is {MAX_DRAWS:,} a run" in out
    assert "internal error" not in out


@pytest.mark.parametrize("arguments", [("compare", FRAILTY, PATHOLOGY),
                                       ("scenarios", PATHOLOGY, "--quiet")])
def test_paired_runs_that_would_fill_the_memory_are_refused_before_they_start(arguments):
    code, out = bpv_command(*arguments, "--draws", "30000000")
    assert code == 1, out  # was: gigabytes allocated, then "internal error: MemoryError"
    assert "GiB of per-draw results; the limit is 8 GiB" in out
    assert "internal error" not in out


def test_appraise_says_how_to_keep_less():
    with pytest.raises(bpv.LimitError, match=r"keep a subsample of the draws \(keep_draws=False"):
        bpv.appraise(bpv.load(FRAILTY), n_draws=50_000_000)
    bid = bpv.load(FRAILTY)
    assert kept_bytes(bid, n_draws=50_000_000, keep_draws=False) < MAX_KEPT_BYTES


def _array_bytes(value: Any, seen: set[int]) -> int:
    """Bytes of every distinct numpy buffer a result holds."""
    if isinstance(value, np.ndarray):
        while isinstance(value.base, np.ndarray):
            value = value.base
        if id(value) in seen:
            return 0
        seen.add(id(value))
        return int(value.nbytes)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_array_bytes(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return sum(_array_bytes(item, seen) for item in value.values())
    if isinstance(value, list | tuple):
        return sum(_array_bytes(item, seen) for item in value)
    return 0


@pytest.mark.parametrize("name", ["frailty_virtual_ward", "pathology_network",
                                  "diabetes_prevention"])
@pytest.mark.parametrize("options", [{}, {"keep_flows": True}, {"keep_inputs": True},
                                     {"keep_draws": False}, {"keep_draws": 5_000}])
def test_the_estimate_is_an_upper_bound_close_to_what_a_result_holds(name, options):
    bid = bpv.load(BIDS / f"{name}.yaml")
    n_draws = 40_000
    result = bpv.appraise(bid, n_draws=n_draws, rng=1, progress=False, **options)
    held = _array_bytes(result, set())
    estimate = kept_bytes(bid, n_draws=n_draws, **options)
    assert held <= estimate <= 1.6 * held
