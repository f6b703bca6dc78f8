"""Every JSON document bpv writes carries its schema_version and validates against its schema.

The documents are the commands' own output on the bundled examples (a
multi-organisation bid, a bid with scenarios, a comparison of three bids, a
batch with an invalid file, the portfolio example, a register with a quarter's
actuals), and appraisals of generated bids; a document of another shape (a key
missing, added, retyped, or another version) is refused, so the schemas are
not vacuous.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

import bpv
from bpv._utils.versions import SCHEMA_VERSIONS
from bpv.cli import main
from tests.strategies import bids

ROOT = Path(__file__).resolve().parents[2]
BIDS = ROOT / "examples" / "bids"
FRAILTY = str(BIDS / "frailty_virtual_ward.yaml")  # three organisations
PATHOLOGY = str(BIDS / "pathology_network.yaml")  # five scenarios
DIABETES = str(BIDS / "diabetes_prevention.yaml")
PORTFOLIO = ROOT / "examples" / "portfolio"
INVALID = str(ROOT / "tests" / "data" / "invalid" / "cycle.yaml")
SAMPLING = ["--draws", "2000", "--seed", "7"]


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(bpv.output_schema(kind))


def _printed(*args: str, code: int = 0) -> dict[str, Any]:
    """Run ``bpv ARGS`` in this process; return the one JSON document it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == code
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite register holding the diabetes bid and its example actuals, as bpv track does."""
    path = str(tmp_path_factory.mktemp("register") / "register.db")
    actuals = str(ROOT / "examples" / "tracking" / "diabetes_prevention_actuals.csv")
    for args in (["init"],
                 ["add", DIABETES, "--approved-by", "ICS", "--approved-at", "2025-04-01",
                  "--draws", "2000", "--seed", "2025", "--quiet"],
                 ["actuals", actuals, "--as-at", "2026-12-07"]):
        assert main(["track", *args, "--db", path]) == 0
    return path


@pytest.fixture(scope="module")
def tracking() -> bpv.Tracking:
    bid = bpv.load(DIABETES)
    result = bpv.appraise(bid, n_draws=2_000, rng=2025, keep_flows=True, keep_inputs=True)
    return bpv.track(result, ROOT / "examples" / "tracking" / "diabetes_prevention_actuals.csv",
                     bid=bid, as_at="2026-12-07")


@pytest.fixture(scope="module")
def documents(register: str, tracking: bpv.Tracking) -> dict[str, list[dict[str, Any]]]:
    """Every kind's documents, as the commands print them (made once for the module)."""
    portfolio = sorted(str(path) for path in (PORTFOLIO / "bids").glob("*.yaml"))
    return {
        "appraisal": [_printed("appraise", FRAILTY, *SAMPLING, "--json"),
                      _printed("appraise", PATHOLOGY, *SAMPLING, "--json")],
        "comparison": [_printed("compare", FRAILTY, PATHOLOGY, DIABETES, *SAMPLING,
                                "--json")],
        "sensitivity": [_printed("sensitivity", FRAILTY, *SAMPLING, "--sobol", "256",
                                 "--json"),
                        _printed("sensitivity", FRAILTY, *SAMPLING, "--sobol", "0",
                                 "--organisation", "acute", "--metric", "npv",
                                 "--no-switching", "--json")],
        "scenarios": [_printed("scenarios", PATHOLOGY, *SAMPLING, "--json")],
        "batch": [_printed("batch", str(BIDS), INVALID, *SAMPLING, "--json",
                           code=0)],
        "portfolio": [_printed("portfolio", *portfolio, "--constraints",
                               str(PORTFOLIO / "constraints.yaml"), *SAMPLING,
                               "--bootstrap", "5", "--frontier", "3", "--json")],
        "validation": [_printed("validate", FRAILTY, INVALID, "--json", code=1)],
        "tracking": [json.loads(tracking.to_json())],
        "reforecast": [json.loads(tracking.reforecast(
            rng=np.random.SeedSequence(2025)).to_json())],
        "track-bids": [_printed("track", "bids", "--json", "--db", register)],
        "track-history": [_printed("track", "history", "diabetes-prevention-south",
                                   "--json", "--db", register)],
        "track-status": [_printed("track", "status", "--json", "--db", register)],
    }


def test_every_kind_is_covered_and_every_schema_is_a_valid_draft_2020_12_schema(documents):
    assert set(documents) == set(bpv.OUTPUT_KINDS) == set(SCHEMA_VERSIONS)
    for kind in bpv.OUTPUT_KINDS:
        schema = bpv.output_schema(kind)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["properties"]["schema_version"] == {
            "const": SCHEMA_VERSIONS[kind], "description": schema["properties"][
                "schema_version"]["description"]}


@pytest.mark.parametrize("kind", SCHEMA_VERSIONS)
def test_each_command_prints_its_version_first_and_validates(documents, kind):
    for document in documents[kind]:
        assert next(iter(document)) == "schema_version"
        assert document["schema_version"] == SCHEMA_VERSIONS[kind]
        _validator(kind).validate(document)


def test_the_examples_exercise_what_the_schemas_allow(documents):
    """The documents checked hold the optional and many-valued parts, not only the simple ones."""
    appraisal = documents["appraisal"][0]
    assert len(appraisal["organisations"]) == 3
    assert appraisal["metric_nodes"]
    assert len(documents["scenarios"][0]["scenarios"]) > 1
    assert len(documents["comparison"][0]["options"]) == 4  # three bids and doing nothing
    assert documents["batch"][0]["problems"]
    assert len(documents["batch"][0]["bids"]) == 3
    assert "reforecast" in documents["track-status"][0]["bids"][0]
    assert documents["validation"][0]["files"][1]["problems"]
    assert documents["sensitivity"][1]["organisation"] == "acute"


def test_a_batch_holds_each_bid_as_its_appraisal_without_a_second_version(documents):
    batch = documents["batch"][0]
    record = batch["bids"]["frailty-virtual-ward"]
    assert "schema_version" not in record
    alone = documents["appraisal"][0]
    assert {key: value for key, value in record.items() if key not in ("title", "source")} == {
        key: value for key, value in alone.items() if key != "schema_version"}


def test_to_dict_and_the_command_line_are_one_document(documents):
    alone = bpv.appraise(bpv.load(FRAILTY), n_draws=2_000, rng=7)
    assert json.loads(alone.to_json()) == documents["appraisal"][0]
    assert alone.to_dict()["schema_version"] == SCHEMA_VERSIONS["appraisal"]


def _mutations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Documents of another shape: a key missing, an unknown key, a value retyped, a version."""
    out = []
    for key in document:
        changed = copy.deepcopy(document)
        del changed[key]
        out.append((f"without {key}", changed))
    changed = copy.deepcopy(document)
    changed["unexpected"] = 1
    out.append(("with an unknown key", changed))
    changed = copy.deepcopy(document)
    changed["schema_version"] += 1
    out.append(("of the next version", changed))
    return out


@pytest.mark.parametrize("kind", SCHEMA_VERSIONS)
def test_a_document_of_another_shape_is_refused(documents, kind):
    validator = _validator(kind)
    for what, changed in _mutations(documents[kind][0]):
        assert not validator.is_valid(changed), f"{kind} {what} was accepted"


@pytest.mark.parametrize(("path", "change"), [
    (("metrics", "npv"), lambda stats: stats.pop("mean")),
    (("metrics", "npv"), lambda stats: stats.update(mean="1.5")),
    (("metrics",), lambda metrics: metrics.pop("qalys")),
    (("organisations", "acute"), lambda org: org.update(profit={})),
    (("provenance",), lambda provenance: provenance.update(method="monte carlo")),
    (("probabilities",), lambda chances: chances.update({"npv > 0": 1.5})),
    (("metric_nodes", "admissions_avoided"), lambda node: node.pop("by_period")),
    (("cash_flow", "acute", "cumulative"), lambda stats: stats.update(spread=[1.0])),
])
def test_a_change_deep_inside_an_appraisal_is_refused(documents, path, change):
    document = copy.deepcopy(documents["appraisal"][0])
    part = document
    for key in path:
        part = part[key]
    change(part)
    errors = list(_validator("appraisal").iter_errors(document))
    assert errors, f"{path} changed and still valid"


def test_null_stands_for_numbers_that_are_not_finite(documents):
    """The frailty bid never pays back: its payback statistics are null, and that is valid."""
    payback = documents["appraisal"][0]["metrics"]["payback"]
    assert payback["mean"] is None
    _validator("appraisal").validate(documents["appraisal"][0])


def test_other_quantiles_keep_an_appraisal_valid():
    result = bpv.appraise(bpv.load(FRAILTY), n_draws=1_000, rng=1)
    document = json.loads(json.dumps(result.to_dict(quantiles=(0.025, 0.25, 0.5, 0.975)),
                                     default=str).replace("NaN", "null"))
    assert "p2.5" in document["metrics"]["npv"]
    _validator("appraisal").validate(document)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=bids())
def test_the_appraisal_of_any_generated_bid_validates(data):
    bid = bpv.Bid.model_validate(data)
    with warnings.catch_warnings():  # a generated bid's transfers need not balance
        warnings.simplefilter("ignore", bpv.BidWarning)
        try:
            document = json.loads(bpv.appraise(bid, n_draws=256, rng=0).to_json())
        except bpv.EvaluationError:  # values past any money (1e100): no document to check
            reject()
    _validator("appraisal").validate(document)
    assert set(document["organisations"]) == {o["id"] for o in data["organisations"]}


@pytest.mark.parametrize("kind", ["bid", *SCHEMA_VERSIONS])
def test_bpv_schema_prints_each_kind(capsys, kind, tmp_path):
    assert main(["schema", kind]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == (bpv.bid_schema() if kind == "bid" else bpv.output_schema(kind))
    out = tmp_path / f"{kind}.json"
    assert main(["schema", kind, "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == printed


def test_an_unknown_kind_is_named_with_the_kinds_there_are(capsys):
    assert main(["schema", "apraisal"]) == 2
    assert "invalid choice: 'apraisal'" in capsys.readouterr().err
    with pytest.raises(bpv.SpecError, match=r"did you mean 'appraisal'"):
        bpv.output_schema("apraisal")


def test_the_example_of_docs_json_output_runs_and_validates(monkeypatch):
    page = (ROOT / "docs" / "json-output.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    assert blocks
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for block in blocks:
        exec(compile(block, "docs/json-output.md", "exec"), {})  # noqa: S102 - our own page
