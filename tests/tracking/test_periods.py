"""Periods of actuals: labels resolved to a year of the horizon and a share of it."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpv.errors import SpecError
from bpv.spec.tracking import financial_year, year_label
from bpv.tracking.periods import parse_period, period_between, year_dates

LATER = date(2400, 1, 1)
years = st.integers(min_value=1950, max_value=2290)


def days_in_financial_year(year: int) -> int:
    # 29 February of year + 1 falls inside the financial year starting in April of year
    return 366 if calendar.isleap(year + 1) else 365


@given(years)
def test_the_four_quarters_of_a_year_cover_it_once(year):
    quarters = [parse_period(f"{year_label(year)} Q{q}", start_year=year, horizon=1,
                             as_at=LATER) for q in range(1, 5)]
    assert sum(q.share for q in quarters) == pytest.approx(1.0, abs=1e-12)
    assert quarters[0].first == date(year, 4, 1)
    assert quarters[-1].last == date(year + 1, 3, 31)
    for before, after in itertools.pairwise(quarters):
        assert after.first - before.last == timedelta(days=1)
    days = days_in_financial_year(year)
    assert quarters[0].share == 91 / days  # April, May, June
    assert quarters[3].share == (90 + calendar.isleap(year + 1)) / days


@given(years)
def test_the_twelve_months_of_a_year_cover_it_once(year):
    months = [(year, m) for m in range(4, 13)] + [(year + 1, m) for m in range(1, 4)]
    periods = [parse_period(f"{y}-{m:02d}", start_year=year, horizon=1, as_at=LATER)
               for y, m in months]
    assert sum(p.share for p in periods) == pytest.approx(1.0, abs=1e-12)
    assert {p.year for p in periods} == {0}
    for (y, m), p in zip(months, periods, strict=True):
        assert p.share == calendar.monthrange(y, m)[1] / days_in_financial_year(year)


@given(years, st.integers(min_value=0, max_value=9))
def test_a_whole_year_of_dates_is_the_year(year, offset):
    start_year = year - offset
    first, last = year_dates(year)
    span = parse_period(f"{first.isoformat()} to {last.isoformat()}", start_year=start_year,
                        horizon=10, as_at=LATER)
    label = parse_period(year_label(year), start_year=start_year, horizon=10, as_at=LATER)
    assert span.share == label.share == 1.0
    assert span.year == label.year == offset


@given(years, st.integers(min_value=0, max_value=364), st.integers(min_value=0, max_value=364))
def test_a_span_of_days_has_the_share_of_its_days(year, a, b):
    first_day = year_dates(year)[0]
    days = days_in_financial_year(year)
    a, b = sorted((min(a, days - 1), min(b, days - 1)))
    first, last = first_day + timedelta(days=a), first_day + timedelta(days=b)
    period = period_between(first, last, start_year=year, horizon=1, as_at=LATER)
    assert period.share == (b - a + 1) / days
    assert period.label == f"{first.isoformat()} to {last.isoformat()}"


def test_named_months_and_slash_spans_read_as_their_canonical_forms():
    as_at = date(2026, 12, 7)
    for text in ("May 2026", "may 2026", "2026-05", "Sept 2026", "September 2026"):
        period = parse_period(text, start_year=2025, horizon=5, as_at=as_at)
        assert period.label in {"2026-05", "2026-09"}
    slash = parse_period("2026-04-01/2026-06-30", start_year=2025, horizon=5, as_at=as_at)
    quarter = parse_period("2026/27  q1", start_year=2025, horizon=5, as_at=as_at)
    assert (slash.first, slash.last, slash.share) == (quarter.first, quarter.last, quarter.share)
    assert quarter.label == "2026/27 Q1"


@pytest.mark.parametrize(("text", "message"), [
    ("2026/28", "is not a period"),
    ("2026/27 Q5", "is not a period"),
    ("2026-13", "is not a period"),
    ("Mai 2026", "is not a period"),
    ("2026-02-30 to 2026-03-01", "does not exist"),
    ("2026-06-30 to 2026-04-01", "ends .* before it starts"),
    ("2026-03-01 to 2026-04-30", "spans two financial years .2025/26 and 2026/27."),
    ("2030/31", "outside the bid's horizon, 2025/26 to 2029/30"),
    ("2024-12", "outside the bid's horizon"),
    ("2026/27", "ends on 2027-03-31, after the as-at date 2026-12-07"),
    ("2026/27 Q3", "after the as-at date"),
])
def test_malformed_or_impossible_periods_are_refused(text, message):
    with pytest.raises(SpecError, match=message):
        parse_period(text, start_year=2025, horizon=5, as_at=date(2026, 12, 7))


def test_a_period_ending_on_the_as_at_date_is_accepted():
    period = parse_period("2026/27 Q2", start_year=2025, horizon=5, as_at=date(2026, 9, 30))
    assert period.last == date(2026, 9, 30)


def test_the_as_at_date_defaults_to_today():
    today = date.today()
    this_year = today.year if today.month >= 4 else today.year - 1
    with pytest.raises(SpecError, match="after the as-at date"):
        parse_period(year_label(this_year), start_year=this_year, horizon=1)


@given(years)
def test_financial_year_labels_round_trip(year):
    assert financial_year(year_label(year)) == year
