"""Settings adjustments: the effective bid the engine evaluates, and what was applied.

A bid may declare policies in its settings (:mod:`bpv.spec.policies`):
optimism bias, an evidence policy and additionality. :func:`adjust` applies
them, as one pure function of the bid: it returns the *effective* bid, an
ordinary validated :class:`~bpv.spec.bid.Bid` whose formulas say what was
done, and a plain-language :class:`Adjustment` for each step. Every
appraisal calls it (``bpv.appraise`` evaluates the effective bid and records
the adjustments in ``result.provenance["adjustments"]``). A bid that
declares no policy is returned unchanged.

How each policy is applied
--------------------------
Optimism bias (HM Treasury Green Book supplementary guidance)
    Capital ``cost`` nodes: formula × (1 + OB capital). Revenue ``cost``
    nodes: formula × (1 + OB operating) (outsourcing, or your own uplift).
    Duration: every activity's timeline is stretched by (1 + OB duration):
    its ``start`` and its ramp (a ramp of 0 counting as 1) are multiplied,
    so every milestone of delivery, and everything computed from it
    (benefits, and costs that follow delivery), comes that much later.
Evidence policy
    Each success hypothesis (a parameter with ``hypothesis``) is multiplied
    by its grade's multiplier wherever it is used: ``x`` becomes
    ``(x * 0.75)`` in formulas; a success probability taken from it is
    scaled too.
Additionality
    Each factor becomes a parameter of the effective bid with a reserved
    name (``additionality_deadweight``, ``additionality_displacement``,
    ``additionality_leakage``, ``additionality_substitution``), drawn on its
    own named random stream; benefit nodes (``cash_releasing``,
    ``non_cash_releasing``, ``qaly`` by default) are multiplied by
    ``(1 - additionality_deadweight) * (1 - additionality_displacement) * …``.
    ``metric`` nodes (natural units) stay gross.

A node computed from another node that the same step adjusts (a contingency
that is 10% of a capital cost) inherits the adjustment through its formula
and is not adjusted again.

References
----------
HM Treasury, *The Green Book: supplementary guidance — optimism bias*
(Mott MacDonald, *Review of Large Public Procurement in the UK*, 2002).
HM Treasury / Homes and Communities Agency, *Additionality Guide*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import check_instance
from bpv.formulas.rewrite import number
from bpv.spec.bid import Bid
from bpv.spec.distributions import Fixed
from bpv.spec.policies import (
    ADDITIONALITY_PARAMETERS,
    OPTIMISM_BIAS_SOURCE,
    Additionality,
    EvidencePolicy,
    OptimismBias,
    grade_of,
)
from bpv.transform.draft import Draft

__all__ = ["ADDITIONALITY_SOURCE", "Adjusted", "Adjustment", "Policy", "adjust", "brief",
           "complete_inputs"]

Policy = Literal["optimism_bias", "evidence", "additionality"]

ADDITIONALITY_SOURCE = (
    "HM Treasury / HCA Additionality Guide: net = gross × (1 − deadweight) × "
    "(1 − displacement) × (1 − leakage) × (1 − substitution)"
)

_SETTINGS_KEYS = ("optimism_bias", "evidence_policy", "additionality")


@dataclass(frozen=True)
class Adjustment:
    """One step of a settings policy, as applied to a bid.

    Attributes
    ----------
    policy : {'optimism_bias', 'evidence', 'additionality'}
    what : str
        What it changes: ``capital costs``, ``operating costs``, ``delivery
        time``, ``success hypothesis``, ``benefits``.
    targets : tuple of str
        The nodes or parameters changed.
    factor : float or None
        The multiplier (1.321 for 32.1% more), or None when it is uncertain
        (additionality with distributions).
    expression : str
        What the formulas are multiplied by, as formula text (for delivery
        time, what each activity's start and ramp are multiplied by).
    statement : str
        The whole step in plain words.
    source : str
        Where the numbers come from.
    """

    policy: Policy
    what: str
    targets: tuple[str, ...]
    factor: float | None
    expression: str
    statement: str
    source: str

    def __str__(self) -> str:
        return self.statement

    @property
    def brief(self) -> str:
        """The adjustment in a few words (see :func:`brief`)."""
        return brief(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """Return the adjustment as plain data (for JSON and provenance)."""
        return {"policy": self.policy, "what": self.what, "targets": list(self.targets),
                "factor": self.factor, "expression": self.expression,
                "statement": self.statement, "source": self.source}


@dataclass(frozen=True)
class Adjusted:
    """The effective bid and the adjustments that made it.

    Attributes
    ----------
    bid : Bid
        The effective bid: valid, with the policies applied and removed from
        its settings (so adjusting it again changes nothing).
    applied : tuple of Adjustment
        What was applied, in order; empty when the bid declares no policy.
    """

    bid: Bid
    applied: tuple[Adjustment, ...]

    def statements(self) -> list[str]:
        """Return each adjustment in plain words."""
        return [adjustment.statement for adjustment in self.applied]

    def to_dicts(self) -> list[dict[str, Any]]:
        """Return each adjustment as plain data."""
        return [adjustment.to_dict() for adjustment in self.applied]


def brief(adjustment: Mapping[str, Any]) -> str:
    """Say an adjustment (as plain data, from provenance) in a few words.

    Examples
    --------
    >>> brief({"policy": "optimism_bias", "what": "capital costs", "expression": "1.321",
    ...        "targets": ["lims", "analysers"]})
    'optimism bias: capital costs × 1.321 (lims, analysers)'
    """
    targets = ", ".join(adjustment.get("targets") or ()) or "nothing"
    policy = str(adjustment.get("policy", "")).replace("_", " ")
    return f"{policy}: {adjustment.get('what')} × {adjustment.get('expression')} ({targets})"


def adjust(bid: Bid) -> Adjusted:
    """Apply the policies a bid declares in its settings; return the effective bid.

    Parameters
    ----------
    bid : Bid

    Returns
    -------
    Adjusted
        ``.bid`` is the effective bid (``bid`` itself when no policy is
        declared); ``.applied`` says what was done.

    Raises
    ------
    BidValidationError
        If the effective bid is not valid (a formula grown past the length
        limit, say), with every problem.

    See Also
    --------
    bpv.spec.policies : The policies and their sources.

    Examples
    --------
    The Green Book's combined example (30% non-standard, 70% standard
    buildings) raises capital costs by 32.1% and stretches delivery by 14.5%:

    >>> import bpv
    >>> bid = bpv.load("examples/bids/pathology_network.yaml")
    >>> data = bid.to_dict()
    >>> data["settings"]["optimism_bias"] = {
    ...     "project_type": {"non_standard_buildings": 0.3, "standard_buildings": 0.7}}
    >>> adjusted = bpv.adjust(bpv.Bid.model_validate(data))
    >>> adjusted.bid.node("lims").formula
    '(lims_capex * (t == 0)) * 1.321'
    >>> print(adjusted.applied[0])  # doctest: +ELLIPSIS
    Optimism bias: capital costs raised by 32.1% (× 1.321): lims, analysers [...]
    >>> print(adjusted.applied[1])  # doctest: +ELLIPSIS
    Optimism bias: every activity takes 14.5% longer ... in period 1.145, ramp 2.29 [...]
    >>> bpv.adjust(adjusted.bid).applied
    ()
    """
    check_instance(bid, Bid, name="bid", function="adjust", expected="a bpv.Bid (use bpv.load)")
    settings = bid.settings
    if all(getattr(settings, key) is None for key in _SETTINGS_KEYS):
        return Adjusted(bid, ())
    draft = Draft(bid)
    applied: list[Adjustment] = []
    if settings.optimism_bias is not None:
        applied += _optimism_bias(draft, settings.optimism_bias)
    policy = settings.evidence_multipliers
    if policy is not None:
        applied += _evidence(draft, policy)
    if settings.additionality is not None:
        applied += _additionality(draft, settings.additionality)
    data_settings: dict[str, Any] = draft.data.get("settings", {})
    for key in _SETTINGS_KEYS:
        data_settings.pop(key, None)
    return Adjusted(draft.build("its settings' policies"), tuple(applied))


def complete_inputs(effective: Bid, given: Mapping[str, NDArray[np.float64]], n_rows: int
                    ) -> dict[str, NDArray[np.float64]]:
    """Complete inputs given for a bid with those its adjustments added, at their means.

    :func:`bpv.engine.evaluate` takes values for the bid's own uncertain
    inputs; the effective bid may have more: an additionality factor given
    as a distribution, an evidence gate. Each is set to its mean (for a gate,
    the expected delivery).

    Parameters
    ----------
    effective : Bid
        The effective bid (``adjust(bid).bid``).
    given : mapping of str to ndarray of shape (n_rows,)
        The inputs given, by input name.
    n_rows : int

    Returns
    -------
    dict of str to ndarray of shape (n_rows,)
    """
    completed = dict(given)
    for name, parameter in effective.parameters.items():
        if name not in completed and not isinstance(parameter.distribution, Fixed):
            mean = float(parameter.distribution.to_scipy().mean())
            completed[name] = np.full(n_rows, mean)
    return completed


# -- optimism bias ------------------------------------------------------------------------


def _optimism_bias(draft: Draft, policy: OptimismBias) -> list[Adjustment]:
    uplifts = policy.uplifts()
    source = OPTIMISM_BIAS_SOURCE if policy.project_type is not None else (
        policy.source or "the bid's own optimism bias uplifts")
    applied = [_uplift_costs(draft, what, cost_type, uplift, uplifts.basis, source)
               for what, cost_type, uplift in (("capital costs", "capital", uplifts.capital),
                                               ("operating costs", "revenue", uplifts.operating))
               if uplift > 0]
    if uplifts.duration > 0:
        factor = 1.0 + uplifts.duration
        activities = [node.id for node in draft.bid.nodes if node.kind == "activity"]
        notes = [draft.stretch(activity, factor) for activity in activities]
        done = "; ".join(notes) if notes else "the bid has no activities to delay"
        applied.append(Adjustment(
            "optimism_bias", "delivery time", tuple(activities), factor, number(factor),
            f"Optimism bias: every activity takes {uplifts.duration:.1%} longer to deliver "
            f"(start and ramp × {number(factor)}): {done} [{uplifts.basis}]", source))
    return applied


def _uplift_costs(draft: Draft, what: str, cost_type: str, uplift: float, basis: str,
                  source: str) -> Adjustment:
    chosen = [node.id for node in draft.bid.nodes
              if node.measure == "cost" and node.cost_type == cost_type]
    adjusted, inherited = draft.first_of_their_kind(chosen)
    factor = 1.0 + uplift
    draft.multiply_nodes(adjusted, number(factor))
    nodes = ", ".join(adjusted) if adjusted else f"the bid has no {cost_type} cost nodes"
    return Adjustment(
        "optimism_bias", what, tuple(adjusted), factor, number(factor),
        f"Optimism bias: {what} raised by {uplift:.1%} (× {number(factor)}): {nodes}"
        f"{_inherit_words(inherited)} [{basis}]", source)


# -- evidence -----------------------------------------------------------------------------


def _evidence(draft: Draft, policy: EvidencePolicy) -> list[Adjustment]:
    source = policy.source or "the bid's own evidence policy"
    applied: list[Adjustment] = []
    for name, parameter in draft.bid.parameters.items():
        if not parameter.is_hypothesis:
            continue
        grade = grade_of(parameter)
        factor = policy.multiplier(grade)
        notes = draft.scale_parameter(name, factor, "evidence_gate") if factor != 1 else []
        graded = f"{grade.replace('_', ' ')} evidence" if grade else "no evidence grade"
        extra = f"; {'; '.join(notes)}" if notes else ""
        applied.append(Adjustment(
            "evidence", "success hypothesis", (name,), factor, number(factor),
            f"Evidence policy: success hypothesis '{name}' ({graded}) × {number(factor)}{extra}",
            source))
    return applied


# -- additionality ------------------------------------------------------------------------


def _additionality(draft: Draft, policy: Additionality) -> list[Adjustment]:
    factors = policy.factors()
    terms = []
    described = []
    for factor, parameter in factors.items():
        name = ADDITIONALITY_PARAMETERS[factor]
        draft.parameters[name] = parameter.model_dump(mode="json", by_alias=True,
                                                      exclude_unset=True)
        terms.append(f"(1 - {name})")
        described.append(f"{factor} {parameter.distribution.describe()}")
    expression = " * ".join(terms)
    chosen = [node.id for node in draft.bid.nodes if node.measure in policy.measures]
    adjusted, inherited = draft.first_of_their_kind(chosen)
    draft.multiply_nodes(adjusted, expression)
    share = policy.net_share()
    net = f" = gross × {number(share)}" if share is not None else ""
    nodes = ", ".join(adjusted) if adjusted else "the bid has no such benefit nodes"
    source = ADDITIONALITY_SOURCE + (f"; factors: {policy.source}" if policy.source else "")
    return [Adjustment(
        "additionality", "benefits", tuple(adjusted), share, expression,
        f"Additionality: {', '.join(policy.measures)} benefits net of "
        f"{', '.join(described)}: net = gross × {expression}{net}: {nodes}"
        f"{_inherit_words(inherited)}", source)]


def _inherit_words(inherited: list[str]) -> str:
    if not inherited:
        return ""
    return f" ({', '.join(inherited)} inherit{'s' if len(inherited) == 1 else ''} it from " \
           "the nodes they are computed from)"
