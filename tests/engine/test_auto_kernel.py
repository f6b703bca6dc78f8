"""kernel="auto", the default: which kernel runs, and that the result says which."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.engine import monte_carlo
from bpv.engine.monte_carlo import COMPILED_FROM_DRAWS, chosen_kernel

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
HAS_NUMBA = monte_carlo.available()


def test_auto_is_numpy_below_the_threshold_and_named_kernels_are_themselves():
    assert chosen_kernel("auto", COMPILED_FROM_DRAWS - 1) == "numpy"
    assert chosen_kernel("auto", 1) == "numpy"
    assert chosen_kernel("numpy", 10 * COMPILED_FROM_DRAWS) == "numpy"
    assert chosen_kernel("compiled", 1) == "compiled"


def test_auto_is_compiled_from_the_threshold_only_where_numba_imports(monkeypatch):
    expected = "compiled" if HAS_NUMBA else "numpy"
    assert chosen_kernel("auto", COMPILED_FROM_DRAWS) == expected
    monkeypatch.setattr(monte_carlo, "available", lambda: False)
    assert chosen_kernel("auto", COMPILED_FROM_DRAWS) == "numpy"
    monkeypatch.setattr(monte_carlo, "available", lambda: True)
    monkeypatch.setitem(sys.modules, "numba", None)  # installed, but its import fails
    assert chosen_kernel("auto", COMPILED_FROM_DRAWS) == "numpy"


def test_the_default_run_is_the_numpy_kernels_to_the_bit_and_says_so():
    bid = bpv.load(FRAILTY)
    default = bpv.appraise(bid, n_draws=4_000, rng=5)
    numpy_run = bpv.appraise(bid, n_draws=4_000, rng=5, kernel="numpy")
    assert default.provenance["kernel"] == "numpy"
    for name in ("npv", "nmb", "qalys"):
        np.testing.assert_array_equal(default[name], numpy_run[name])


def test_a_bad_kernel_is_refused_naming_the_choices():
    with pytest.raises(bpv.SpecError, match="auto"):
        bpv.appraise(bpv.load(FRAILTY), n_draws=100, kernel="fast")  # type: ignore[arg-type]


@pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed")
def test_auto_runs_and_records_the_compiled_kernel_for_a_large_run(monkeypatch):
    # The threshold lowered so that a "large" run is quick to test.
    monkeypatch.setattr(monte_carlo, "COMPILED_FROM_DRAWS", 2_000)
    bid = bpv.load(FRAILTY)
    auto = bpv.appraise(bid, n_draws=3_000, rng=5)
    compiled = bpv.appraise(bid, n_draws=3_000, rng=5, kernel="compiled")
    numpy_run = bpv.appraise(bid, n_draws=3_000, rng=5, kernel="numpy")
    assert auto.provenance["kernel"] == "compiled"
    assert auto.to_dict()["provenance"]["kernel"] == "compiled"
    for name in ("npv", "nmb", "qalys", "cost_pv"):
        np.testing.assert_array_equal(auto[name], compiled[name])
        # Not the numpy kernel's to the bit, but within a few units in the last place of
        # the metric's largest value (docs/appraisal.md).
        scale = float(np.max(np.abs(numpy_run[name])))
        assert float(np.max(np.abs(auto[name] - numpy_run[name]))) <= 1e-14 * scale
    batch = bpv.appraise_many([bid], n_draws=3_000, rng=5)
    assert batch.kernel == "compiled"
    assert batch.records[bid.id]["metrics"]["npv"]["mean"] == compiled.summary().rows["npv"][
        "mean"]
