"""Advice on valid bids: things that are allowed but probably not meant.

One mechanism: :data:`CHECKS` lists the checks that read a bid without running
it, each a function of the bid returning :class:`~bpv.errors.Finding` objects
(located, with a severity); :func:`lint` runs them all. The checks that need a
sample of the bid's values are added by :func:`bpv.engine.sanity.check_bid`,
which ``bpv validate`` runs. docs/validation.md lists every check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from bpv.errors import Finding
from bpv.spec.bid import Bid
from bpv.spec.distributions import Quantiles
from bpv.spec.sanity import (
    document_order,
    qaly_value_findings,
    scenario_factor_findings,
    share_support_findings,
    unit_findings,
)

__all__ = ["CHECKS", "QUANTILE_FIT_TOLERANCE", "Check", "lint"]

#: Largest gap, in probability, between a quantile judgement and the fitted
#: distribution's CDF that passes without comment.
QUANTILE_FIT_TOLERANCE = 0.02

#: A check: what it finds in a valid bid.
Check = Callable[[Bid], list[Finding]]


def _unused_parameters(bid: Bid) -> list[Finding]:
    used: set[str] = set()
    for node in bid.nodes:
        used |= node.references
    return [Finding(f"parameters.{name}", "parameter is not used by any node",
                    check="unused-parameter")
            for name in bid.parameters if name not in used]


def _ungraded_hypotheses(bid: Bid) -> list[Finding]:
    return [Finding(f"parameters.{name}", "success hypothesis has no evidence grade; add "
                    "evidence: very_weak ... very_strong", check="evidence-grade")
            for name, parameter in bid.parameters.items()
            if parameter.is_hypothesis and parameter.evidence is None and parameter.sms is None]


def _loose_quantile_fits(bid: Bid) -> list[Finding]:
    findings = []
    for name, parameter in bid.parameters.items():
        judged = parameter.distribution
        if isinstance(judged, Quantiles) and judged.fit.max_abs_error > QUANTILE_FIT_TOLERANCE:
            findings.append(Finding(
                f"parameters.{name}", f"the fitted {judged.shape} misses the quantile "
                f"judgements by up to {judged.fit.max_abs_error:.3f} in probability; check the "
                "judgements or try another shape", check="quantile-fit"))
    return findings


def _idle_organisations(bid: Bid) -> list[Finding]:
    named = {node.organisation for node in bid.nodes}
    return [Finding(f"organisations[{index}]", f"no node falls on organisation "
                    f"'{organisation.id}'", check="idle-organisation")
            for index, organisation in enumerate(bid.organisations)
            if organisation.id not in named]


#: The checks of a valid bid that do not run it, by name, in the order they are reported.
CHECKS: Final[Mapping[str, Check]] = {
    "unused-parameter": _unused_parameters,
    "evidence-grade": _ungraded_hypotheses,
    "quantile-fit": _loose_quantile_fits,
    "share-above-one": share_support_findings,
    "qaly-value": qaly_value_findings,
    "factor-above-one": scenario_factor_findings,
    "mixed-units": unit_findings,
    "idle-organisation": _idle_organisations,
}


def lint(bid: Bid) -> list[Finding]:
    """Return advice on a valid bid: what every check of :data:`CHECKS` finds.

    Checks that parameters are used, that success hypotheses grade their
    evidence, that quantile judgements are fitted closely (within
    :data:`QUANTILE_FIT_TOLERANCE` in probability), that shares stay within
    [0, 1], that the value of a QALY and scenario factors are plausible, that
    formulas do not add different units, and that every organisation named
    carries some of the bid. :func:`bpv.check_bid` adds the checks that need
    a sample of the bid's values.

    Parameters
    ----------
    bid : Bid

    Returns
    -------
    list of Finding
        Empty when there is nothing to say. ``bpv validate`` prints these as
        warnings (``--strict`` makes them fail).

    Examples
    --------
    >>> import bpv
    >>> lint(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    []
    """
    return document_order(bid, [finding for check in CHECKS.values() for finding in check(bid)])
