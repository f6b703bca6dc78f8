"""A number in a bid is a number: booleans (YAML's yes, no, on, off) and text are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import bpv
from bpv.spec._base import expect_number, expect_whole_number
from bpv.spec.bid import Bid, Settings
from bpv.spec.correlations import Correlations
from bpv.spec.distributions import Beta, Normal, Pert
from bpv.spec.parameter import Parameter

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = (ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml").read_text(encoding="utf-8")

YAML_BOOLEAN = "(YAML reads yes, no, on and off as booleans)"


def _problems(old: str, new: str) -> list[str]:
    assert old in FRAILTY
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(FRAILTY.replace(old, new, 1))
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("horizon: 5", "horizon: on",
     f"line 12: horizon: expected a whole number, got the boolean true {YAML_BOOLEAN}"),
    ("horizon: 5", 'horizon: "5"',
     "line 12: horizon: expected a whole number, got the text '5'; write the number without "
     "quotes"),
    ("sd: 300", "sd: yes",
     f"line 32: parameters.tariff.sd: expected a number, got the boolean true {YAML_BOOLEAN}"),
    ("mean: 2800", 'mean: "2800"',
     "line 32: parameters.tariff.mean: expected a number, got the text '2800'; write the "
     "number without quotes"),
    ("mean: 2800", "mean: lots",
     "line 32: parameters.tariff.mean: expected a number, got the text 'lots'"),
    ("start: 0", "start: off",
     f"line 38: nodes[1].start: expected a number, got the boolean false {YAML_BOOLEAN}"),
    ("qaly_value: 70000", "qaly_value: true",
     f"line 20: settings.qaly_value: expected a number, got the boolean true {YAML_BOOLEAN}"),
    ("start_year: 2025", "start_year: '2025'",
     "line 11: start_year: expected a whole number, got the text '2025'; write the number "
     "without quotes"),
])
def test_a_boolean_or_text_for_a_number_is_a_located_problem(old, new, expected):
    problems = _problems(old, new)
    assert any(problem.endswith(expected) for problem in problems), problems


@pytest.mark.parametrize("value", [True, False, "1", "0.5", "one"])
@pytest.mark.parametrize("build", [
    lambda v: Normal(mean=v, sd=1),
    lambda v: Normal(mean=0, sd=v),
    lambda v: Beta(mean=0.5, sd=v),
    lambda v: Pert(low=0, mode=v, high=2),
    lambda v: Settings(qaly_value=v),
    lambda v: Parameter.model_validate({"dist": "fixed", "value": v}),
    lambda v: Parameter.model_validate({"dist": "discrete", "values": [1, v]}),
])
def test_no_numeric_field_reads_a_boolean_or_text(build, value):
    with pytest.raises(ValueError, match=r"expected a (whole )?number, got the"):
        build(value)


def test_numbers_from_python_still_work():
    # numpy scalars in a notebook; an int where a float belongs; a whole float for an int.
    assert Normal(mean=np.float64(2.5), sd=np.float32(1.5)).sd == 1.5
    assert Normal(mean=1, sd=2).mean == 1.0
    assert Settings(price_year=np.int64(2025)).price_year == 2025
    assert Settings(price_year=2025.0).price_year == 2025
    bid = bpv.loads(FRAILTY.replace("horizon: 5", "horizon: 5.0", 1))
    assert bid.horizon == 5
    assert isinstance(bid.horizon, int)


def test_boolean_fields_still_read_booleans():
    matrix = [[1, 0.5], [0.5, 1]]
    for spelling in (True, "yes", "on"):
        text = f"parameters: [a, b]\nmatrix: {matrix}\nrepair: {spelling}\n"
        correlations = Correlations.model_validate(yaml.safe_load(text))
        assert correlations.repair is True


def _unguarded(node: Any, path: tuple[Any, ...], found: dict[str, list[Any]]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "function-before" and node.get("function", {}).get(
                "function") in (expect_number, expect_whole_number):
            found["guarded"].append(path)
            return
        if node.get("type") in ("float", "int"):
            found["unguarded"].append(path)
        for key, value in node.items():
            _unguarded(value, (*path, key), found)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            _unguarded(value, (*path, index), found)


def test_every_number_of_a_bid_refuses_booleans_and_text():
    """Every int and float a bid holds is a Float, Int or Number of bpv.spec._base."""
    found: dict[str, list[Any]] = {"guarded": [], "unguarded": []}
    _unguarded(Bid.__pydantic_core_schema__, (), found)
    assert found["unguarded"] == []
    assert len(found["guarded"]) > 40
