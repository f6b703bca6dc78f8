"""Sanity checks: every plausible mistake of tests/data/sanity/ fails ``validate --strict``.

Each file there is a valid bid with one mistake and ``# expect:`` lines (as in
tests/data/invalid/) naming the line, the place and the start of the warning;
every bid of examples/ passes ``--strict``.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpv
from bpv.cli import main
from bpv.engine.assembly import imbalance_finding
from bpv.engine.sanity import SAMPLE_CHECKS, SAMPLE_DRAWS, check_bid, draw_sample
from bpv.spec.lint import CHECKS, lint
from bpv.spec.sanity import MAX_QALY_VALUE, MIN_QALY_VALUE
from bpv.spec.units import CARE_UNITS, quantity_of, unit_mismatches
from tests.builders import small_bid

ROOT = Path(__file__).resolve().parents[2]
SANITY = ROOT / "tests" / "data" / "sanity"
FILES = sorted(SANITY.glob("*.yaml"))
EXAMPLES = sorted(path for path in (ROOT / "examples").rglob("*.yaml")
                  if path.name != "constraints.yaml")
_EXPECT = re.compile(r"^# expect: line (\d+) \| ([^|]*) \| (.*)$")


def expectations(path: Path) -> list[tuple[int, str, str]]:
    return [(int(m.group(1)), m.group(2).strip(), m.group(3))
            for m in map(_EXPECT.match, path.read_text(encoding="utf-8").splitlines()) if m]


def test_every_sanity_check_has_a_file_that_trips_it():
    found = {warning["check"] for path in FILES
             for warning in json.loads(_validate_json(path))["files"][0]["warnings"]}
    assert found == {"share-above-one", "qaly-value", "factor-above-one", "mixed-units",
                     "negative-value", "unbalanced-transfers"}


def _validate_json(path: Path) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["validate", "--json", str(path)])
    return out.getvalue()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_strict_validate_fails_and_names_the_place(path, capsys):
    expected = expectations(path)
    assert expected, "every file states what it expects"
    assert main(["validate", str(path)]) == 0  # a warning alone passes
    capsys.readouterr()
    assert main(["validate", "--strict", str(path)]) == 1
    out = capsys.readouterr().out
    for line, location, message in expected:
        assert f"{path}:{line}: warning: {location}: {message}" in out, out
        assert "nodes[" not in location or "['" in location, "nodes are named by id"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_json_report_holds_the_warnings(path):
    report = json.loads(_validate_json(path))
    (entry,) = report["files"]
    assert entry["valid"]
    assert not entry["problems"]
    found = [(w["line"], w["location"], w["severity"]) for w in entry["warnings"]]
    assert found == [(line, location, "warning") for line, location, _ in expectations(path)]
    assert all(w["check"] in {*CHECKS, *SAMPLE_CHECKS} for w in entry["warnings"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_passes_strict_validation(path, capsys):
    assert main(["validate", "--strict", str(path)]) == 0, capsys.readouterr().out


def test_findings_are_the_same_from_python():
    bid = bpv.load(SANITY / "negative_cost.yaml")
    (finding,) = bpv.check_bid(bid)
    assert (finding.location, finding.check, finding.severity) == (
        "nodes['funding']", "negative-value", "warning")
    assert bpv.lint(bid) == []  # the sample's checks are not among those that read the bid
    assert bpv.check_bid(bid) == [finding]  # a fixed seed: the same findings every time


def test_the_negative_count_is_the_samples(tmp_path):
    # ward_cost - grant with ward_cost ~ pert(350k, 400k, 520k) and grant 450k: count directly.
    bid = bpv.load(SANITY / "negative_cost.yaml")
    sample = draw_sample(bid)
    negative = int(np.count_nonzero(sample.inputs["ward_cost"] < 450_000))
    (finding,) = check_bid(bid)
    assert f"{negative} of {SAMPLE_DRAWS} sampled draws go below 0" in finding.message
    assert f"{round(float(sample.inputs['ward_cost'].min()) - 450_000):,}" in finding.message


def test_appraise_warns_of_unbalanced_transfers_in_the_words_validate_uses():
    bid = bpv.load(SANITY / "unbalanced_transfers.yaml")
    (finding,) = check_bid(bid)
    with pytest.warns(bpv.BidWarning) as caught:
        bpv.appraise(bid, n_draws=256, rng=1)
    assert finding.message in [str(w.message) for w in caught]
    # the acute trust receives 0.9 of what the ICB pays: they differ by 10% of the largest
    assert "differs by up to 10.0% of the largest transfer" in finding.message
    assert imbalance_finding(bid, 0.0) is None


def test_a_bid_whose_sample_cannot_be_evaluated_is_an_error(tmp_path, capsys):
    text = (SANITY / "negative_cost.yaml").read_text()
    path = tmp_path / "bid.yaml"
    path.write_text(text.replace('"ward_cost - grant"', '"ward_cost / (grant - grant)"'))
    findings = check_bid(bpv.load(path))
    assert [(f.severity, f.check) for f in findings] == [("error", "evaluates")]
    assert main(["validate", str(path)]) == 1  # an error fails without --strict
    assert "cannot be evaluated" in capsys.readouterr().out


@pytest.mark.parametrize(("value", "flagged"), [
    (0, False), (MIN_QALY_VALUE - 1, True), (MIN_QALY_VALUE, False), (70_000, False),
    (MAX_QALY_VALUE, False), (MAX_QALY_VALUE + 1, True)])
def test_the_value_of_a_qaly_is_questioned_outside_its_range(value, flagged):
    bid = small_bid([{"id": "c", "kind": "input", "formula": "1", "measure": "cost",
                      "cost_type": "revenue", "organisation": "a"}],
                    settings={"qaly_value": value})
    assert [f.check for f in lint(bid)] == (["qaly-value"] if flagged else [])


def test_a_rate_with_its_own_unit_is_not_a_share():
    nodes = [{"id": "c", "kind": "input", "formula": "admit_rate", "measure": "cost",
              "cost_type": "revenue", "organisation": "a"}]
    as_share = small_bid(nodes, {"admit_rate": {"dist": "uniform", "low": 20, "high": 40}})
    per_thousand = small_bid(nodes, {"admit_rate": {"dist": "uniform", "low": 20, "high": 40,
                                                    "unit": "per 1,000 people"}})
    assert [f.location for f in lint(as_share)] == ["parameters.admit_rate"]
    assert lint(per_thousand) == []


def test_findings_come_in_document_order():
    bid = bpv.loads((SANITY / "mixed_units.yaml").read_text().replace(
        "qaly_value: 70000", "qaly_value: 70").replace(
        "admit_rate: {dist: beta, mean: 0.35, sd: 0.05}", "admit_rate: {dist: fixed, value: 35}"))
    assert [f.location for f in check_bid(bid)] == [
        "settings.qaly_value", "parameters.admit_rate", "nodes['acute_saving'].formula"]


# -- units -----------------------------------------------------------------------------------


@given(st.sampled_from(sorted(CARE_UNITS)), st.sampled_from(["", " a year", " per year"]),
       st.sampled_from([str.lower, str.upper, str.title]))
def test_every_registered_unit_is_recognised_however_written(quantity, per, case):
    for word in (quantity, *CARE_UNITS[quantity]):
        assert quantity_of(case(word) + per) == quantity


@given(st.text(alphabet="xyz ", min_size=1, max_size=12))
def test_free_text_is_never_a_unit(text):
    assert quantity_of(text) is None


@pytest.mark.parametrize(("formula", "pairs"), [
    ("a + b", [("a", "b")]),
    ("a - b", [("a", "b")]),
    ("a > b", [("a", "b")]),
    ("-a + b * 2", []),
    ("a * 2 + b", []),
    ("a + c", []),  # c's unit is not recognised
    ("a + a2", []),  # the same quantity, however written
    ("(a + b) * c + d", [("a", "b")]),
    ("max(a + b, 0)", [("a", "b")]),
])
def test_unit_mismatches_are_names_added_or_compared_directly(formula, pairs):
    units = {"a": "admissions", "a2": "Admissions a year", "b": "bed days", "c": "widgets",
             "d": "admissions"}
    assert unit_mismatches(formula, units) == pairs


def test_the_sample_is_quiet():
    # the sample's run warns nothing: validate reports what it finds as findings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_bid(bpv.load(ROOT / "examples" / "bids" / "frailty_virtual_ward.yaml"))
