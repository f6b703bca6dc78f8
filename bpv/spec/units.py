"""Units of care: a small registry, and the formulas that add or compare different ones.

A parameter's or node's ``unit:`` is free text (``people a year``, ``GBP per
referral``). Those this registry recognises name a quantity: admissions, bed
days, appointments, contacts, patients, staff (WTE), money, QALYs, shares,
tests, years. A formula that adds, subtracts or compares two names whose
units are both recognised and differ (``admissions + bed_days``) is probably
a mistake; :func:`unit_mismatches` finds them. Units it does not recognise
are never compared, so free text costs nothing.

A hand-written registry rather than pint: bids need no conversion between
units, only to tell two kinds of count apart, and pint knows metres and
seconds, not admissions or bed days (every care unit would be a custom
dimension), while it costs a dependency and tenths of a second at start-up.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Final

from bpv.formulas.reading import read_formula

__all__ = ["CARE_UNITS", "quantity_of", "unit_mismatches"]

#: The recognised units: the quantity each names, by the words (singular,
#: lower case) that write it.
CARE_UNITS: Final[Mapping[str, tuple[str, ...]]] = {
    "admissions": ("admission", "admissions avoided", "emergency admission", "spell"),
    "bed days": ("bed day", "bed-day", "beddays", "bed days saved", "occupied bed day"),
    "appointments": ("appointment", "attendance", "outpatient appointment", "visit"),
    "contacts": ("contact",),
    "patients": ("patient", "person", "people", "participant", "referral", "service user",
                 "resident"),
    "staff": ("wte", "fte", "whole-time equivalent", "whole time equivalent", "staff"),
    "money": ("£", "gbp", "pound", "pounds"),
    "QALYs": ("qaly",),
    "shares": ("share", "proportion", "probability", "fraction", "%", "percent",
               "percentage"),
    "tests": ("test",),
    "years": ("year",),
}

_BY_WORD: Final = {word: quantity for quantity, words in CARE_UNITS.items()
                   for word in (quantity.lower().rstrip("s"), *words)}
#: Words after a unit that say how often, not what: ``people a year`` counts people.
_PER_PERIOD: Final = re.compile(r"\s+(a|per|each)\s+(year|annum|period)$")


def quantity_of(unit: str | None) -> str | None:
    """Return the quantity a unit names, or None when the registry does not know it.

    The whole unit must be one of the registry's words (plural or singular,
    any case), optionally followed by ``a year`` or ``per year``; anything
    more (``GBP per referral``, ``QALYs per case``) is not recognised.

    Examples
    --------
    >>> quantity_of("Admissions"), quantity_of("bed days"), quantity_of("people a year")
    ('admissions', 'bed days', 'patients')
    >>> quantity_of("GBP"), quantity_of("WTE"), quantity_of("share of starters")
    ('money', 'staff', None)
    >>> quantity_of("GBP per referral") is None
    True
    """
    if not unit:
        return None
    text = _PER_PERIOD.sub("", " ".join(unit.lower().split()))
    for candidate in (text, text.removesuffix("s"), text.removesuffix("es")):
        if candidate in _BY_WORD:
            return _BY_WORD[candidate]
    return None


def unit_mismatches(formula: str, units: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """Return the pairs of names a formula adds, subtracts or compares in different units.

    Only names written directly either side of ``+``, ``-`` or a comparison
    are compared (``a * b + c`` compares nothing: the unit of a product is
    not known), each pair once.

    Parameters
    ----------
    formula : str
    units : mapping of str to str or None
        The declared unit of each name.

    Examples
    --------
    >>> unit_mismatches("admissions_avoided + bed_days",
    ...                 {"admissions_avoided": "admissions", "bed_days": "bed days"})
    [('admissions_avoided', 'bed_days')]
    >>> unit_mismatches("beds * 365 + bed_days", {"beds": "beds", "bed_days": "bed days"})
    []
    """
    tree, _ = read_formula(formula)
    found: list[tuple[str, str]] = []
    for left, right in _compared(tree.body):
        first, second = quantity_of(units.get(left)), quantity_of(units.get(right))
        if first is not None and second is not None and first != second \
                and (left, right) not in found:
            found.append((left, right))
    return found


def _compared(node: ast.AST) -> Iterator[tuple[str, str]]:
    """Yield the pairs of bare names either side of an addition, subtraction or comparison."""
    for child in ast.walk(node):
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Add | ast.Sub):
            for left in _terms(child.left):
                for right in _terms(child.right):
                    yield left, right
        elif isinstance(child, ast.Compare):
            sides = [child.left, *child.comparators]
            for first, second in itertools.pairwise(sides):
                if isinstance(first, ast.Name) and isinstance(second, ast.Name):
                    yield first.id, second.id


def _terms(node: ast.AST) -> list[str]:
    """Return the bare names summed in ``node``: a, b, c of ``a + b - c``; none of a product."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _terms(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return [*_terms(node.left), *_terms(node.right)]
    return []
