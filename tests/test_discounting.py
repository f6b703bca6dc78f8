"""Discounting (bpv.discounting): published checks, schedules, policies and properties."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpv.discounting import (
    DISCOUNTING,
    DISCOUNTING_VERSION,
    SCHEDULES,
    TIMINGS,
    DiscountingName,
    RateSchedule,
    discount_factors,
    present_value,
    resolve_rates,
)
from bpv.errors import SpecError
from bpv.spec.bid import Settings

GREEN_BOOK_MONEY = [0.035, 0.030, 0.025, 0.020, 0.015, 0.010]
GREEN_BOOK_HEALTH = [0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043]
BAND_STARTS = [0, 31, 76, 126, 201, 301]

# -- published checks (docs/design/metrics.md) -------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [(1, 0.96618), (5, 0.84197), (10, 0.70892), (30, 0.35628), (31, 0.34590)],
)
def test_green_book_published_factors(year, expected):
    factors = discount_factors(32, schedule="green_book")
    assert round(float(factors[year]), 5) == expected


@pytest.mark.parametrize("year", [1, 5, 10, 30])
def test_constant_and_green_book_agree_in_the_first_band(year):
    constant = discount_factors(31, rate=0.035)
    green_book = discount_factors(31, schedule="green_book")
    assert constant[year] == pytest.approx(green_book[year], rel=1e-13)


def test_published_npv():
    flows = np.array([-100.0, 30, 30, 30, 30, 30])
    npv = present_value(flows, discount_factors(6, rate=0.035))
    assert round(float(npv), 4) == 35.4516


def test_published_discounted_qalys():
    qalys = np.r_[0.0, np.ones(10)]
    total = present_value(qalys, discount_factors(11, rate=0.015))
    assert round(float(total), 4) == 9.2222


# -- declining schedules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "rates"),
    [("green_book", GREEN_BOOK_MONEY), ("green_book_health", GREEN_BOOK_HEALTH)],
)
def test_declining_schedules_compound_piecewise(schedule, rates):
    factors = discount_factors(400, schedule=schedule)
    expected = [1.0]
    for year in range(1, 400):
        band = max(i for i, start in enumerate(BAND_STARTS) if start <= year)
        expected.append(expected[-1] / (1 + rates[band]))
    np.testing.assert_allclose(factors, expected, rtol=1e-12)


@pytest.mark.parametrize("band", range(1, 6))
def test_health_band_boundaries(band):
    start = BAND_STARTS[band]
    factors = discount_factors(start + 2, schedule="green_book_health")
    previous_rate, rate = GREEN_BOOK_HEALTH[band - 1], GREEN_BOOK_HEALTH[band]
    assert factors[start - 2] / factors[start - 1] == pytest.approx(1 + previous_rate, rel=1e-12)
    assert factors[start - 1] / factors[start] == pytest.approx(1 + rate, rel=1e-12)
    assert factors[start] / factors[start + 1] == pytest.approx(1 + rate, rel=1e-12)


def test_health_year_31_and_76():
    factors = discount_factors(80, schedule="green_book_health")
    assert factors[30] == pytest.approx(1.015**-30, rel=1e-13)
    assert factors[31] == pytest.approx(factors[30] / 1.0129, rel=1e-13)
    assert factors[75] == pytest.approx(factors[30] / 1.0129**45, rel=1e-12)
    assert factors[76] == pytest.approx(factors[75] / 1.0107, rel=1e-13)


def test_default_rate_is_the_schedules_own():
    np.testing.assert_array_equal(
        discount_factors(50, schedule="green_book_health"),
        discount_factors(50, schedule="green_book_health", rate=0.015),
    )
    np.testing.assert_array_equal(discount_factors(5), discount_factors(5, rate=0.035))


def test_other_base_rate_scales_the_whole_table():
    factors = discount_factors(80, schedule="green_book", rate=0.07)
    assert factors[30] == pytest.approx(1.07**-30, rel=1e-13)
    assert factors[31] == pytest.approx(factors[30] / 1.06, rel=1e-13)
    assert factors[76] == pytest.approx(factors[75] / 1.05, rel=1e-13)


# -- timing -----------------------------------------------------------------------------


def test_mid_period_constant():
    factors = discount_factors(4, rate=0.035, timing="mid")
    np.testing.assert_allclose(factors, [1.0, 1.035**-0.5, 1.035**-1.5, 1.035**-2.5])


def test_mid_period_declining_uses_the_band_of_the_year():
    end = discount_factors(33, schedule="green_book")
    mid = discount_factors(33, schedule="green_book", timing="mid")
    assert mid[0] == 1.0
    assert mid[31] == pytest.approx(end[30] / 1.03**0.5, rel=1e-13)
    assert mid[30] == pytest.approx(1.035**-29.5, rel=1e-13)


# -- shapes and arguments ---------------------------------------------------------------


def test_zero_periods():
    assert discount_factors(0).shape == (0,)
    assert discount_factors(0, schedule="green_book").shape == (0,)


def test_present_value_over_draws_and_periods():
    rng = np.random.default_rng(3)
    flows = rng.normal(size=(4, 7, 5))
    factors = discount_factors(5, rate=0.02)
    result = present_value(flows, factors)
    assert result.shape == (4, 7)
    np.testing.assert_allclose(result, (flows * factors).sum(axis=-1))


def test_present_value_does_not_change_flows():
    flows = np.arange(6.0)
    flows.setflags(write=False)
    present_value(flows, discount_factors(6))
    np.testing.assert_array_equal(flows, np.arange(6.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_periods": -1}, r"'n_periods' parameter must be an int in the range \[0, inf\)\. "
                            r"Got -1"),
        ({"n_periods": 2.5}, r"'n_periods'.*Got 2\.5"),
        ({"n_periods": True}, r"'n_periods'.*Got True"),
        ({"n_periods": 3, "rate": -1.0}, r"'rate' parameter must be a float in the range "
                                         r"\(-1, inf\).*Got -1\.0"),
        ({"n_periods": 3, "rate": float("nan")}, r"'rate'.*Got nan"),
        ({"n_periods": 3, "schedule": "green_bok"}, r"'schedule' parameter must be one of "
                                                     r".*did you mean 'green_book'"),
        ({"n_periods": 3, "timing": "middle"}, r"'timing' parameter must be one of 'end', "
                                               r"'mid'\. Got 'middle'"),
    ],
)
def test_discount_factors_rejects_bad_arguments(kwargs, match):
    with pytest.raises(SpecError, match=match):
        discount_factors(**kwargs)


def test_present_value_rejects_mismatched_shapes():
    with pytest.raises(SpecError, match=r"^The 'flows' parameter of present_value must be an "
                       r"array with the periods on its last axis, 3 of them to match 'factors'\. "
                       r"Got shape \(2, 4\) instead\.$"):
        present_value(np.ones((2, 4)), np.ones(3))
    with pytest.raises(SpecError, match=r"^The 'factors' parameter of present_value must be "
                       r"1-d, one factor a period\. Got shape \(4, 1\) instead\.$"):
        present_value(np.ones((2, 4)), np.ones((4, 1)))


def test_the_policy_names_are_declared_once():
    assert tuple(DISCOUNTING) == get_args(DiscountingName)
    assert get_args(Settings.model_fields["discounting"].annotation) == get_args(DiscountingName)
    assert get_args(Settings.model_fields["timing"].annotation) == TIMINGS


# -- named policies ---------------------------------------------------------------------


def test_policies_defaults():
    assert resolve_rates("green_book", None, None) == (
        RateSchedule("green_book", 0.035), RateSchedule("green_book_health", 0.015))
    assert resolve_rates("nice", None, None) == (
        RateSchedule("constant", 0.035), RateSchedule("constant", 0.035))
    assert resolve_rates("constant", None, None) == (
        RateSchedule("constant", 0.035), RateSchedule("constant", 0.015))
    assert set(DISCOUNTING) == {"green_book", "nice", "constant"}
    assert DISCOUNTING_VERSION == "green-book-2022"


def test_policies_take_the_bids_rates():
    assert resolve_rates("constant", 0.05, 0.0) == (
        RateSchedule("constant", 0.05), RateSchedule("constant", 0.0))
    assert resolve_rates("green_book", 0.03, None) == (
        RateSchedule("green_book", 0.03), RateSchedule("green_book_health", 0.015))
    assert resolve_rates("nice", 0.035, 0.035) == (
        RateSchedule("constant", 0.035), RateSchedule("constant", 0.035))


def test_resolved_rates_feed_discount_factors():
    money, health = resolve_rates("green_book", None, None)
    factors = discount_factors(40, schedule=money.schedule, rate=money.rate)
    assert round(float(factors[31]), 5) == 0.34590
    health_factors = discount_factors(2, schedule=health.schedule, rate=health.rate)
    assert health_factors[1] == pytest.approx(1 / 1.015)


@pytest.mark.parametrize(
    ("rates", "match"),
    [
        ((0.03, None), r"discount_rate is 0\.03, but discounting 'nice' \(NICE reference case\) "
                       r"fixes it at 0\.035; remove discount_rate or choose discounting "
                       r"'green_book' or 'constant'"),
        ((None, 0.015), r"health_discount_rate is 0\.015, but discounting 'nice'"),
    ],
)
def test_nice_fixes_both_rates(rates, match):
    with pytest.raises(SpecError, match=match):
        resolve_rates("nice", *rates)


def test_unknown_policy_and_bad_rate():
    with pytest.raises(SpecError, match=r"'discounting' parameter must be one of 'green_book', "
                                        r"'nice', 'constant'\. Got 'NICE'"):
        resolve_rates("NICE", None, None)
    with pytest.raises(SpecError, match=r"'health_discount_rate' parameter must be a float"):
        resolve_rates("constant", None, float("inf"))


def test_spec_error_is_a_value_error():
    with pytest.raises(ValueError, match="n_periods"):
        discount_factors(-3)


# -- properties -------------------------------------------------------------------------

rates = st.floats(min_value=0.0, max_value=0.2)
schedules = st.sampled_from(SCHEDULES)
timings = st.sampled_from(["end", "mid"])
n_periods = st.integers(min_value=1, max_value=400)


@given(n=n_periods, rate=rates, schedule=schedules, timing=timings)
def test_factors_positive_non_increasing_start_at_one(n, rate, schedule, timing):
    factors = discount_factors(n, rate=rate, schedule=schedule, timing=timing)
    assert factors.shape == (n,)
    assert factors[0] == 1.0
    assert np.all(factors > 0)
    assert np.all(np.diff(factors) <= 0)


@given(n=n_periods, rate=rates, schedule=schedules)
def test_mid_is_never_below_end(n, rate, schedule):
    end = discount_factors(n, rate=rate, schedule=schedule)
    mid = discount_factors(n, rate=rate, schedule=schedule, timing="mid")
    assert np.all(mid >= end)


@given(n=n_periods, schedule=schedules, timing=timings)
def test_zero_rate_gives_plain_sums(n, schedule, timing):
    factors = discount_factors(n, rate=0.0, schedule=schedule, timing=timing)
    np.testing.assert_array_equal(factors, np.ones(n))
    flows = np.arange(n, dtype=np.float64)
    assert present_value(flows, factors) == flows.sum()


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(
    data=st.data(),
    n=st.integers(min_value=1, max_value=60),
    rate=rates,
    schedule=schedules,
    a=values,
    b=values,
)
def test_present_value_is_linear(data, n, rate, schedule, a, b):
    shape = (3, n)
    x = data.draw(hnp.arrays(np.float64, shape, elements=values))
    y = data.draw(hnp.arrays(np.float64, shape, elements=values))
    factors = discount_factors(n, rate=rate, schedule=schedule)
    left = present_value(a * x + b * y, factors)
    right = a * present_value(x, factors) + b * present_value(y, factors)
    scale = (abs(a) * np.abs(x) + abs(b) * np.abs(y)).sum(axis=-1) + 1.0
    assert np.all(np.abs(left - right) <= 1e-12 * scale)
