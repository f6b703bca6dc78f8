"""Periods of actuals: financial years and the parts of them an actual may cover.

The plan is by financial year, 1 April to 31 March, labelled as the bid's
periods are (``'2026/27'``, see :attr:`bpv.Bid.period_labels`). An actual
may cover

- a whole year: ``'2026/27'``;
- a quarter of one: ``'2026/27 Q1'`` (Q1 is April to June, Q4 January to March);
- a calendar month: ``'2026-05'`` or ``'May 2026'``;
- any span of days inside one financial year:
  ``'2026-04-01 to 2026-06-30'`` (or ``'2026-04-01/2026-06-30'``), both days included.

Each is resolved to the index of its financial year in the bid's horizon and
the **share** of that year it covers: the days it covers over the days of the
year (365, or 366 when the year holds 29 February). So a year's four quarters,
or twelve months, have shares adding up to 1; Q1 of 2026/27 is 91/365. The
plan is taken as flat within a year: an actual for a share of a year is
compared with the year's planned value times the share.

Examples
--------
>>> period = parse_period("2026/27 Q1", start_year=2025, horizon=5,
...                       as_at=date(2026, 12, 7))
>>> period.label, period.year, round(period.share, 4)
('2026/27 Q1', 1, 0.2493)
>>> parse_period("May 2026", start_year=2025, horizon=5, as_at=date(2026, 12, 7)).label
'2026-05'
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bpv.errors import SpecError
from bpv.spec.tracking import financial_year, year_label

__all__ = ["Period", "parse_period", "period_between", "year_dates"]

_QUARTER = re.compile(r"(\d{4}/\d{2})\s+[Qq]([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_NAMED_MONTH = re.compile(r"([A-Za-z]+)\.?\s+(\d{4})")
_DAY = r"\d{4}-\d{2}-\d{2}"
_SPAN = re.compile(rf"({_DAY})\s*(?:/|\s+to\s+)\s*({_DAY})")
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES["sept"] = 9
_FORMS = ("a financial year '2026/27', a quarter '2026/27 Q1', a month '2026-05' or "
          "'May 2026', or dates '2026-04-01 to 2026-06-30'")


@dataclass(frozen=True)
class Period:
    """A span of days inside one financial year of a bid's horizon.

    Attributes
    ----------
    label : str
        The period written the canonical way (``'2026/27 Q1'``, ``'2026-05'``).
    year : int
        Index of the financial year in the bid's periods (0 is ``start_year``).
    share : float
        Days covered over the days of that year, in (0, 1].
    first, last : datetime.date
        The first and last day covered, both included.
    """

    label: str
    year: int
    share: float
    first: date
    last: date

    def overlaps(self, other: Period) -> bool:
        """Whether two periods share a day."""
        return self.first <= other.last and other.first <= self.last


def year_dates(year: int) -> tuple[date, date]:
    """Return the first and last day of the financial year starting in April of ``year``.

    Examples
    --------
    >>> year_dates(2026)
    (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    """
    return date(year, 4, 1), date(year + 1, 3, 31)


def _fiscal_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def parse_period(text: str, *, start_year: int, horizon: int,
                 as_at: date | None = None) -> Period:
    """Resolve a period's text to its financial year and share against a bid's horizon.

    Parameters
    ----------
    text : str
        A financial year (``'2026/27'``), a quarter (``'2026/27 Q1'``), a month
        (``'2026-05'``, ``'May 2026'``) or two dates (``'2026-04-01 to
        2026-06-30'``, both included).
    start_year, horizon : int
        The bid's first financial year and number of years.
    as_at : datetime.date, optional
        The day the actuals are read as at (default: today); a period that
        ends after it is refused.

    Returns
    -------
    Period

    Raises
    ------
    SpecError
        If the text is none of these forms, the period lies outside the
        horizon, spans two financial years, or ends after ``as_at``.

    Examples
    --------
    >>> p = parse_period("2026-04-01 to 2027-03-31", start_year=2025, horizon=5,
    ...                  as_at=date(2027, 4, 1))
    >>> p.year, p.share
    (1, 1.0)
    >>> parse_period("2026/27 Q5", start_year=2025, horizon=5)
    Traceback (most recent call last):
    ...
    bpv.errors.SpecError: '2026/27 Q5' is not a period: write a financial year '2026/27', a quarter '2026/27 Q1', a month '2026-05' or 'May 2026', or dates '2026-04-01 to 2026-06-30'
    """  # noqa: E501
    first, last, label = _dates_of(text.strip())
    return period_between(first, last, start_year=start_year, horizon=horizon, as_at=as_at,
                          label=label)


def _dates_of(text: str) -> tuple[date, date, str]:
    """Return the first and last day a period's text covers, and its canonical label."""
    year = financial_year(text)
    if year is not None:
        return (*year_dates(year), year_label(year))
    if match := _QUARTER.fullmatch(text):
        year = financial_year(match.group(1))
        if year is not None:
            quarter = int(match.group(2))
            month = 4 + 3 * (quarter - 1)
            first = date(year + (month > 12), (month - 1) % 12 + 1, 1)
            return first, _month_end(first.year, first.month + 2), f"{year_label(year)} Q{quarter}"
    month_year = _month_of(text)
    if month_year is not None:
        calendar_year, month = month_year
        return (date(calendar_year, month, 1), _month_end(calendar_year, month),
                f"{calendar_year}-{month:02d}")
    if match := _SPAN.fullmatch(text):
        try:
            first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError as exc:
            msg = f"'{text}' holds a date that does not exist: {exc}"
            raise SpecError(msg) from None
        return first, last, f"{first.isoformat()} to {last.isoformat()}"
    msg = f"'{text}' is not a period: write {_FORMS}"
    raise SpecError(msg)


def _month_of(text: str) -> tuple[int, int] | None:
    if match := _MONTH.fullmatch(text):
        month = int(match.group(2))
        return (int(match.group(1)), month) if 1 <= month <= 12 else None
    if match := _NAMED_MONTH.fullmatch(text):
        named = _MONTH_NAMES.get(match.group(1).lower())
        return (int(match.group(2)), named) if named is not None else None
    return None


def _month_end(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def period_between(first: date, last: date, *, start_year: int, horizon: int,
                   as_at: date | None = None, label: str | None = None) -> Period:
    """Resolve a span of days (both included) inside one financial year.

    Parameters
    ----------
    first, last : datetime.date
        The first and last day covered.
    start_year, horizon : int
        The bid's first financial year and number of years.
    as_at : datetime.date, optional
        Default today; a span ending after it is refused.
    label : str, optional
        How to name the period (default: ``'<first> to <last>'``).

    Returns
    -------
    Period
        ``share`` is ``(last - first + 1 day) / days in that financial year``.

    Raises
    ------
    SpecError
        If ``last`` is before ``first``, the span crosses 31 March, lies
        outside the horizon, or ends after ``as_at``.

    Examples
    --------
    >>> p = period_between(date(2026, 4, 1), date(2026, 4, 30), start_year=2025, horizon=5,
    ...                    as_at=date(2026, 12, 7))
    >>> p.label, p.year, p.share == 30 / 365
    ('2026-04-01 to 2026-04-30', 1, True)
    """
    label = label or f"{first.isoformat()} to {last.isoformat()}"
    if last < first:
        msg = f"'{label}' ends ({last.isoformat()}) before it starts ({first.isoformat()})"
        raise SpecError(msg)
    year = _fiscal_year_of(first)
    if _fiscal_year_of(last) != year:
        msg = (f"'{label}' spans two financial years ({year_label(year)} and "
               f"{year_label(_fiscal_year_of(last))}); record each year's part separately")
        raise SpecError(msg)
    if not start_year <= year < start_year + horizon:
        msg = (f"'{label}' falls in {year_label(year)}, outside the bid's horizon, "
               f"{year_label(start_year)} to {year_label(start_year + horizon - 1)}")
        raise SpecError(msg)
    as_at = date.today() if as_at is None else as_at
    if last > as_at:
        msg = (f"'{label}' ends on {last.isoformat()}, after the as-at date "
               f"{as_at.isoformat()}: an actual is recorded once its period is over")
        raise SpecError(msg)
    year_first, year_last = year_dates(year)
    days = (last - first + timedelta(days=1)).days
    share = days / ((year_last - year_first).days + 1)
    return Period(label=label, year=year - start_year, share=share, first=first, last=last)
