"""Numbers for people: money briefly (£1.73m), shares as percentages, never exponent form."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpv._utils.formatting import (
    MINUS,
    SPREADS,
    format_money,
    format_number,
    format_stat,
    significant,
)

_SCALES = {"": 1.0, "k": 1e3, "m": 1e6, "bn": 1e9}
_MONEY = re.compile(rf"^({MINUS})?£([0-9][0-9,]*(?:\.[0-9]+)?)(k|m|bn)?$")
#: The largest amounts bpv works with are far below this (docs/limits.md: 1e100 per value).
amounts = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False)


def parse_money(text: str) -> float:
    """Read back what format_money wrote: ``−£1.73m`` is −1,730,000."""
    match = _MONEY.match(text)
    assert match, f"not money as bpv writes it: {text!r}"
    sign, number, suffix = match.groups()
    value = float(number.replace(",", "")) * _SCALES[suffix or ""]
    return -value if sign else value


@given(amounts)
def test_money_reads_back_within_its_stated_rounding(value: float) -> None:
    # Three significant figures (within 0.5%), never finer than a pound (within 50p).
    written = parse_money(format_money(value))
    assert abs(written - value) <= max(0.005 * abs(value), 0.5) * (1 + 1e-9)


@given(amounts, amounts)
def test_money_is_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert parse_money(format_money(low)) <= parse_money(format_money(high))


@given(amounts)
def test_money_keeps_its_sign(value: float) -> None:
    text = format_money(value)
    if parse_money(text) == 0:
        assert text == "£0"
    else:
        assert text.startswith(MINUS) == (value < 0)


@given(amounts)
def test_money_is_never_in_exponent_form(value: float) -> None:
    assert "e" not in format_money(value).lower()


@given(st.floats(allow_nan=True, allow_infinity=True),
       st.sampled_from(["money", "percent", "ratio", "years", "quantity"]),
       st.sampled_from(["mean", "p5", "change", *sorted(SPREADS)]))
def test_no_statistic_is_written_in_exponent_form(value: float, form: str,
                                                  statistic: str) -> None:
    assert not re.search(r"\de[+-]?\d", format_stat(value, form, statistic))  # type: ignore[arg-type]


@given(st.floats(allow_nan=True, allow_infinity=True),
       st.sampled_from(["table", "plain", "short"]))
def test_no_plain_number_is_written_in_exponent_form(value: float, style: str) -> None:
    assert not re.search(r"\de[+-]?\d", format_number(value, style))  # type: ignore[arg-type]


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda v: v != 0),
       st.integers(min_value=1, max_value=6))
def test_significant_figures_read_back_as_the_rounded_number(value: float,
                                                            figures: int) -> None:
    written = float(significant(value, figures).replace(",", ""))
    if abs(value) >= 1e-15:
        assert written == pytest.approx(float(f"{value:.{figures}g}"), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("value", "form", "statistic", "text"), [
    (-1_726_725.0, "money", "mean", "−£1.73m"),
    (419_600.0, "money", "mean", "£420k"),
    (950.0, "money", "mean", "£950"),
    (12_345.0, "money", "mcse", "£12.3k"),
    (0.819, "percent", "mean", "81.9%"),
    (0.00220, "percent", "mcse", "0.22 pp"),
    (-0.1774, "percent", "change", "−17.7 pp"),
    (float("inf"), "years", "median", "never"),
])
def test_the_forms_the_glossary_describes(value, form, statistic, text) -> None:
    # docs/glossary.md, "How numbers are written".
    assert format_stat(value, form, statistic) == text


def test_a_share_spread_is_in_percentage_points_of_the_share() -> None:
    share_mcse = 0.0016
    assert format_stat(share_mcse, "percent", "mcse") == f"{share_mcse * 100:.2f} pp"
    assert math.isclose(float(format_stat(share_mcse, "percent", "sd")[:-3]), 0.16)
