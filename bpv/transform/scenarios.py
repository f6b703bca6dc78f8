"""Scenarios applied: a bid and a named list of changes in, the changed, valid bid out.

A scenario (:class:`~bpv.spec.scenario.Scenario`) is a list of changes: replace
or scale a parameter, delay an activity, set or scale its success probability,
uplift costs. :func:`apply_scenario` turns a bid and a scenario into the
changed bid, an ordinary validated :class:`~bpv.spec.bid.Bid`, by the same
mechanism as the settings adjustments (:class:`~bpv.transform.draft.Draft`).
Every change keeps names (a scaled parameter ``x`` is drawn as before and
formulas use ``(x * k)``), so a scenario and its base case see the same draws
of everything the scenario leaves alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from bpv._utils.validation import check_instance
from bpv.errors import (
    BidValidationError,
    Problem,
    UnknownNameError,
    did_you_mean,
    format_location,
)
from bpv.formulas.rewrite import number
from bpv.spec.bid import Bid
from bpv.spec.scenario import (
    Change,
    ChangeSuccess,
    DelayActivity,
    NodeFacts,
    ReplaceParameter,
    ScaleParameter,
    Scenario,
    scenario_problems,
)
from bpv.transform.draft import Draft

__all__ = ["apply_scenario", "check_scenarios"]


def check_scenarios(bid: Bid, chosen: Mapping[str, Scenario]) -> None:
    """Check scenarios against a bid: every name they use exists, every change fits.

    Parameters
    ----------
    bid : Bid
    chosen : mapping of str to Scenario
        Scenarios by name.

    Raises
    ------
    BidValidationError
        With every problem of every scenario, each at its location
        (``scenarios.late.changes[0].delay: unknown activity 'wrd' (did you
        mean 'ward'?)``).
    """
    facts = {node.id: NodeFacts(kind=node.kind, success=node.success, measure=node.measure,
                                cost_type=node.cost_type)
             for node in bid.nodes}
    problems: list[Problem] = []
    for name, scenario in chosen.items():
        problems += [Problem(format_location(location), message)
                     for location, message, _ in scenario_problems(
                         name, scenario, bid.parameters, facts, ("scenarios", name))]
    if problems:
        raise BidValidationError(problems, source=f"the scenarios of bid '{bid.id}'")


def apply_scenario(bid: Bid, scenario: Scenario | str, *, name: str | None = None) -> Bid:
    """Return the bid as the scenario changes it: a new, validated bid.

    Parameters
    ----------
    bid : Bid
        Never modified.
    scenario : Scenario or str
        A scenario, or the name of one of ``bid.scenarios``.
    name : str, optional
        The scenario's name, for messages (default: its name in the bid, or
        ``'scenario'``).

    Returns
    -------
    Bid
        The changed bid, with the same id and no ``scenarios`` of its own.
        Its settings' policies (:func:`bpv.adjust`) still apply when it is
        appraised, on top of the scenario.

    Raises
    ------
    BidValidationError
        If a change names a parameter or activity the bid does not have (all
        such problems at once, located), or the changed bid is not valid.
    UnknownNameError
        If ``scenario`` names no scenario of the bid.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> late = bpv.Scenario(changes=[{"delay": "ward", "by": 1}, {"scale": "tariff", "by": 0.9}])
    >>> changed = apply_scenario(bid, late)
    >>> changed.node("ward").start, changed.node("icb_tariff_saved").formula
    (1, 'admissions_avoided * (tariff * 0.9)')
    >>> apply_scenario(bid, bpv.Scenario(changes=[{"delay": "wrad", "by": 1}]))
    Traceback (most recent call last):
    ...
    bpv.errors.BidValidationError: 1 problem found in the scenarios of bid 'frailty-virtual-ward':
      scenarios.scenario.changes[0].delay: unknown activity 'wrad' (did you mean 'ward'?)
    """
    if isinstance(scenario, str):
        name = scenario
        if scenario not in bid.scenarios:
            msg = (f"bid '{bid.id}' has no scenario '{scenario}'"
                   f"{did_you_mean(scenario, bid.scenarios)}")
            raise UnknownNameError(msg)
        scenario = bid.scenarios[scenario]
    check_instance(scenario, Scenario, name="scenario", function="apply_scenario",
                   expected="a bpv.Scenario or the name of one of the bid's scenarios")
    name = name or "scenario"
    check_scenarios(bid, {name: scenario})
    draft = Draft(bid)
    for change in scenario.changes:
        _apply(draft, change)
    draft.data.pop("scenarios", None)
    return draft.build(f"scenario '{name}'")


def _apply(draft: Draft, change: Change) -> None:
    if isinstance(change, ReplaceParameter):
        draft.replace_parameter(change.replace, change.with_)
    elif isinstance(change, ScaleParameter):
        draft.scale_parameter(change.scale, change.by, "scenario_gate")
    elif isinstance(change, DelayActivity):
        draft.delay(change.delay, change.by)
    elif isinstance(change, ChangeSuccess):
        if change.to is not None:
            draft.node(change.success)["success"] = change.to
        else:
            assert change.by is not None  # noqa: S101 - the model requires one of the two
            draft.scale_success(change.success, change.by, "scenario_gate")
    else:
        types = ("capital", "revenue") if change.uplift_costs == "all" \
            else (change.uplift_costs,)
        chosen = [node.id for node in draft.bid.nodes
                  if node.measure == "cost" and node.cost_type in types]
        adjusted, _ = draft.first_of_their_kind(chosen)
        draft.multiply_nodes(adjusted, number(1.0 + change.by))
