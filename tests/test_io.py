"""Reading and writing bids: exact round-trips through YAML and JSON, and the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

import bpv
from tests.strategies import bids

EXAMPLES = sorted(Path("examples/bids").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_round_trip_exactly(path):
    bid = bpv.load(path)
    assert bpv.loads(bid.to_yaml()) == bid
    assert bpv.loads(bid.to_json(), format="json") == bid
    assert bpv.loads(bid.to_json(indent=None), format="json") == bid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bids())
def test_generated_bids_round_trip_through_yaml_and_json(data):
    bid = bpv.Bid.model_validate(data)
    from_yaml = bpv.loads(bid.to_yaml())
    from_json = bpv.loads(bid.to_json(), format="json")
    assert from_yaml == bid
    assert from_json == bid
    # Writing again gives the same text: the written form is a fixed point.
    assert from_yaml.to_yaml() == bid.to_yaml()
    assert from_json.to_json() == bid.to_json()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=bids())
def test_schema_accepts_every_generated_bid(data):
    bid = bpv.Bid.model_validate(data)
    jsonschema.validate(json.loads(bid.to_json()), bpv.bid_schema())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_schema_accepts_the_examples(path):
    jsonschema.validate(bpv.load(path).to_dict(), bpv.bid_schema())


def test_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(bpv.bid_schema())


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(horizn=5), ()),
        (lambda d: d["parameters"]["referrals"].update(mod=900), ("parameters", "referrals")),
        (lambda d: d["nodes"][0].update(kind="inptu"), ("nodes", 0, "kind")),
        (lambda d: d["parameters"].update(x={"dist": "nromal", "mean": 1, "sd": 1}),
         ("parameters", "x")),
    ],
    ids=["top-level key", "distribution key", "kind", "distribution"],
)
def test_schema_rejects_what_the_loader_rejects(change, path):
    data = bpv.load("examples/bids/frailty_virtual_ward.yaml").to_dict()
    change(data)
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(data, bpv.bid_schema())
    assert tuple(caught.value.absolute_path)[: len(path)] == path
    with pytest.raises(bpv.BidValidationError):
        bpv.loads(json.dumps(data), format="json")


def test_written_yaml_reads_like_a_hand_written_bid():
    text = bpv.load("examples/bids/frailty_virtual_ward.yaml").to_yaml()
    assert "referrals: {dist: pert, low: 600, mode: 900, high: 1200}" in text
    assert "!!" not in text  # no Python tags, only plain YAML


def test_dumps_refuses_unknown_format():
    bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    with pytest.raises(bpv.SpecError, match="'format' parameter of dumps"):
        bpv.dumps(bid, format="toml")  # type: ignore[arg-type]
    with pytest.raises(bpv.SpecError, match="'format' parameter of loads"):
        bpv.loads("id: x", format="toml")  # type: ignore[arg-type]


def test_unset_fields_are_not_written():
    bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    assert "label" not in bid.to_dict()["nodes"][0]
    assert "population" not in bid.to_dict()
