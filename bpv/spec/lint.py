"""Advice on valid bids: things that are allowed but probably not meant."""

from __future__ import annotations

from bpv.errors import Problem
from bpv.spec.bid import Bid
from bpv.spec.distributions import Quantiles

__all__ = ["QUANTILE_FIT_TOLERANCE", "lint"]

#: Largest gap, in probability, between a quantile judgement and the fitted
#: distribution's CDF that passes without comment.
QUANTILE_FIT_TOLERANCE = 0.02


def lint(bid: Bid) -> list[Problem]:
    """Return advice on a valid bid, most important first.

    Checks that parameters are used, that success hypotheses grade their
    evidence, that quantile judgements are fitted closely (within
    :data:`QUANTILE_FIT_TOLERANCE` in probability), and that every
    organisation named in the bid carries some of it.

    Parameters
    ----------
    bid : Bid

    Returns
    -------
    list of Problem
        Empty when there is nothing to say. ``bpv validate`` prints these as
        warnings (``--strict`` makes them fail).

    Examples
    --------
    >>> import bpv
    >>> lint(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    []
    """
    used: set[str] = set()
    for node in bid.nodes:
        used |= node.references
    advice: list[Problem] = []
    for name, parameter in bid.parameters.items():
        if name not in used:
            advice.append(Problem(f"parameters.{name}", "parameter is not used by any node"))
        if parameter.is_hypothesis and parameter.evidence is None and parameter.sms is None:
            advice.append(Problem(f"parameters.{name}", "success hypothesis has no evidence "
                                  "grade; add evidence: very_weak ... very_strong"))
        judged = parameter.distribution
        if isinstance(judged, Quantiles) and judged.fit.max_abs_error > QUANTILE_FIT_TOLERANCE:
            advice.append(Problem(f"parameters.{name}", f"the fitted {judged.shape} misses the "
                                  f"quantile judgements by up to {judged.fit.max_abs_error:.3f} "
                                  "in probability; check the judgements or try another shape"))
    named = {node.organisation for node in bid.nodes}
    for index, organisation in enumerate(bid.organisations):
        if organisation.id not in named:
            advice.append(Problem(f"organisations[{index}]", f"no node falls on organisation "
                                  f"'{organisation.id}'"))
    return advice
