"""Sanity checks that read a valid bid without running it: shares, settings, scenarios, units.

Each check takes a bid and returns :class:`~bpv.errors.Finding` objects, each
naming its node or parameter by id; :data:`bpv.spec.lint.CHECKS` lists them
with the other checks of a valid bid, and docs/validation.md documents every
one with the message it gives. The checks that need the bid's values (a cost
that can go negative) run on a small sample, in :mod:`bpv.engine.sanity`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final

from bpv.errors import Finding
from bpv.spec.scenario import ScaleParameter, UpliftCosts
from bpv.spec.units import quantity_of, unit_mismatches

if TYPE_CHECKING:
    from bpv.spec.bid import Bid
    from bpv.spec.parameter import Parameter

__all__ = ["MAX_QALY_VALUE", "MIN_QALY_VALUE", "document_order", "node_location",
           "qaly_value_findings",
           "scenario_factor_findings", "share_reason", "share_support_findings",
           "unit_findings"]

#: The value of a QALY below which (other than 0) bpv asks whether it is meant, in GBP.
MIN_QALY_VALUE: Final = 1_000.0
#: The value of a QALY above which bpv asks whether it is meant, in GBP.
MAX_QALY_VALUE: Final = 1_000_000.0

_SHARE_UNIT: Final = re.compile(r"^(share|proportion|probability|fraction|percent|percentage)\b"
                                r"|%")


def node_location(node_id: str) -> str:
    """Return how a finding names a node: by its id.

    Examples
    --------
    >>> node_location("beds_saved")
    "nodes['beds_saved']"
    """
    return f"nodes[{node_id!r}]"


_SECTIONS: Final = ("settings", "parameters", "nodes", "scenarios", "organisations")
_LOCATION: Final = re.compile(
    r"^([a-z_]+)(?:\.([A-Za-z0-9_.-]+?)(?=\.|$)|\['([^']*)'\]|\[(\d+)\])?")


def document_order(bid: Bid, findings: list[Finding]) -> list[Finding]:
    """Sort findings as a reader meets their places: settings, parameters, nodes, scenarios.

    Within a section, by the position of the parameter, node or organisation
    named; findings at one place keep the order of the checks.
    """
    positions = {"parameters": {name: i for i, name in enumerate(bid.parameters)},
                 "nodes": {node_id: i for i, node_id in enumerate(bid.node_ids)},
                 "scenarios": {name: i for i, name in enumerate(bid.scenarios)}}

    def key(finding: Finding) -> tuple[int, int]:
        match = _LOCATION.match(finding.location)
        if match is None or match.group(1) not in _SECTIONS:
            return len(_SECTIONS), 0
        section, name, quoted, index = match.groups()
        within = positions.get(section, {})
        place = int(index) if index is not None else within.get(name or quoted or "", 0)
        return _SECTIONS.index(section), place

    return sorted(findings, key=key)


def share_reason(name: str, parameter: Parameter) -> str | None:
    """Say why a parameter reads as a share (a value in [0, 1]), or return None.

    A share by its unit (share, proportion, probability, fraction, percent,
    %), by its name (ending ``_share``), or a ``_rate`` with no unit or a
    share's unit (a rate per 1,000 people says so in its unit).

    Examples
    --------
    >>> from bpv.spec.parameter import Parameter
    >>> share_reason("uptake_share", Parameter.model_validate(0.4))
    "its name ends in '_share'"
    >>> share_reason("admit_rate", Parameter.model_validate(0.3))
    "it is a '_rate' with no unit"
    >>> share_reason("admit_rate", Parameter.model_validate({"dist": "fixed", "value": 30,
    ...              "unit": "per 1,000 people"})) is None
    True
    """
    unit = (parameter.unit or "").strip().lower()
    if unit and (_SHARE_UNIT.search(unit) or quantity_of(unit) == "shares"):
        return f"its unit is '{parameter.unit}'"
    if name.endswith("_share"):
        return "its name ends in '_share'"
    if name.endswith("_rate") and not unit:
        return "it is a '_rate' with no unit"
    return None


def share_support_findings(bid: Bid) -> list[Finding]:
    """Find share-like parameters whose distribution reaches above 1 (``uniform 25 to 45``).

    Unbounded distributions (a normal) are judged on a sample instead, in
    :mod:`bpv.engine.sanity`.
    """
    findings = []
    for name, parameter in bid.parameters.items():
        reason = share_reason(name, parameter)
        high = parameter.distribution.support()[1]
        if reason is not None and math.isfinite(high) and high > 1:
            findings.append(share_finding(name, reason, f"can take values up to {high:g}"))
    return findings


def share_finding(name: str, reason: str, values: str) -> Finding:
    """Word the finding of a share above 1 (shared with the sampled check)."""
    return Finding(f"parameters.{name}", f"reads as a share ({reason}) but {values}; formulas "
                   "use numbers as written, so write a share as a decimal in [0, 1] (35% is "
                   "0.35); if it is not a share, say what it counts in its unit",
                   check="share-above-one")


def qaly_value_findings(bid: Bid) -> list[Finding]:
    """Question a value of a QALY below GBP 1,000 or above GBP 1m (0 leaves health out)."""
    value = bid.settings.qaly_value
    if value == 0 or MIN_QALY_VALUE <= value <= MAX_QALY_VALUE:
        return []
    side = "below" if value < MIN_QALY_VALUE else "above"
    return [Finding("settings.qaly_value", f"a QALY valued at £{value:,.0f} is {side} the "
                    f"plausible £{MIN_QALY_VALUE:,.0f} to £{MAX_QALY_VALUE:,.0f}; HM Treasury "
                    "values a QALY at £70,000 and NICE's threshold is £20,000-£30,000; write "
                    "the value in pounds (70000), or 0 to leave health out",
                    check="qaly-value")]


def scenario_factor_findings(bid: Bid) -> list[Finding]:
    """Find scenario factors above 1 where a share is meant (``uplift_costs ... by: 20``)."""
    findings = []
    for scenario_name, scenario in bid.scenarios.items():
        for index, change in enumerate(scenario.changes):
            where = f"scenarios.{scenario_name}.changes[{index}].by"
            if isinstance(change, UpliftCosts) and change.by > 1:
                findings.append(Finding(where, f"raises costs by {change.by:g}, that is "
                                        f"{change.by:.0%}; the uplift is a share (write 0.2 "
                                        "for 20%)", check="factor-above-one"))
            elif isinstance(change, ScaleParameter) and change.by > 1 \
                    and change.scale in bid.parameters:
                parameter = bid.parameters[change.scale]
                reason = share_reason(change.scale, parameter)
                high = parameter.distribution.support()[1]
                if reason is not None and math.isfinite(high) and high * change.by > 1:
                    findings.append(Finding(where, f"scales '{change.scale}', which reads as a "
                                            f"share ({reason}), by {change.by:g}: it can then "
                                            f"reach {high * change.by:g}, above 1",
                                            check="factor-above-one"))
    return findings


def unit_findings(bid: Bid) -> list[Finding]:
    """Find formulas that add, subtract or compare names in different recognised units."""
    units: dict[str, str | None] = {name: parameter.unit
                                    for name, parameter in bid.parameters.items()}
    units |= {node.id: node.unit for node in bid.nodes}
    recognised = {name for name, unit in units.items() if quantity_of(unit) is not None}
    findings = []
    for node in bid.nodes:
        if node.formula is None or len(node.references & recognised) < 2:
            continue  # nothing to compare: no need to read the formula again
        for left, right in unit_mismatches(node.formula, units):
            findings.append(Finding(
                f"{node_location(node.id)}.formula",
                f"adds or compares '{left}' ({units[left]}) and '{right}' ({units[right]}): "
                "different units; convert one first (admissions * bed_days_per_admission)",
                check="mixed-units"))
    return findings
