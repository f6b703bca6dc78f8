"""The bid's ``tracking:`` section: how each tracked series is judged and measured.

Optional. Its keys name series:

- a node id (``admissions_avoided``): that node's values; any computed node
  may be tracked, not only ``metric`` nodes;
- ``costs`` or ``savings``: settings for every organisation's costs (its
  ``cost`` nodes) or cash-releasing savings (its ``cash_releasing`` nodes),
  and the system's;
- ``costs.<organisation>`` or ``savings.<organisation>`` (``costs.community``):
  one organisation's, overriding ``costs``/``savings`` key by key.

A node whose id is ``costs`` or ``savings`` takes the key for itself.
Each entry says which way is better, the targets by financial year, how
actuals are measured and how often they are reported; every key is optional.
The checks that need the rest of the bid (the node exists, the target's
year lies inside the horizon) run with the bid's other cross-field checks.

Examples
--------
>>> entry = TrackedSeries(better="higher", targets={"2026/27": 120}, likelihood="poisson")
>>> entry.frequency, entry.targets
('year', {'2026/27': 120.0})
>>> split_series_key("costs.community"), split_series_key("admissions_avoided")
(('costs', 'community'), ('admissions_avoided', None))
>>> financial_year("2026/27"), year_label(2026)
(2026, '2026/27')
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bpv.spec._base import IS_NUMBER, MAX_NODES, Float, Spec, raise_problems

__all__ = [
    "LEDGER_KEYS",
    "Better",
    "Frequency",
    "MeasuredBy",
    "TrackedSeries",
    "Tracking",
    "financial_year",
    "split_series_key",
    "year_label",
]

#: Which way is better for a series.
Better = Literal["higher", "lower"]
#: How often actuals are reported.
Frequency = Literal["year", "quarter", "month"]
#: How an actual is measured around its true value.
MeasuredBy = Literal["normal", "poisson", "lognormal"]
#: Keys that name an organisation's (or the system's) money rather than a node.
LEDGER_KEYS = ("costs", "savings")

_YEAR_LABEL = re.compile(r"(\d{4})/(\d{2})")
_Positive = Annotated[float, Field(gt=0), IS_NUMBER]


def year_label(year: int) -> str:
    """Return the label of the financial year starting in April of ``year``: ``'2026/27'``."""
    return f"{year}/{(year + 1) % 100:02d}"


def financial_year(label: str) -> int | None:
    """Return the calendar year a financial year label starts in, or None if malformed.

    ``'2026/27'`` is 1 April 2026 to 31 March 2027; the second part must be
    the year after the first (``'2026/28'`` is malformed).

    Examples
    --------
    >>> financial_year("2026/27"), financial_year("2099/00"), financial_year("2026/28")
    (2026, 2099, None)
    """
    match = _YEAR_LABEL.fullmatch(label.strip())
    if match is None:
        return None
    year = int(match.group(1))
    return year if (year + 1) % 100 == int(match.group(2)) else None


def split_series_key(key: str) -> tuple[str, str | None]:
    """Split a key of ``tracking:`` into (node or ledger name, organisation or None)."""
    head, dot, organisation = key.partition(".")
    return (head, organisation) if dot else (key, None)


class TrackedSeries(Spec):
    """How one tracked series is judged, targeted and measured.

    Parameters
    ----------
    better : {'higher', 'lower'}, optional
        Which way is better. Default: ``lower`` for costs (``costs``,
        ``costs.<organisation>`` and ``cost`` nodes), ``higher`` otherwise.
    targets : dict of str to float, optional
        Target values by financial year (``'2026/27': 120``), in the series'
        unit per year. A year without a target is judged against the plan's
        median.
    likelihood : {'normal', 'poisson', 'lognormal'}, optional
        How an actual is measured around the true value. Default: Poisson
        for a count (a series of a node outside the money ledger whose
        actuals are all whole numbers), normal otherwise.
    sd, cv : float, optional
        The spread of a ``normal`` or ``lognormal`` measurement: a standard
        deviation in the series' unit, or a coefficient of variation. At most
        one; neither for ``poisson``. Default: cv 0.05 for money, 0.10
        otherwise.
    frequency : {'year', 'quarter', 'month'}, default 'year'
        How often actuals are reported (for tables and reminders; an actual
        of any period is accepted).
    """

    better: Better | None = None
    targets: Annotated[dict[str, Float], Field(max_length=1_000)] = Field(default_factory=dict)
    likelihood: MeasuredBy | None = None
    sd: _Positive | None = None
    cv: _Positive | None = None
    frequency: Frequency = "year"

    @model_validator(mode="after")
    def _spread_fits_the_likelihood(self) -> TrackedSeries:
        problems: list[tuple[tuple[str | int, ...], str, object]] = []
        if self.sd is not None and self.cv is not None:
            problems.append((("cv",), "give sd or cv, not both: sd is the spread in the "
                             "series' unit, cv the spread relative to the true value", self.cv))
        if self.likelihood == "poisson":
            problems += [((name,), f"a poisson likelihood takes no {name}: its variance is "
                          "its mean; use normal or lognormal to give a spread",
                          getattr(self, name))
                         for name in ("sd", "cv") if getattr(self, name) is not None]
        problems += [(("targets", label), f"'{label}' is not a financial year; write it as "
                      "the bid's periods are, e.g. '2026/27'", label)
                     for label in self.targets if financial_year(label) is None]
        raise_problems("TrackedSeries", problems)
        return self


#: The ``tracking:`` section: settings by series key.
Tracking = Annotated[dict[str, TrackedSeries], Field(max_length=MAX_NODES)]
