"""A bid's format: key and its resources: section (issue 16, items 4 and 5)."""

from __future__ import annotations

import pytest

import bpv
from bpv.spec.bid import BID_FORMAT
from bpv.spec.resources import resource_by_year

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def _text(extra: str) -> str:
    with open(FRAILTY, encoding="utf-8") as file:
        return file.read() + extra


def test_a_bid_without_format_is_format_1_and_writes_none():
    bid = bpv.load(FRAILTY)
    assert bid.format == BID_FORMAT == 1
    assert "format" not in bid.to_dict()


def test_a_newer_format_is_refused_naming_both_versions_and_nothing_else():
    text = "format: 2\nnew_section: {x: 1}\n" + _text("")
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(text)
    assert [str(p) for p in caught.value.problems] == [
        "line 1: format: this bid is format 2; this bpv reads format 1: upgrade bpv"]


@pytest.mark.parametrize(("value", "message"), [
    ("0", "should be greater than or equal to 1"), ("yes", "got the boolean true"),
    ("'1'", "got the text '1'")])
def test_a_format_that_is_not_a_version_is_a_located_problem(value, message):
    with pytest.raises(bpv.BidValidationError, match=message):
        bpv.loads(f"format: {value}\n" + _text(""))


def test_format_1_written_reads_back_equal():
    bid = bpv.loads("format: 1\n" + _text(""))
    assert bid.to_dict()["format"] == 1
    assert bpv.loads(bid.to_yaml()) == bid
    assert bpv.loads(bid.to_json(), format="json") == bid


def test_resources_by_year_by_period_and_as_a_list_read_alike():
    by_year = bpv.loads(_text("resources:\n  nurse_wte: {2025: 4, 2026: 6}\n"))
    by_period = bpv.loads(_text("resources:\n  nurse_wte: {0: 4, 1: 6}\n"))
    as_list = bpv.loads(_text("resources:\n  nurse_wte: [4, 6]\n"))
    expected = {2025: 4.0, 2026: 6.0, 2027: 0.0, 2028: 0.0, 2029: 0.0}
    for bid in (by_year, by_period, as_list):
        assert resource_by_year(bid, "nurse_wte") == expected
        assert bpv.loads(bid.to_json(), format="json") == bid  # JSON keys are text
        assert bpv.loads(bid.to_yaml()) == bid
    assert resource_by_year(by_year, "beds") == dict.fromkeys(range(2025, 2030), 0.0)


def test_resource_problems_are_located_and_listed_together():
    text = _text("resources:\n  nurse_wte: {2024: 1, 2031: 2}\n  beds: [1, 2, 3, 4, 5, 6]\n"
                 "  mixed: {2025: 1, 1: 2}\n")
    with pytest.raises(bpv.BidValidationError) as caught:
        bpv.loads(text)
    messages = [f"{p.location}: {p.message}" for p in caught.value.problems]
    assert any(m.startswith("resources.nurse_wte[2024]: year 2024 is outside the bid's years "
                            "2025/26 to 2029/30") for m in messages)
    assert any(m.startswith("resources.nurse_wte[2031]: year 2031") for m in messages)
    assert "resources.beds[5]: period 5 is past the bid's horizon of 5 periods (0 to 4)" in messages
    assert any(m.startswith("resources.mixed: mixes financial years and periods")
               for m in messages)
    assert all(p.line is not None for p in caught.value.problems)


@pytest.mark.parametrize(("value", "message"), [
    ("{2025: -1}", "greater than or equal to 0"), ("'x'", "expected amounts by financial year"),
    ("[1, yes]", "got the boolean true"), ("{2025: '3'}", "got the text '3'")])
def test_a_wrong_resource_amount_is_located(value, message):
    with pytest.raises(bpv.BidValidationError, match=message):
        bpv.loads(_text(f"resources:\n  nurse_wte: {value}\n"))


def test_the_schema_states_format_and_resources():
    schema = bpv.bid_schema()
    assert schema["properties"]["format"]["maximum"] == BID_FORMAT
    assert "resources" in schema["properties"]
