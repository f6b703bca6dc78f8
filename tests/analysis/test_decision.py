"""Decision rules against hand-computed values and their defining properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpv.analysis.decision import (
    ceac,
    evpi,
    frontier,
    net_monetary_benefit,
    population_evpi,
    probability_best,
    rank_probabilities,
)

matrices = hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 5)),
                      elements=st.floats(-1e6, 1e6))


def test_evpi_of_a_small_matrix_by_hand():
    values = np.array([[100.0, 0.0, 50.0],
                       [0.0, 200.0, 50.0],
                       [40.0, 10.0, 50.0],
                       [60.0, 30.0, 50.0]])
    # E[max] = (100 + 200 + 50 + 60) / 4 = 102.5; means 50, 60, 50 -> max 60.
    assert evpi(values) == pytest.approx(42.5)
    assert probability_best(values) == pytest.approx([0.5, 0.25, 0.25])


def test_evpi_is_zero_when_one_option_wins_every_draw():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(1_000, 3))
    values[:, 1] = values.max(axis=1) + rng.uniform(0.1, 1.0, size=1_000)
    assert evpi(values) == 0.0
    assert probability_best(values)[1] == 1.0


@settings(max_examples=200, deadline=None)
@given(values=matrices)
def test_evpi_is_never_negative_and_probabilities_add_up(values):
    assert evpi(values) >= 0.0
    assert probability_best(values).sum() == pytest.approx(1.0)
    ranks = rank_probabilities(values)
    np.testing.assert_allclose(ranks.sum(axis=0), 1.0)
    np.testing.assert_allclose(ranks.sum(axis=1), 1.0)


@settings(max_examples=100, deadline=None)
@given(values=hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 5)),
                        elements=st.integers(-10_000, 10_000).map(float)),
       shift=hnp.arrays(np.float64, 30, elements=st.integers(-1_000, 1_000).map(float)))
def test_subtracting_a_baseline_per_draw_changes_no_decision(values, shift):
    # Integer values: the shift is exact, so ties stay ties.
    shifted = values - shift[: values.shape[0], np.newaxis]
    np.testing.assert_allclose(probability_best(shifted), probability_best(values))
    assert evpi(shifted) == pytest.approx(evpi(values), abs=1e-6 * (1 + abs(values).max()))


def test_nmb_and_ceac_follow_the_threshold():
    costs = np.array([[0.0, 1_000.0], [0.0, 3_000.0]])
    effects = np.array([[0.0, 0.1], [0.0, 0.1]])
    np.testing.assert_allclose(net_monetary_benefit(costs, effects, 20_000),
                               [[0.0, 1_000.0], [0.0, -1_000.0]])
    curves = ceac(costs, effects, [0.0, 20_000.0, 40_000.0])
    np.testing.assert_allclose(curves, [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])


def test_population_evpi_is_an_annuity():
    assert population_evpi(10.0) == 10.0
    assert population_evpi(10.0, population=3, years=3, discount_rate=0.0) == 90.0
    assert population_evpi(1.0, years=2, discount_rate=0.5) == pytest.approx(1 + 1 / 1.5)


def test_frontier_with_dominance_extended_dominance_and_icers():
    # B is dominated by C (cheaper and better). ICERs by cost: A->C 25,000,
    # C->D 50,000, D->E 25,000: D is extendedly dominated; then C->E is 27,273,
    # above A->C, so C and E stay on the frontier.
    rows = {row.option: row for row in frontier(
        ["A", "B", "C", "D", "E"], [0, 20_000, 10_000, 15_000, 40_000],
        [0.0, 0.2, 0.4, 0.5, 1.5])}
    assert rows["B"].status == "dominated"
    assert rows["C"].status == "frontier"
    assert rows["C"].icer == pytest.approx(25_000)
    assert rows["D"].status == "extendedly dominated"
    assert rows["E"].compared_with == "C"
    assert rows["E"].icer == pytest.approx((40_000 - 10_000) / (1.5 - 0.4))
    assert rows["A"].icer is None


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="n_draws, n_options"):
        evpi(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="n_draws, n_options"):
        evpi(np.zeros((3, 2, 1)))


def test_evpi_of_one_column_is_the_decision_to_fund_or_not():
    rng = np.random.default_rng(3)
    net_benefit = rng.normal(size=5_000) + 0.2
    # Fund or not: a single column is the pair (not fund: 0, fund: v), and by the
    # definition E[max(0, NB)] - max(0, E[NB]).
    assert evpi(net_benefit) == evpi(np.column_stack([np.zeros_like(net_benefit), net_benefit]))
    by_definition = np.mean(np.maximum(net_benefit, 0.0)) - max(np.mean(net_benefit), 0.0)
    assert evpi(net_benefit) == pytest.approx(by_definition, rel=1e-12)


def test_evppi_is_the_evpi_of_the_conditional_means():
    from bpv.analysis.evppi import conditional_mean, evppi

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 5_000))
    net_benefit = a + b + 0.2
    assert evppi(net_benefit, a) == evpi(conditional_mean(net_benefit, a))
