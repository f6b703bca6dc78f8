"""What a bid asks of the system's scarce resources: staff, beds, sessions, by year.

A bid's ``resources:`` section names each resource (``nurse_wte``,
``theatre_sessions``) and how much of it the scheme needs, either by financial
year or by period::

    resources:
      nurse_wte: {2025: 4, 2026: 6, 2027: 6}    # by financial year (2025 is 2025/26)
      theatre_sessions: [0, 120, 240]           # by period, from start_year
      porters: {0: 2, 1: 3}                     # by period, as a mapping

Amounts are fixed numbers, not distributions: they are what the bid commits,
checked against what the system has by :func:`bpv.portfolio`. A year outside
the bid's horizon, a period past it, or a profile mixing years and periods,
is a located problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Protocol

from pydantic import BeforeValidator, Field, StringConstraints

from bpv.spec._base import IS_NUMBER, IS_WHOLE_NUMBER, MAX_ID_LENGTH, spec_error

__all__ = ["FIRST_YEAR", "MAX_RESOURCES", "ResourceName", "ResourceProfile", "Resources",
           "resource_by_year", "resource_problems"]

#: Resources one bid may name.
MAX_RESOURCES = 100

#: A resource's name: letters, digits, ``_``, ``-`` or ``.``.
ResourceName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=MAX_ID_LENGTH)]
_Amount = Annotated[float, Field(ge=0, allow_inf_nan=False), IS_NUMBER]
#: Keys below this are periods (0 is start_year); from it on, financial years.
FIRST_YEAR = 1900


def _year_or_period(value: Any) -> Any:
    """Read digits as a whole number (JSON keys are text); the number is checked next."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _by_key(value: Any) -> Any:
    """Read a list of amounts as amounts by period: ``[4, 6]`` is ``{0: 4, 1: 6}``."""
    if isinstance(value, list | tuple):
        return dict(enumerate(value))
    if not isinstance(value, Mapping):
        raise spec_error("expected amounts by financial year (such as {2025: 4, 2026: 6}) or a "
                         "list of amounts by period (such as [4, 6])")
    return value


_Key = Annotated[int, Field(ge=0, le=2300), IS_WHOLE_NUMBER, BeforeValidator(_year_or_period)]
#: How much of a resource a bid needs, by financial year (keys from 1900) or by period
#: (keys 0, 1, …; a list is read as periods).
ResourceProfile = Annotated[dict[_Key, _Amount], Field(max_length=300), BeforeValidator(_by_key)]


class Bid(Protocol):
    """What the functions here read of a bid (:class:`bpv.Bid` has it)."""

    @property
    def start_year(self) -> int: ...
    @property
    def horizon(self) -> int: ...
    @property
    def resources(self) -> Mapping[str, Mapping[int, float]]: ...


#: The ``resources:`` section of a bid.
Resources = Annotated[dict[ResourceName, ResourceProfile], Field(max_length=MAX_RESOURCES)]


def resource_by_year(bid: Bid, name: str) -> dict[int, float]:
    """Return what the bid needs of resource ``name`` in each financial year (0 if none).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/portfolio/bids/virtual_ward_expansion.yaml")
    >>> resource_by_year(bid, "nurse_wte")
    {2025: 6.0, 2026: 10.0, 2027: 10.0, 2028: 10.0, 2029: 10.0}
    """
    profile = bid.resources.get(name)
    years = range(bid.start_year, bid.start_year + bid.horizon)
    if profile is None:
        return dict.fromkeys(years, 0.0)
    return {year: float(profile.get(year, profile.get(t, 0.0))) for t, year in enumerate(years)}


def resource_problems(bid: Bid) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Return the problems of a bid's ``resources:``: years outside its horizon, lists too long."""
    problems: list[tuple[tuple[str | int, ...], str, Any]] = []
    first, last = bid.start_year, bid.start_year + bid.horizon - 1
    years = (f"{first}/{(first + 1) % 100:02d} to {last}/{(last + 1) % 100:02d} "
             f"(start_year {first}, horizon {bid.horizon})")
    for name, profile in bid.resources.items():
        keys = list(profile)
        for key in keys:
            if key >= FIRST_YEAR and not first <= key <= last:
                problems.append((("resources", name, key),
                                 f"year {key} is outside the bid's years {years}", key))
            elif key < FIRST_YEAR and key >= bid.horizon:
                problems.append((("resources", name, key), f"period {key} is past the bid's "
                                 f"horizon of {bid.horizon} periods (0 to {bid.horizon - 1})",
                                 key))
        if any(key >= FIRST_YEAR for key in keys) and any(key < FIRST_YEAR for key in keys):
            problems.append((("resources", name), "mixes financial years and periods; give "
                             "amounts by year (2025: 4) or by period (a list), not both",
                             dict(profile)))
    return problems
