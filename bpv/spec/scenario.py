"""Scenarios: named stress tests of a bid, as lists of changes.

A scenario is written in the bid's ``scenarios:`` mapping, or built in code::

    scenarios:
      late_and_dear:
        description: The LIMS goes live a year late and capital overruns by 20%
        changes:
          - {delay: consolidation, by: 1}
          - {uplift_costs: capital, by: 0.2}
      weak_evidence:
        changes:
          - {scale: workforce_saving_share, by: 0.5}
          - {replace: consumables_saving_share, with: 0.01}
          - {success: consolidation, by: 0.8}

Each change is one mapping whose first key says what it does:

=================================  ===============================================
``{replace: x, with: P}``          parameter ``x`` becomes ``P`` (a number or a
                                   distribution, as in ``parameters:``)
``{scale: x, by: k}``              parameter ``x`` is multiplied by ``k``
                                   wherever it is used
``{delay: a, by: k}``              activity ``a`` starts ``k`` periods later
``{success: a, to: p}``            activity ``a``'s success probability becomes ``p``
``{success: a, by: k}``            activity ``a``'s success probability is
                                   multiplied by ``k``
``{uplift_costs: all, by: u}``     every cost (or only ``capital`` or
                                   ``revenue`` ones) rises by the share ``u``
=================================  ===============================================

:func:`bpv.apply_scenario` turns a bid and a scenario into the
changed bid; :func:`bpv.scenarios` appraises them side by side on
the same draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from bpv.errors import did_you_mean
from bpv.spec._base import IS_NUMBER, MAX_CHANGES, Spec, Text, raise_problems
from bpv.spec._names import Name
from bpv.spec.distributions import Fixed
from bpv.spec.parameter import Parameter

__all__ = [
    "CHANGE_KEYS",
    "Change",
    "ChangeSuccess",
    "DelayActivity",
    "NodeFacts",
    "ReplaceParameter",
    "ScaleParameter",
    "Scenario",
    "ScenarioName",
    "UpliftCosts",
    "readable_changes",
    "scenario_problems",
]

Location = tuple[str | int, ...]
ProblemTuple = tuple[Location, str, Any]

#: A scenario's name: letters, digits, ``_``, ``-`` or ``.``; ``base`` is the base case.
ScenarioName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]

_Factor = Annotated[float, Field(ge=0), IS_NUMBER]


class ReplaceParameter(Spec):
    """Replace a parameter's distribution: ``{replace: tariff, with: 2500}``.

    The parameter keeps its name, so it keeps its random stream, and its
    metadata (hypothesis, evidence grade) unless the replacement gives its own.

    Parameters
    ----------
    replace : str
        The parameter.
    with : Parameter
        A number or a distribution, written as in ``parameters:``.
    """

    replace: Name
    with_: Parameter = Field(alias="with")

    def describe(self) -> str:
        """Say what the change does."""
        return f"{self.replace} becomes {self.with_.distribution.describe()}"


class ScaleParameter(Spec):
    """Multiply a parameter wherever it is used: ``{scale: tariff, by: 0.9}``.

    Its draws are those of the base case (the same random stream), times
    ``by``: formulas use ``(tariff * 0.9)``; a fixed parameter's value is
    multiplied.

    Parameters
    ----------
    scale : str
        The parameter.
    by : float
        The factor, at least 0.
    """

    scale: Name
    by: _Factor

    def describe(self) -> str:
        """Say what the change does."""
        return f"{self.scale} × {self.by:g}"


class DelayActivity(Spec):
    """Start an activity later: ``{delay: ward, by: 1}``.

    Parameters
    ----------
    delay : str
        The activity.
    by : float
        Periods of delay, at least 0 (a fraction delays part of a period).
    """

    delay: Name
    by: Annotated[int | float, Field(ge=0), IS_NUMBER]

    def describe(self) -> str:
        """Say what the change does."""
        return f"{self.delay} starts {self.by:g} period{'' if self.by == 1 else 's'} later"


class ChangeSuccess(Spec):
    """Set or scale an activity's success probability: ``{success: ward, to: 0.6}``.

    Parameters
    ----------
    success : str
        The activity.
    to : float, optional
        The new probability, in [0, 1].
    by : float, optional
        Multiply the probability by this, at least 0; the result must stay
        a probability. Give ``to`` or ``by``.
    """

    success: Name
    to: Annotated[float, Field(ge=0, le=1), IS_NUMBER] | None = None
    by: _Factor | None = None

    @model_validator(mode="after")
    def _to_or_by(self) -> ChangeSuccess:
        if (self.to is None) == (self.by is None):
            raise_problems("ChangeSuccess", [((), "give the new probability ('to') or a "
                                              "factor ('by'), one of the two", None)])
        return self

    def describe(self) -> str:
        """Say what the change does."""
        if self.to is not None:
            return f"{self.success} succeeds with probability {self.to:g}"
        return f"{self.success}'s success probability × {self.by:g}"


class UpliftCosts(Spec):
    """Raise costs by a share: ``{uplift_costs: capital, by: 0.2}`` is +20%.

    Parameters
    ----------
    uplift_costs : {'all', 'capital', 'revenue'}
        Which cost nodes.
    by : float
        The uplift as a decimal (0.2 for 20%), greater than −1.
    """

    uplift_costs: Literal["all", "capital", "revenue"]
    by: Annotated[float, Field(gt=-1), IS_NUMBER]

    def describe(self) -> str:
        """Say what the change does."""
        which = "all costs" if self.uplift_costs == "all" else f"{self.uplift_costs} costs"
        return f"{which} {100 * self.by:+.4g}%"


#: One change of a scenario.
Change = ReplaceParameter | ScaleParameter | DelayActivity | ChangeSuccess | UpliftCosts

#: The key that says what a change does, and its model.
CHANGE_KEYS: Mapping[str, type[Spec]] = {
    "replace": ReplaceParameter,
    "scale": ScaleParameter,
    "delay": DelayActivity,
    "success": ChangeSuccess,
    "uplift_costs": UpliftCosts,
}


class Scenario(Spec):
    """A named stress test: changes to a bid, appraised beside the base case.

    Parameters
    ----------
    description : str, optional
        What the scenario means, in words.
    changes : list of change
        Applied in order; see :mod:`bpv.spec.scenario` for the forms.

    Examples
    --------
    >>> s = Scenario(description="Tariff 10% lower, ward a year late",
    ...              changes=[{"scale": "tariff", "by": 0.9}, {"delay": "ward", "by": 1}])
    >>> [change.describe() for change in s.changes]
    ['tariff × 0.9', 'ward starts 1 period later']
    >>> Scenario(changes=[{"scael": "tariff", "by": 0.9}])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Scenario
    changes.0
      a change starts with one of: replace, scale, delay, success, uplift_costs (got keys: scael, by) [type=bpv, input_value={'scael': 'tariff', 'by': 0.9}, input_type=dict]
    """  # noqa: E501

    description: Text | None = None
    changes: Annotated[tuple[Change, ...], Field(min_length=1, max_length=MAX_CHANGES)]

    @field_validator("changes", mode="before")
    @classmethod
    def _each_change_by_its_key(cls, value: Any) -> Any:
        """Read each change as the model its key names, reporting every problem at once."""
        if not isinstance(value, list | tuple):
            return value
        changes: list[Any] = []
        problems: list[ProblemTuple] = []
        for index, raw in enumerate(value):
            if isinstance(raw, Spec) and type(raw) in CHANGE_KEYS.values():
                changes.append(raw)
                continue
            if not isinstance(raw, Mapping):
                problems.append(((index,), "a change is a mapping such as {scale: tariff, "
                                 f"by: 0.9}}, got {raw!r}", raw))
                continue
            keys = [key for key in CHANGE_KEYS if key in raw]
            if len(keys) != 1:
                given = ", ".join(str(key) for key in raw) or "none"
                what = "only one of" if keys else "one of"
                problems.append(((index,), f"a change starts with {what}: "
                                 f"{', '.join(CHANGE_KEYS)} (got keys: {given})", raw))
                continue
            try:
                changes.append(CHANGE_KEYS[keys[0]].model_validate(raw))
            except ValidationError as exc:
                problems += [((index, *error["loc"]), str(error["msg"]), error.get("input"))
                             for error in exc.errors()]
        raise_problems("Scenario", problems)
        return changes

    def describe(self) -> list[str]:
        """Say what each change does, in order."""
        return [change.describe() for change in self.changes]


# -- checks against a bid -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NodeFacts:
    """What the scenario checks need to know of a node."""

    kind: str | None
    success: Any
    measure: str | None
    cost_type: str | None


def readable_changes(raw: Any) -> list[tuple[int, Change]]:
    """Return the changes of a raw scenario that are valid on their own, with their indices.

    A scenario whose other changes failed their own checks still has these
    checked against the bid, so that a file's problems are found at once.
    """
    if isinstance(raw, Scenario):
        return list(enumerate(raw.changes))
    changes = raw.get("changes") if isinstance(raw, Mapping) else None
    readable: list[tuple[int, Change]] = []
    for index, change in enumerate(changes if isinstance(changes, list | tuple) else ()):
        keys = [key for key in CHANGE_KEYS if isinstance(change, Mapping) and key in change]
        if len(keys) == 1:
            try:
                readable.append((index, CHANGE_KEYS[keys[0]].model_validate(change)))  # type: ignore[arg-type]
            except ValidationError:
                continue
    return readable


def scenario_problems(
    name: str, scenario: Scenario | list[tuple[int, Change]], parameters: Mapping[str, Any],
    nodes: Mapping[str, NodeFacts], location: Location = (),
) -> list[ProblemTuple]:
    """Return the problems of a scenario against a bid's parameters and nodes.

    Parameters
    ----------
    name : str
        The scenario's name (``base`` is taken by the base case).
    scenario : Scenario or list of (int, change)
        A scenario, or the readable changes of one (:func:`readable_changes`).
    parameters : mapping of str to Parameter
        The bid's parameters (raw values are skipped where a check needs a
        validated parameter).
    nodes : mapping of str to NodeFacts
        The bid's nodes by id.
    location : tuple, optional
        Where the scenario sits, e.g. ``("scenarios", "late")``.

    Returns
    -------
    list of (location, message, input)
    """
    problems: list[ProblemTuple] = []
    if name == "base":
        problems.append((location, "'base' is the name of the base case; call the scenario "
                         "something else", name))
    bid = _BidFacts.of(parameters, nodes)
    changes = readable_changes(scenario) if isinstance(scenario, Scenario) else scenario
    for index, change in changes:
        loc: Location = (*location, "changes", index)
        if isinstance(change, ReplaceParameter | ScaleParameter):
            problems += _parameter_change_problems(loc, change, bid)
        elif isinstance(change, DelayActivity | ChangeSuccess):
            problems += _activity_change_problems(loc, change, bid)
        elif isinstance(change, UpliftCosts):
            problems += _uplift_problems(loc, change, bid)
    return problems


@dataclass(frozen=True, kw_only=True)
class _BidFacts:
    """What the checks of a scenario's changes need of the bid."""

    parameters: Mapping[str, Any]
    nodes: Mapping[str, NodeFacts]
    #: The activities, by id.
    activities: Mapping[str, NodeFacts]
    #: The activity each success parameter gates, by the parameter's name.
    gated_by: Mapping[str, str]

    @classmethod
    def of(cls, parameters: Mapping[str, Any], nodes: Mapping[str, NodeFacts]) -> _BidFacts:
        activities = {node_id: facts for node_id, facts in nodes.items()
                      if facts.kind == "activity"}
        gated_by = {facts.success: node_id for node_id, facts in activities.items()
                    if isinstance(facts.success, str)}
        return cls(parameters=parameters, nodes=nodes, activities=activities, gated_by=gated_by)


def _parameter_change_problems(loc: Location, change: ReplaceParameter | ScaleParameter,
                               bid: _BidFacts) -> list[ProblemTuple]:
    """Check that a replaced or scaled parameter exists, and a success stays a probability."""
    target = change.replace if isinstance(change, ReplaceParameter) else change.scale
    key = "replace" if isinstance(change, ReplaceParameter) else "scale"
    if target not in bid.parameters:
        return [((*loc, key), f"unknown parameter '{target}'"
                 f"{did_you_mean(target, bid.parameters)}", target)]
    if isinstance(change, ScaleParameter) and target in bid.gated_by:
        return _probability_problems(
            (*loc, "by"), change.by, _parameter(bid.parameters[target]),
            f"'{target}' is the success probability of activity '{bid.gated_by[target]}'")
    return []


def _activity_change_problems(loc: Location, change: DelayActivity | ChangeSuccess,
                              bid: _BidFacts) -> list[ProblemTuple]:
    """Check that a delayed or re-gated activity is one, and its success stays a probability."""
    target = change.delay if isinstance(change, DelayActivity) else change.success
    key = "delay" if isinstance(change, DelayActivity) else "success"
    if target not in bid.activities:
        kind = bid.nodes[target].kind if target in bid.nodes else None
        message = (f"'{target}' is {_article(kind)} {kind}, not an activity" if kind
                   else f"unknown activity '{target}'{did_you_mean(target, bid.activities)}")
        return [((*loc, key), message, target)]
    if not isinstance(change, ChangeSuccess) or change.by is None:
        return []
    success = bid.activities[target].success
    if isinstance(success, str):
        parameter = _parameter(bid.parameters.get(success))
        what = f"activity '{target}' succeeds with parameter '{success}'"
    else:
        value = 1.0 if success is None else _probability(success)
        if value is None:  # the node's own success is wrong, and reported there
            return []
        parameter = Parameter.model_validate(value)
        what = f"activity '{target}' succeeds with probability {value:g}"
    return _probability_problems((*loc, "by"), change.by, parameter, what)


def _uplift_problems(loc: Location, change: UpliftCosts, bid: _BidFacts) -> list[ProblemTuple]:
    """Check that the bid has cost nodes of the type a scenario uplifts."""
    types = ("capital", "revenue") if change.uplift_costs == "all" else (change.uplift_costs,)
    if any(facts.measure == "cost" and facts.cost_type in types for facts in bid.nodes.values()):
        return []
    which = "cost" if change.uplift_costs == "all" else f"{change.uplift_costs} cost"
    return [((*loc, "uplift_costs"), f"the bid has no {which} nodes to uplift",
             change.uplift_costs)]


def _probability(value: Any) -> float | None:
    """Return a raw success as a probability, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= 1 else None


def _parameter(value: Any) -> Parameter | None:
    return value if isinstance(value, Parameter) else None


def _probability_problems(loc: Location, factor: float, parameter: Parameter | None,
                          what: str) -> list[ProblemTuple]:
    """Return the problem of scaling a probability past 1, if any."""
    if parameter is None or factor <= 1:
        return []
    spec = parameter.distribution
    if isinstance(spec, Fixed):
        if spec.value * factor <= 1:
            return []
        return [(loc, f"{what}; {spec.value:g} × {factor:g} = {spec.value * factor:g} is not a "
                 "probability; use a factor that keeps it at most 1, or set it with 'to'",
                 factor)]
    return [(loc, f"{what}, which is uncertain: it can be scaled down (by at most 1) but not "
             "up, as its draws could pass 1; replace the parameter instead", factor)]


def _article(word: str | None) -> str:
    return "an" if word and word[0] in "aeiou" else "a"

