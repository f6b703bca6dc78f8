"""An actual resolved against the plan: which series, which year, what share of it, how measured.

The actuals reader turns each row of an actuals file into an
:class:`Observation`; the status tables and the re-forecast read only these.
An actual for part of a financial year (a quarter, a month, dates) is
compared with that year's planned value times ``share``: flat within the
year (an activity's ramp is already in the yearly values).

Examples
--------
>>> from bpv.tracking.series import SeriesKey
>>> seen = Observation(SeriesKey("admissions_avoided"), year=1, share=0.25, value=9.0,
...                    likelihood="poisson", period="2026/27 Q1")
>>> seen.expected(40.0)
10.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from bpv.tracking.series import SeriesKey

__all__ = ["LIKELIHOODS", "Likelihood", "Observation"]

#: How an actual is measured around its true value.
Likelihood = Literal["normal", "poisson", "lognormal"]
LIKELIHOODS: tuple[Likelihood, ...] = get_args(Likelihood)


@dataclass(frozen=True)
class Observation:
    """One actual, resolved against a bid's plan.

    Parameters
    ----------
    series : SeriesKey
        What was measured.
    year : int
        Index of the financial year in the appraisal's periods (0 is the
        bid's ``start_year``).
    share : float
        Share of that year the actual covers, in (0, 1]: 1 for a whole year,
        0.25 for a quarter.
    value : float
        The actual, in the series' unit (a count for ``poisson``).
    likelihood : {'normal', 'poisson', 'lognormal'}
        How the actual is measured around the true value ``share * plan``:
        normal with standard deviation ``sd`` (or ``cv`` times the true
        value), Poisson (counts), or lognormal with coefficient of variation
        ``cv`` (or ``sd`` on the log scale).
    sd, cv : float, optional
        The measurement spread; exactly one for ``normal`` and ``lognormal``,
        neither for ``poisson``.
    period : str
        The period as the actual gave it (``'2026/27'``, ``'2026/27 Q1'``), for messages.
    location : str
        Where the actual came from (``'actuals.csv, line 4'``), for messages.
    """

    series: SeriesKey
    year: int
    share: float
    value: float
    likelihood: Likelihood
    sd: float | None = None
    cv: float | None = None
    period: str = ""
    location: str = ""

    def expected(self, planned: float) -> float:
        """Return what the plan expects for this actual, given the year's planned value."""
        return self.share * planned
