"""The tracking examples read without problems and give the RAG docs/tracking.md states."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parents[2]
AS_AT = "2026-12-07"


def track(name):
    bid = bpv.load(ROOT / "examples" / "bids" / f"{name}.yaml")
    result = bpv.appraise(bid, n_draws=10_000, rng=2025, keep_flows=True, progress=False)
    return bpv.track(result, ROOT / "examples" / "tracking" / f"{name}_actuals.csv", bid=bid,
                     as_at=AS_AT)


def rags(tracking):
    found: dict[str, list[str]] = {}
    for row in tracking.status().rows:
        found.setdefault(row.series, []).append(row.rag)
    return found


def test_the_frailty_ward_is_on_track_for_quality_but_behind_on_money():
    tracking = track("frailty_virtual_ward")
    found = rags(tracking)
    assert found["admissions_avoided"] == ["green"] * 6
    assert found["costs (community)"] == ["amber"] * 3 + ["red"] * 3
    # Savings at about half the plan: never green, mostly beyond the 90% band.
    assert set(found["savings (acute)"]) <= {"amber", "red"}
    assert found["savings (acute)"].count("red") >= 4
    rows = tracking.status().rows
    admissions = [row for row in rows if row.series == "admissions_avoided"]
    assert admissions[-1].cumulative_actual >= admissions[-1].cumulative_plan
    assert all(row.variance > 0 for row in rows if row.series == "costs (community)")
    assert all(row.variance < 0 for row in rows if row.series == "savings (acute)")


def test_the_diabetes_programme_refers_as_planned_but_uptake_fails():
    tracking = track("diabetes_prevention")
    assert rags(tracking) == {"referrals": ["green"] * 6, "participants": ["red"] * 6,
                              "completers": ["red"] * 6}
    for row in tracking.status().rows:
        if row.series != "referrals":
            assert row.variance_pct < -50
            # The plan is the programme delivered: no delivered draw is this far below it.
            assert row.p_actual_or_better == pytest.approx(1.0, abs=0.005)


def test_the_examples_read_today_without_problems():
    for name in ("frailty_virtual_ward", "diabetes_prevention"):
        bid = bpv.load(ROOT / "examples" / "bids" / f"{name}.yaml")
        actuals = bpv.read_actuals(ROOT / "examples" / "tracking" / f"{name}_actuals.csv", bid)
        assert len(actuals) == 18


def test_the_python_examples_of_docs_tracking_md_print_what_the_page_shows(monkeypatch):
    monkeypatch.chdir(ROOT)
    failures, tried = doctest.testfile(
        os.fspath(ROOT / "docs" / "tracking.md"), module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert tried >= 10
    assert failures == 0
