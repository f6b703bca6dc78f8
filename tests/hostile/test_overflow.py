"""Extreme but valid parameters, and amounts past what floats hold (issue 19, items 5 and 6).

Each runs through the command line in both kernels and with every sampling
method: a located message and exit 1, or finite results; never exit 70, a
printed ``inf`` or ``nan``, or a numpy warning.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv.engine.ledger import MAX_AMOUNT

ROOT = Path(__file__).resolve().parents[2]
RUNS = list(itertools.product(("numpy", "compiled"), ("mc", "lhs", "sobol")))


def bpv_command(*args: str | Path) -> tuple[int, str, str]:
    run = subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT, check=False)
    return run.returncode, run.stdout, run.stderr


def write_bid(tmp_path: Path, parameters: dict, nodes: list, *, horizon: int = 1,
              organisations: tuple[str, ...] = ("icb",)) -> Path:
    bid = {"id": "extreme", "title": "Extreme", "start_year": 2025, "horizon": horizon,
           "organisations": [{"id": org, "name": org.upper(), "role": "provider"}
                             for org in organisations],
           "parameters": {"c": {"dist": "uniform", "low": 1, "high": 2}, **parameters},
           "nodes": [{"id": "project", "kind": "activity", "start": 0}, *nodes]}
    path = tmp_path / "bid.json"
    path.write_text(json.dumps(bid))
    return path


def metric(formula: str) -> dict:
    return {"id": "m", "kind": "outcome", "formula": formula, "measure": "metric",
            "unit": "things"}


def cost(node_id: str, formula: str, organisation: str = "icb") -> dict:
    return {"id": node_id, "kind": "input", "formula": formula, "measure": "cost",
            "cost_type": "revenue", "organisation": organisation}


def saving(formula: str) -> dict:
    return {"id": "saved", "kind": "impact", "formula": formula,
            "measure": "cash_releasing", "organisation": "icb"}


def assert_clean(code: int, out: str, err: str) -> None:
    assert code in (0, 1), err
    assert "Warning" not in err, err
    assert "internal error" not in err, err
    if code == 0:
        for number in numbers(json.loads(out)["metrics"]):
            assert math.isfinite(number)


def numbers(value: object) -> list[float]:
    """Every number in a JSON document (null stands for undefined, and is skipped)."""
    if isinstance(value, dict):
        return [x for item in value.values() for x in numbers(item)]
    if isinstance(value, list):
        return [x for item in value for x in numbers(item)]
    return [value] if isinstance(value, float | int) and not isinstance(value, bool) else []


# -- item 5: extreme but valid parameters ------------------------------------------------

FINITE = {
    "gamma shape 1e200": {"dist": "gamma", "shape": 1e200, "scale": 1e-200},
    "gamma shape 1e-300": {"dist": "gamma", "shape": 1e-300, "scale": 1},
    "beta a=1e-300": {"dist": "beta", "a": 1e-300, "b": 1},
    "beta b=1e-300": {"dist": "beta", "a": 1, "b": 1e-300},
    "beta a=b=1e300": {"dist": "beta", "a": 1e300, "b": 1e300},
    "lognormal sd 1e300 times its mean": {"dist": "lognormal", "mean": 1, "sd": 1e300},
    "uniform of width 5e-324": {"dist": "uniform", "low": 0, "high": 5e-324},
    "normal sd 5e-324": {"dist": "normal", "mean": 1, "sd": 5e-324},
    "pert of width 2e-320": {"dist": "pert", "low": 0, "mode": 1e-320, "high": 2e-320},
}


@pytest.mark.parametrize("name", FINITE)
def test_extreme_parameters_give_finite_results(tmp_path, name):
    bid = bpv.load(write_bid(tmp_path, {"p": FINITE[name]},
                             [cost("f", "c"), metric("p * project")]))
    for kernel, method in RUNS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy's and scipy's warnings too
            result = bpv.appraise(bid, n_draws=4096, rng=1, kernel=kernel, method=method,
                                  progress=False)
        total = result.metric_nodes["m"].total
        assert np.isfinite(total).all(), (kernel, method)
        assert all(math.isfinite(row["mean"]) for name, row in result.summary().rows.items()
                   if name not in ("payback", "roi", "bcr", "cash_roi")), (kernel, method)


def test_extreme_parameters_through_the_command_line(tmp_path):
    path = write_bid(tmp_path, {"p": FINITE["beta a=1e-300"]},
                     [cost("f", "c"), metric("p * project")])
    for kernel, method in RUNS:
        code, out, err = bpv_command("appraise", path, "--draws", "4096", "--seed", "1",
                                     "--quiet", "--json", "--kernel", kernel, "--method", method)
        assert code == 0, (kernel, method, err)
        assert err == "", (kernel, method, err)
        assert_clean(code, out, err)


REFUSED = {
    "uniform ±1.7e308": ({"dist": "uniform", "low": -1.7e308, "high": 1.7e308},
                         "parameters.p: uniform: the range from low=-1.7e+308 to high=1.7e+308 "
                         "is too wide to sample"),
    "pert ±1.7e308": ({"dist": "pert", "low": -1.7e308, "mode": 0, "high": 1.7e308},
                      "parameters.p: pert: the range from low=-1.7e+308"),
    "triangular ±1.7e308": ({"dist": "triangular", "low": -1.7e308, "mode": 0, "high": 1.7e308},
                            "parameters.p: triangular: the range from low=-1.7e+308"),
    "lognormal mu 800": ({"dist": "lognormal", "mu": 800, "sigma": 1},
                         "parameters.p: lognormal needs mu <= 709.783 (got mu=800)"),
    "normal sd 1e308": ({"dist": "normal", "mean": 0, "sd": 1e308},
                        "parameters.p: Normal(mean=0, sd=1e+308) draws values past the largest "
                        "number"),
    "lognormal sigma 1e300": ({"dist": "lognormal", "mu": 0, "sigma": 1e300},
                              "parameters.p: LogNormal(mu=0, sigma=1e+300) draws values past"),
    "discrete of ±1.7e308": ({"dist": "discrete", "values": [-1.7e308, 1.7e308]},
                             "nodes[2] 'm' reaches "),
    "gamma shape 1e200 scale 1": ({"dist": "gamma", "shape": 1e200, "scale": 1},
                                  "nodes[2] 'm' reaches 1e+200"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_parameters_that_cannot_be_sampled_are_named(tmp_path, name):
    parameter, message = REFUSED[name]
    path = write_bid(tmp_path, {"p": parameter}, [cost("f", "c"), metric("p * project")])
    for kernel, method in RUNS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(bpv.SpecError) as caught:
                bpv.appraise(bpv.load(path), n_draws=4096, rng=1, kernel=kernel, method=method,
                             progress=False)
        assert message in str(caught.value), (kernel, method)


@pytest.mark.parametrize("name", ["uniform ±1.7e308", "normal sd 1e308"])
def test_parameters_that_cannot_be_sampled_through_the_command_line(tmp_path, name):
    parameter, message = REFUSED[name]
    path = write_bid(tmp_path, {"p": parameter}, [cost("f", "c"), metric("p * project")])
    for kernel, method in (("numpy", "mc"), ("compiled", "lhs"), ("compiled", "sobol")):
        code, _, err = bpv_command("appraise", path, "--draws", "4096", "--seed", "1",
                                   "--quiet", "--kernel", kernel, "--method", method)
        assert code == 1, (kernel, method, err)
        assert message in err, (kernel, method, err)
        assert len(err.strip().splitlines()) == 1, (kernel, method, err)


# -- item 6: overflow is named where it arises ---------------------------------------------

LEDGER = {
    "a cost near 1e308": (
        {"big": {"dist": "uniform", "low": 1e307, "high": 1.5e308}},
        [cost("funding", "big"), saving("c * project")], 5,
        "nodes[1] 'funding' reaches "),
    "a present value past the bound": (
        {"big": {"dist": "uniform", "low": 4e99, "high": 9e99}},
        [cost("funding", "big"), saving("c * project")], 5,
        "the present value of nodes[1] 'funding' reaches "),
    "an organisation's costs past the bound": (
        {"big": {"dist": "uniform", "low": 6e99, "high": 9e99}},
        [cost("funding", "big"), cost("more", "big"), saving("c * project")], 1,
        "the present value of the costs of the system reaches "),
    "a return on a cost of 1e-200": (
        {"tiny": {"dist": "uniform", "low": 1e-200, "high": 2e-200}},
        [cost("funding", "tiny"), saving("c * project")], 1,
        "the return on investment of the system reaches "),
}


@pytest.mark.parametrize("name", LEDGER)
def test_an_amount_past_the_bound_is_named_where_it_arises(tmp_path, name):
    parameters, nodes, horizon, message = LEDGER[name]
    path = write_bid(tmp_path, parameters, nodes, horizon=horizon)
    commands = [("appraise", "--quiet", "--kernel", kernel) for kernel in ("numpy", "compiled")]
    commands.append(("report", "--quiet", "-o", tmp_path / "r.html"))
    for command, *options in commands:
        code, out, err = bpv_command(command, path, "--draws", "3000", "--seed", "2", *options)
        assert code == 1, (options, out, err)
        assert message in err, (options, err)
        assert f"beyond ±{MAX_AMOUNT:.0e}" in err
        assert "Warning" not in err
        assert out == ""
    assert not (tmp_path / "r.html").exists()


def test_amounts_within_the_bound_give_finite_means_and_spreads(tmp_path):
    # Just under the bound everywhere: means, sds and quantiles are all finite.
    path = write_bid(tmp_path, {"big": {"dist": "uniform", "low": 1e98, "high": 2e98}},
                     [cost("funding", "big"), saving("c * project")])
    for kernel in ("numpy", "compiled"):
        code, out, err = bpv_command("appraise", path, "--draws", "20000", "--seed", "3",
                                     "--quiet", "--json", "--kernel", kernel)
        assert_clean(code, out, err)
        assert code == 0
        npv = json.loads(out)["metrics"]["npv"]
        assert -2e98 < npv["mean"] < -1e98
        assert 0 < npv["sd"] < 1e98
