"""Text and lists past the limits of a bid's contents are refused, located, with the limit named."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import bpv
from bpv.spec._base import (
    MAX_CHANGES,
    MAX_DISCRETE_VALUES,
    MAX_ID_LENGTH,
    MAX_NODES,
    MAX_ORGANISATIONS,
    MAX_PARAMETERS,
    MAX_QUANTILES,
    MAX_SCENARIOS,
    MAX_TEXT_LENGTH,
    MAX_TITLE_LENGTH,
)

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"
PATHOLOGY = ROOT / "examples" / "bids" / "pathology_network.yaml"


def _doc(path: Path = FRAILTY) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc


def _problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(json.dumps(doc), format="json")
    return [str(problem) for problem in caught.value.problems]


def _text_too_long(limit: int) -> str:
    return f"text of {limit + 1:,} characters is longer than the limit of {limit:,} characters"


def _too_many(limit: int) -> str:
    return f"holds {limit + 1:,} items, more than the limit of {limit:,}"


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    parent: Any = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "limit"), [
    (("title",), MAX_TITLE_LENGTH),
    (("sponsor",), MAX_TITLE_LENGTH),
    (("description",), MAX_TEXT_LENGTH),
    (("organisations", 0, "name"), MAX_TITLE_LENGTH),
    (("nodes", 0, "label"), MAX_TITLE_LENGTH),
    (("nodes", 0, "description"), MAX_TEXT_LENGTH),
    (("nodes", 0, "unit"), MAX_TITLE_LENGTH),
    (("nodes", 0, "organisation"), MAX_ID_LENGTH),
    (("parameters", "admission_reduction", "hypothesis"), MAX_TEXT_LENGTH),
    (("parameters", "tariff", "source"), MAX_TEXT_LENGTH),
    (("parameters", "tariff", "owner"), MAX_TITLE_LENGTH),
    (("parameters", "tariff", "supports"), MAX_ID_LENGTH),
])
def test_text_one_past_its_limit_is_refused_where_it_is(path, limit):
    where = str(path[0]) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
    problems = _problems(_set(_doc(), path, "x" * (limit + 1)))
    assert any(problem.endswith(f"{where}: {_text_too_long(limit)} (docs/limits.md)")
               for problem in problems), problems


def test_text_at_its_limit_is_read():
    doc = _set(_doc(), ("title",), "x" * MAX_TITLE_LENGTH)
    doc = _set(doc, ("description",), "y" * MAX_TEXT_LENGTH)
    assert bpv.loads(json.dumps(doc), format="json").title == "x" * MAX_TITLE_LENGTH


def _nodes(doc: dict[str, Any]) -> None:
    doc["nodes"] += [{"id": f"n{i}", "kind": "input"}
                     for i in range(MAX_NODES + 1 - len(doc["nodes"]))]


def _organisations(doc: dict[str, Any]) -> None:
    doc["organisations"] = [{"id": f"o{i}", "name": "x"} for i in range(MAX_ORGANISATIONS + 1)]


def _parameters(doc: dict[str, Any]) -> None:
    doc["parameters"].update({f"p{i}": 1
                              for i in range(MAX_PARAMETERS + 1 - len(doc["parameters"]))})


def _discrete(doc: dict[str, Any]) -> None:
    doc["parameters"]["tariff"] = {"dist": "discrete", "values": [1.0] * (MAX_DISCRETE_VALUES + 1)}


def _quantiles(doc: dict[str, Any]) -> None:
    doc["parameters"]["tariff"] = {"dist": "quantiles", "probs": [0.5] * (MAX_QUANTILES + 1),
                                   "values": [1.0] * (MAX_QUANTILES + 1)}


@pytest.mark.parametrize(("grow", "where", "limit"), [
    (_nodes, "nodes", MAX_NODES),
    (_organisations, "organisations", MAX_ORGANISATIONS),
    (_parameters, "parameters", MAX_PARAMETERS),
    (_discrete, "parameters.tariff.values", MAX_DISCRETE_VALUES),
    (_quantiles, "parameters.tariff.probs", MAX_QUANTILES),
])
def test_lists_one_past_their_limit_are_refused(grow, where, limit):
    doc = _doc()
    grow(doc)
    problems = _problems(doc)
    message = _too_many(limit)
    assert any(f"{where}: {message}" in problem or f"{where}: holds more than" in problem
               for problem in problems), problems[:5]


def test_scenarios_and_changes_past_their_limits_are_refused():
    doc = _doc(PATHOLOGY)
    name, scenario = next(iter(doc["scenarios"].items()))
    doc["scenarios"] = {f"s{i}": scenario for i in range(MAX_SCENARIOS + 1)}
    problems = _problems(doc)
    assert any(f"scenarios: {_too_many(MAX_SCENARIOS)}" in problem for problem in problems)
    doc = _doc(PATHOLOGY)
    changes = doc["scenarios"][name]["changes"]
    doc["scenarios"][name]["changes"] = (changes * (MAX_CHANGES + 1))[:MAX_CHANGES + 1]
    problems = _problems(doc)
    assert any(f"scenarios.{name}.changes: {_too_many(MAX_CHANGES)}" in problem
               for problem in problems)


def test_a_huge_title_is_refused_at_once_on_the_command_line(tmp_path):
    path = tmp_path / "bid.yaml"
    text = FRAILTY.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Frailty virtual ward, North Place",
                                 "title: " + "x" * 1_500_000), encoding="utf-8")
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "bpv", "report", str(path), "-o",
                          str(tmp_path / "report.html"), "--draws", "200"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"title: text of 1,500,000 characters is longer than the limit of " \
           f"{MAX_TITLE_LENGTH} characters" in run.stdout + run.stderr
    assert time.monotonic() - start < 60
