"""One set of run flags on every command that appraises, meaning the same everywhere."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

import bpv
from bpv.cli._parser import build_parser
from bpv.engine.monte_carlo import DEFAULT_DRAWS, KERNELS, METHODS

RUN_FLAGS = ("--draws", "--seed", "--method", "--kernel", "--quiet")
APPRAISING = (("appraise",), ("report",), ("compare",), ("sensitivity",), ("scenarios",),
              ("batch",), ("portfolio",), ("track", "add"))
FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def _verb(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {flag: action for action in parser._actions for flag in action.option_strings}


@pytest.mark.parametrize("path", APPRAISING, ids=" ".join)
def test_every_appraising_command_takes_the_same_run_flags(path):
    options = _options(_verb(path))
    assert set(RUN_FLAGS) <= set(options), path
    assert tuple(options["--method"].choices) == METHODS
    assert tuple(options["--kernel"].choices) == KERNELS
    assert options["--kernel"].default == "auto"
    assert options["--seed"].default is None
    expected = 5_000 if path == ("portfolio",) else DEFAULT_DRAWS  # a portfolio's MILP
    assert options["--draws"].default == expected
    # --subsample only where a result keeps a subsample of its draws.
    assert ("--subsample" in options) == (path in {("appraise",), ("report",)})


@pytest.mark.parametrize("path", APPRAISING, ids=" ".join)
def test_the_flags_mean_the_same_everywhere(path):
    options = _options(_verb(path))
    for flag in RUN_FLAGS:
        reference = _options(_verb(("appraise",)))[flag]
        assert options[flag].type == reference.type, (path, flag)
        assert options[flag].metavar == reference.metavar, (path, flag)


def test_the_kernel_reaches_every_appraisal_and_gives_the_same_numbers():
    pytest.importorskip("numba")
    bid = bpv.load(FRAILTY)
    by_kernel = {kernel: bpv.compare([bid], n_draws=2_000, rng=3, kernel=kernel)
                 for kernel in ("numpy", "compiled")}
    for kernel, comparison in by_kernel.items():
        assert comparison.appraisals[bid.id].provenance["kernel"] == kernel
    np.testing.assert_allclose(by_kernel["compiled"].values("npv"),
                               by_kernel["numpy"].values("npv"), rtol=1e-9)
    table = bpv.scenarios(bpv.load("examples/bids/pathology_network.yaml"), n_draws=500,
                          rng=1, kernel="compiled")
    assert {a.provenance["kernel"] for a in table.appraisals.values()} == {"compiled"}
    drivers = bpv.sensitivity(bid, n_draws=1_000, rng=1, sobol_n=None, switching=False,
                              kernel="compiled")
    numpy_drivers = bpv.sensitivity(bid, n_draws=1_000, rng=1, sobol_n=None, switching=False)
    assert [row.input for row in drivers.inputs] == [row.input for row in numpy_drivers.inputs]
