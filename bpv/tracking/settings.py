"""Each tracked series' settings: the bid's ``tracking:`` section with its defaults filled in.

Defaults, when ``tracking:`` says nothing of a series:

- **better**: ``lower`` for costs (the ``costs`` series and ``cost`` nodes),
  ``higher`` for everything else;
- **targets**: none, so every year is judged against the plan's median;
- **unit**: the node's ``unit``; ``GBP`` for money (``costs``, ``savings`` and
  nodes of a money measure), ``QALYs`` for a ``qaly`` node;
- **likelihood**: Poisson for a *count*, normal otherwise. A series is a
  count when it is a node outside the money ledger (its measure is none of
  ``cost``, ``cash_releasing``, ``non_cash_releasing``, ``income``, ``qaly``)
  and every actual recorded for it is a whole number, at least 0;
- **spread** of a normal or lognormal measurement: a coefficient of
  variation of :data:`DEFAULT_MONEY_CV` (5%) for money and
  :data:`DEFAULT_CV` (10%) for anything else.

``costs.<organisation>`` overrides ``costs`` key by key (likewise for
``savings``); the system's ``costs`` and ``savings`` take the ``costs`` and
``savings`` entries.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> costs = series_settings(bid, SeriesKey("costs", "community"))
>>> costs.better, costs.unit, costs.measured_by([410_000.0])
('lower', 'GBP', ('normal', None, 0.05))
>>> series_settings(bid, SeriesKey("admissions_avoided")).measured_by([31.0, 40.0])
('poisson', None, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bpv.spec.bid import Bid
from bpv.spec.tracking import Better, Frequency, MeasuredBy, TrackedSeries, financial_year
from bpv.tracking.series import LEDGER_SERIES, SeriesKey, series_nodes

__all__ = ["DEFAULT_CV", "DEFAULT_MONEY_CV", "MONEY_MEASURES", "SeriesSettings",
           "series_settings"]

#: Coefficient of variation of a money actual's measurement, when none is declared.
DEFAULT_MONEY_CV = 0.05
#: Coefficient of variation of any other non-count actual's measurement, when none is declared.
DEFAULT_CV = 0.10
#: Measures whose values are money.
MONEY_MEASURES = frozenset({"cost", "cash_releasing", "non_cash_releasing", "income"})
_MEASUREMENT = frozenset({"likelihood", "sd", "cv"})


@dataclass(frozen=True)
class SeriesSettings:
    """How one series is judged and measured, defaults filled in.

    Attributes
    ----------
    key : SeriesKey
    unit : str
        Empty when the node has none.
    better : {'higher', 'lower'}
    targets : dict of int to float
        Targets by year index (0 is the bid's ``start_year``); years without
        one are judged against the plan's median.
    likelihood : {'normal', 'poisson', 'lognormal'} or None
        As declared; None when undeclared (see :meth:`measured_by`).
    sd, cv : float or None
        As declared.
    frequency : {'year', 'quarter', 'month'}
    money : bool
        Whether the series is money (GBP).
    may_count : bool
        Whether an undeclared likelihood may be Poisson (a node outside the
        money ledger).
    """

    key: SeriesKey
    unit: str
    better: Better
    targets: Mapping[int, float] = field(default_factory=dict)
    likelihood: MeasuredBy | None = None
    sd: float | None = None
    cv: float | None = None
    frequency: Frequency = "year"
    money: bool = False
    may_count: bool = False

    def measured_by(self, values: Iterable[float]) -> tuple[MeasuredBy, float | None,
                                                            float | None]:
        """Return (likelihood, sd, cv) for a series whose actuals are ``values``.

        A declared likelihood stands; undeclared, a series that may count and
        whose values are all whole numbers, at least 0, is Poisson, and any
        other normal. A normal or lognormal with no spread declared takes the
        default coefficient of variation.
        """
        likelihood = self.likelihood
        if likelihood is None:
            whole = all(value >= 0 and float(value).is_integer() for value in values)
            likelihood = "poisson" if self.may_count and whole else "normal"
        if likelihood == "poisson":
            return likelihood, None, None
        if self.sd is None and self.cv is None:
            return likelihood, None, DEFAULT_MONEY_CV if self.money else DEFAULT_CV
        return likelihood, self.sd, self.cv


def _entries(bid: Bid, key: SeriesKey) -> list[TrackedSeries]:
    """Return the entries of ``tracking:`` that apply to a series, general first."""
    if key.node in LEDGER_SERIES and key.node not in bid.node_ids:
        names = [key.node] + ([f"{key.node}.{key.organisation}"] if key.organisation else [])
    else:
        names = [key.node]
    return [bid.tracking[name] for name in names if name in bid.tracking]


def series_settings(bid: Bid, key: SeriesKey) -> SeriesSettings:
    """Return a series' settings: its ``tracking:`` entries over the defaults.

    Raises
    ------
    UnknownNameError
        If the series names no node or organisation of the bid.
    """
    nodes = series_nodes(bid, key)
    declared = TrackedSeries()
    for entry in _entries(bid, key):
        given = entry.model_fields_set
        if given & _MEASUREMENT:  # a later entry's measurement replaces the whole of it
            given |= _MEASUREMENT
        declared = declared.model_copy(update={name: getattr(entry, name) for name in given})
    if key.node in LEDGER_SERIES and key.node not in bid.node_ids:
        unit, money, may_count = "GBP", True, False
        natural: Better = "lower" if key.node == "costs" else "higher"
    else:
        node = bid.node(nodes[0])
        money = node.measure in MONEY_MEASURES
        may_count = not money and node.measure != "qaly"
        unit = node.unit or ("GBP" if money else "QALYs" if node.measure == "qaly" else "")
        natural = "lower" if node.measure == "cost" else "higher"
    by_year = {(financial_year(label) or 0) - bid.start_year: float(value)
               for label, value in declared.targets.items()}
    return SeriesSettings(
        key=key, unit=unit, better=declared.better or natural, targets=by_year,
        likelihood=declared.likelihood, sd=declared.sd, cv=declared.cv,
        frequency=declared.frequency, money=money, may_count=may_count)
