"""The bid's tracking: section: what it accepts, what it refuses and where, and its defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bpv
from bpv.engine.identity import bid_hash
from bpv.tracking.series import SeriesKey
from bpv.tracking.settings import DEFAULT_CV, DEFAULT_MONEY_CV, series_settings

BIDS = Path(__file__).resolve().parents[2] / "examples" / "bids"


@pytest.fixture(scope="module")
def frailty():
    return bpv.load(BIDS / "frailty_virtual_ward.yaml")


def with_tracking(bid, tracking):
    data = bid.to_dict()
    data["tracking"] = tracking
    return bpv.loads(json.dumps(data), format="json", source="bid.json")


def test_a_valid_section_round_trips_through_yaml(frailty):
    tracking = {
        "admissions_avoided": {"better": "higher", "targets": {"2026/27": 40, "2027/28": 45},
                               "likelihood": "poisson", "frequency": "quarter"},
        "costs": {"cv": 0.02},
        "costs.community": {"targets": {"2025/26": 400_000}},
        "patients": {"likelihood": "normal", "sd": 25},
    }
    bid = with_tracking(frailty, tracking)
    assert bpv.loads(bid.to_yaml()) == bid
    assert bid.tracking["admissions_avoided"].targets == {"2026/27": 40.0, "2027/28": 45.0}
    bpv_schema = bpv.bid_schema()
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(bid.to_dict(), bpv_schema)
    assert "tracking" in bpv_schema["properties"]


def test_every_problem_of_the_section_is_reported_at_once_with_its_place(frailty):
    tracking = {
        "admissions_avoid": {"targets": {"2031/32": 3}},
        "costs": {"targets": {"2026/27": 1}},
        "costs.acue": {},
        "ward.x": {},
        "savings.acute": {"sd": 1, "cv": 0.1},
        "admissions_avoided": {"likelihood": "poisson", "cv": 0.1,
                               "targets": {"2026/2027": 4}},
        "funding": {"better": "more", "frequency": "weekly", "sd": "12"},
    }
    with pytest.raises(bpv.BidValidationError) as caught:
        with_tracking(frailty, tracking)
    text = str(caught.value)
    for expected in [
        "tracking.admissions_avoid: unknown node 'admissions_avoid' "
        "(did you mean 'admissions_avoided'?)",
        "tracking.admissions_avoid.targets.2031/32: 2031/32 is outside the bid's horizon, "
        "2025/26 to 2029/30",
        "tracking.costs.targets: 'costs' sets how every organisation's costs are tracked",
        "tracking.costs.acue: unknown organisation 'acue' (did you mean 'acute'?)",
        "tracking.ward.x: unknown series 'ward.x'",
        "tracking.savings.acute.cv: give sd or cv, not both",
        "tracking.admissions_avoided.cv: a poisson likelihood takes no cv",
        "tracking.admissions_avoided.targets.2026/2027: '2026/2027' is not a financial year",
        "tracking.funding.better: unknown value 'more'",
        "tracking.funding.frequency: unknown value 'weekly'",
        "tracking.funding.sd: expected a number, got the text '12'",
    ]:
        assert expected in text, expected
    assert len(caught.value.problems) == 11


def test_a_misspelt_key_is_a_located_error_with_a_suggestion(frailty):
    with pytest.raises(bpv.BidValidationError, match=r"tracking.patients.taget: unknown key "
                       r"'taget' \(did you mean 'targets'\?\)"):
        with_tracking(frailty, {"patients": {"taget": 3}})


def test_a_qualitative_node_cannot_be_tracked():
    bid = bpv.load(BIDS / "diabetes_prevention.yaml")
    with pytest.raises(bpv.BidValidationError, match="node 'self_management' is qualitative"):
        with_tracking(bid, {"self_management": {}})


def test_an_empty_section_leaves_the_hash_unchanged_and_a_full_one_changes_it(frailty):
    # The hash of a bid without the section is computed as before bids had one (or
    # resources:, or format:): the canonical JSON of every other field.
    import hashlib
    data = frailty.model_dump(mode="json", by_alias=True)
    assert (data.pop("tracking"), data.pop("resources"), data.pop("format")) == ({}, {}, 1)
    before = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"))
                            .encode()).hexdigest()
    assert bid_hash(frailty) == before
    assert bid_hash(with_tracking(frailty, {"patients": {}})) != before


def test_defaults_fill_what_the_section_leaves_out(frailty):
    costs = series_settings(frailty, SeriesKey("costs", "community"))
    assert (costs.better, costs.unit, costs.money, costs.targets) == ("lower", "GBP", True, {})
    assert costs.measured_by([1.0]) == ("normal", None, DEFAULT_MONEY_CV)
    savings = series_settings(frailty, SeriesKey("savings", "acute"))
    assert savings.better == "higher"
    admissions = series_settings(frailty, SeriesKey("admissions_avoided"))
    assert (admissions.better, admissions.unit) == ("higher", "admissions")
    assert admissions.measured_by([3.0, 4.0]) == ("poisson", None, None)
    assert admissions.measured_by([3.5, 4.0]) == ("normal", None, DEFAULT_CV)
    funding = series_settings(frailty, SeriesKey("funding"))  # a cost node
    assert (funding.better, funding.unit) == ("lower", "GBP")
    assert funding.measured_by([2.0]) == ("normal", None, DEFAULT_MONEY_CV)  # money never counts
    health = series_settings(frailty, SeriesKey("health_gain"))
    assert (health.unit, health.may_count) == ("QALYs", False)


def test_an_organisations_entry_overrides_the_general_one_key_by_key(frailty):
    bid = with_tracking(frailty, {
        "costs": {"cv": 0.02, "frequency": "month"},
        "costs.community": {"sd": 5_000, "targets": {"2026/27": 390_000}},
    })
    community = series_settings(bid, SeriesKey("costs", "community"))
    # the organisation's sd replaces the general cv (a measurement is declared whole)
    assert (community.sd, community.cv, community.frequency) == (5_000, None, "month")
    assert community.targets == {1: 390_000.0}
    system = series_settings(bid, SeriesKey("costs"))
    assert (system.sd, system.cv, system.targets) == (None, 0.02, {})
