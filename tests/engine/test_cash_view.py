"""The cash view (undiscounted cash by year) and each organisation's outlay: closed forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bpv
from bpv.engine import compiled_kernel
from tests.builders import CONSTANT_RATE, small_bid

KERNELS = ["numpy", *(["compiled"] if compiled_kernel.available() else [])]
HORIZON = 4
CAPITAL, REVENUE, SAVING, TARIFF = 100.0, 20.0, 30.0, 10.0


def _node(node_id: str, formula: str, measure: str, organisation: str,
          **extra: str) -> dict[str, str]:
    return {"id": node_id, "kind": "input" if measure == "cost" else "outcome",
            "formula": formula, "measure": measure, "organisation": organisation, **extra}


def contract_bid() -> bpv.Bid:
    """A commissioner (icb) pays a provider (acute) a contract; the provider builds and saves."""
    return small_bid([
        {"id": "deliver", "kind": "activity"},
        _node("build", f"{CAPITAL} * (t == 0)", "cost", "acute", cost_type="capital"),
        _node("staff", f"{REVENUE} + 0 * t", "cost", "acute", cost_type="revenue"),
        _node("saved", f"{SAVING} * deliver", "cash_releasing", "acute"),
        _node("contract_paid", f"-{TARIFF} * deliver", "income", "icb"),
        _node("contract_received", f"{TARIFF} * deliver", "income", "acute"),
    ], horizon=HORIZON, organisations=("icb", "acute"), settings=CONSTANT_RATE)


#: Every row, by period, as the closed form has it (every draw is the same).
FIRST = np.array([1.0] + [0.0] * (HORIZON - 1))
ONES = np.ones(HORIZON)
EXPECTED = {
    "system": {"capital": CAPITAL * FIRST, "revenue": REVENUE * ONES,
               "cash_releasing": SAVING * ONES, "income_received": TARIFF * ONES,
               "income_paid": TARIFF * ONES,
               "net": SAVING * ONES - REVENUE * ONES - CAPITAL * FIRST},
    "icb": {"capital": 0 * ONES, "revenue": 0 * ONES, "cash_releasing": 0 * ONES,
            "income_received": 0 * ONES, "income_paid": TARIFF * ONES,
            "net": -TARIFF * ONES},
    "acute": {"capital": CAPITAL * FIRST, "revenue": REVENUE * ONES,
              "cash_releasing": SAVING * ONES, "income_received": TARIFF * ONES,
              "income_paid": 0 * ONES,
              "net": (SAVING + TARIFF - REVENUE) * ONES - CAPITAL * FIRST},
}


@pytest.mark.parametrize("kernel", KERNELS)
def test_cash_by_year_is_the_closed_form_for_the_system_and_each_organisation(kernel):
    # The bid has no parameters: the compiled kernel once took its number of draws from
    # them, evaluated none and left the results unwritten.
    result = bpv.appraise(contract_bid(), n_draws=64, rng=1, kernel=kernel)
    for scope, rows in EXPECTED.items():
        view = result.cash_by_year(None if scope == "system" else scope)
        assert view.scope == scope
        assert view.periods == result.periods
        for row, expected in rows.items():
            for statistic in ("mean", "p5", "p95"):  # every draw the same: no spread
                np.testing.assert_allclose(view.rows[row][statistic], expected, atol=1e-9)
            assert view.totals[row]["mean"] == pytest.approx(expected.sum(), abs=1e-9)


@pytest.mark.parametrize("kernel", KERNELS)
def test_organisations_add_up_to_the_system_draw_by_draw(kernel):
    # The example's transfers balance: income cancels, so spend, savings and net add up.
    result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"), n_draws=3_000,
                          rng=7, kernel=kernel)
    system = result.cash_flow()
    flows = [result.cash_flow(org) for org in result.organisations]
    for part in ("capital", "revenue", "saving"):
        np.testing.assert_allclose(sum(f.parts[part] for f in flows), system.parts[part],
                                   rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(sum(f.parts["income"] for f in flows), 0.0, atol=1e-6)
    np.testing.assert_allclose(sum(f.net for f in flows), system.net, rtol=1e-12, atol=1e-6)
    # Each scope's net is the parts': the cash view's net is the fan chart's.
    for flow in (system, *flows):
        parts = flow.parts
        np.testing.assert_allclose(
            parts["saving"] + parts["income"] - parts["capital"] - parts["revenue"], flow.net,
            rtol=1e-12, atol=1e-6)
    # Means: organisations' rows add up to the system's, income received equals paid.
    views = [result.cash_by_year(org) for org in result.organisations]
    whole = result.cash_by_year()
    for row in ("capital", "revenue", "cash_releasing", "net", "income_received",
                "income_paid"):
        np.testing.assert_allclose(np.sum([v.mean(row) for v in views], axis=0),
                                   whole.mean(row), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(whole.mean("income_received"), whole.mean("income_paid"),
                               rtol=1e-9)


def test_the_compiled_kernel_keeps_the_same_cash_view_as_numpy():
    if "compiled" not in KERNELS:
        pytest.skip("numba is not installed")
    bid = bpv.load("examples/bids/pathology_network.yaml")
    numpy, compiled = (bpv.appraise(bid, n_draws=2_000, rng=3, kernel=kernel)
                       for kernel in ("numpy", "compiled"))
    for scope in (None, *numpy.organisations):
        for part, values in numpy.cash_flow(scope).parts.items():
            np.testing.assert_allclose(compiled.cash_flow(scope).parts[part], values,
                                       rtol=1e-12, atol=1e-6)


def test_the_cash_view_is_in_the_json_and_reads_back_as_its_to_dict():
    result = bpv.appraise(contract_bid(), n_draws=16, rng=1)
    data = json.loads(result.to_json())["cash_by_year"]
    assert data["periods"] == list(result.periods)
    assert data["undiscounted"] is True
    for scope in ("system", "icb", "acute"):
        view = result.cash_by_year(None if scope == "system" else scope)
        assert data[scope] == json.loads(view.to_json())["rows"]
    assert data["icb"]["income_paid"]["mean"] == pytest.approx([TARIFF] * HORIZON)


def test_the_cash_view_displays_its_means_as_money():
    view = bpv.appraise(contract_bid(), n_draws=16, rng=1).cash_by_year("acute")
    text = str(view)
    lines = {line[:24].strip(): line[24:].split() for line in text.splitlines()[2:]}
    assert lines["capital spend"] == ["£100", "£0", "£0", "£0", "£100"]
    assert lines["revenue spend"] == ["£20"] * HORIZON + ["£80"]
    assert lines["net cash"] == ["−£80", "£20", "£20", "£20", "−£20"]
    html = view._repr_html_()
    assert html.count("<tr>") == 1 + len(EXPECTED["acute"])
    assert "£100" in html
    assert repr(view) == "<CashByYear 'acute': 4 periods, 16 draws>"


@pytest.mark.parametrize("kernel", KERNELS)
def test_an_organisation_that_pays_income_counts_it_as_its_outlay(kernel):
    result = bpv.appraise(contract_bid(), n_draws=8, rng=1, kernel=kernel)
    factors = 1.035 ** -np.arange(HORIZON)
    paid = TARIFF * factors.sum()
    icb = result.organisation("icb")
    # No costs of its own: its outlay is the contract, all lost (ROI −100%).
    np.testing.assert_allclose(icb["cost_pv"], 0.0)
    np.testing.assert_allclose(icb["npv"], -paid)
    np.testing.assert_allclose(icb["roi"], -1.0)
    np.testing.assert_allclose(icb["bcr"], 0.0, atol=1e-12)
    np.testing.assert_allclose(icb["cash_roi"], -1.0)
    # The provider receives income: its outlay is its costs alone.
    acute = result.organisation("acute")
    cost = CAPITAL + REVENUE * factors.sum()
    npv = (SAVING + TARIFF) * factors.sum() - cost
    np.testing.assert_allclose(acute["roi"], npv / cost)
    np.testing.assert_allclose(acute["bcr"], (npv + cost) / cost)
    # The system counts no transfers: its outlay is its costs.
    system_npv = SAVING * factors.sum() - cost
    np.testing.assert_allclose(result["roi"], system_npv / cost)
    # The means the summaries hold (from the engine's moments) say the same.
    assert icb.summary().rows["roi"]["mean"] == pytest.approx(-1.0)
