"""Advice on valid bids: things that are allowed but probably not meant."""

from __future__ import annotations

from bpv.errors import Problem
from bpv.spec.bid import Bid

__all__ = ["lint"]


def lint(bid: Bid) -> list[Problem]:
    """Return advice on a valid bid, most important first.

    Checks that parameters are used, that success hypotheses grade their
    evidence, and that every organisation named in the bid carries some of it.

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
    named = {node.organisation for node in bid.nodes}
    for index, organisation in enumerate(bid.organisations):
        if organisation.id not in named:
            advice.append(Problem(f"organisations[{index}]", f"no node falls on organisation "
                                  f"'{organisation.id}'"))
    return advice
