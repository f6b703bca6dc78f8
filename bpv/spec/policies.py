"""Appraisal policies a bid declares in its settings: optimism bias, evidence, additionality.

Each policy is a small frozen model. Declaring one changes nothing in the
file: :func:`bpv.adjust` turns the bid into the *effective* bid the engine
evaluates, and says in plain words what it applied (see
``docs/scenarios.md``). In a bid file::

    settings:
      optimism_bias:
        project_type: {non_standard_buildings: 0.3, standard_buildings: 0.7}
        mitigation: 0.4
      evidence_policy: default
      additionality:
        deadweight: 0.2
        displacement: {dist: beta, mean: 0.25, sd: 0.05}
        leakage: 0.1

Sources
-------
- Optimism bias: HM Treasury, *Green Book supplementary guidance: optimism
  bias* (Mott MacDonald, *Review of Large Public Procurement in the UK*,
  2002), upper and lower bounds by project type.
- Evidence: the Maryland Scientific Methods Scale orders the grades; the
  multipliers of :data:`DEFAULT_EVIDENCE_POLICY` are bpv's own declared
  choice, not a published table.
- Additionality: net = gross × (1 − deadweight)(1 − displacement)
  (1 − leakage)(1 − substitution), HM Treasury / HCA *Additionality Guide*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from bpv.errors import did_you_mean
from bpv.spec._base import IS_NUMBER, Float, Spec, Text, raise_problems, spec_error
from bpv.spec.distributions import Fixed
from bpv.spec.parameter import EVIDENCE_GRADES, Parameter

__all__ = [
    "ADDITIONALITY_FACTORS",
    "ADDITIONALITY_PARAMETERS",
    "BENEFIT_MEASURES",
    "DEFAULT_EVIDENCE_POLICY",
    "OPTIMISM_BIAS_BOUNDS",
    "OPTIMISM_BIAS_SOURCE",
    "PROJECT_TYPES",
    "Additionality",
    "BenefitMeasure",
    "EvidencePolicy",
    "OptimismBias",
    "OptimismBiasBounds",
    "ProjectType",
    "Uplifts",
    "grade_of",
    "policy_problems",
]

# -- optimism bias ----------------------------------------------------------------------

ProjectType = Literal[
    "standard_buildings",
    "non_standard_buildings",
    "standard_civil_engineering",
    "non_standard_civil_engineering",
    "equipment_development",
    "outsourcing",
]
PROJECT_TYPES: tuple[str, ...] = get_args(ProjectType)
_LABELS = {
    "standard_buildings": "standard buildings",
    "non_standard_buildings": "non-standard buildings",
    "standard_civil_engineering": "standard civil engineering",
    "non_standard_civil_engineering": "non-standard civil engineering",
    "equipment_development": "equipment / development",
    "outsourcing": "outsourcing",
}

OPTIMISM_BIAS_SOURCE = (
    "HM Treasury Green Book supplementary guidance: optimism bias (Mott MacDonald, "
    "Review of Large Public Procurement in the UK, 2002), upper bounds"
)


@dataclass(frozen=True)
class OptimismBiasBounds:
    """Upper and lower bounds of optimism bias for one project type, as decimals.

    Attributes
    ----------
    duration_upper, duration_lower : float or None
        Works duration; None where the table says n/a (outsourcing).
    cost_upper, cost_lower : float
        Capital expenditure; for outsourcing, operating expenditure.
    applies_to : {'capital', 'operating'}
        Which costs ``cost_*`` apply to.
    """

    duration_upper: float | None
    duration_lower: float | None
    cost_upper: float
    cost_lower: float
    applies_to: Literal["capital", "operating"] = "capital"


#: The Green Book supplementary guidance table (Mott MacDonald 2002), as decimals.
OPTIMISM_BIAS_BOUNDS: Mapping[str, OptimismBiasBounds] = {
    "standard_buildings": OptimismBiasBounds(
        duration_upper=0.04, duration_lower=0.01,
        cost_upper=0.24, cost_lower=0.02),
    "non_standard_buildings": OptimismBiasBounds(
        duration_upper=0.39, duration_lower=0.02,
        cost_upper=0.51, cost_lower=0.04),
    "standard_civil_engineering": OptimismBiasBounds(
        duration_upper=0.20, duration_lower=0.01,
        cost_upper=0.44, cost_lower=0.03),
    "non_standard_civil_engineering": OptimismBiasBounds(
        duration_upper=0.25, duration_lower=0.03,
        cost_upper=0.66, cost_lower=0.06),
    "equipment_development": OptimismBiasBounds(
        duration_upper=0.54, duration_lower=0.10,
        cost_upper=2.00, cost_lower=0.10),
    "outsourcing": OptimismBiasBounds(
        duration_upper=None, duration_lower=None,
        cost_upper=0.41, cost_lower=0.0, applies_to="operating"),
}

#: Largest uplift accepted, as a decimal (the table's largest upper bound is 2.00).
_MAX_UPLIFT = 3.0
#: How far cost shares may add up from 1.
_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Uplifts:
    """Optimism bias uplifts to apply, as decimals (0.321 is 32.1%).

    Attributes
    ----------
    capital : float
        Raises capital costs by this share.
    duration : float
        Stretches delivery: every activity takes this share longer.
    operating : float
        Raises revenue (operating) costs by this share.
    basis : str
        How they were worked out, in words.
    """

    capital: float
    duration: float
    operating: float
    basis: str


class OptimismBias(Spec):
    """Optimism bias: HM Treasury's upper bounds by project type, less mitigation.

    Give either ``project_type`` (and ``mitigation``), or your own uplifts.
    ``OB = (1 − mitigation) × upper bound``; for a project of several types
    each bound is weighted by the type's share of the cost.

    Parameters
    ----------
    project_type : str or dict of str to float, optional
        One of ``standard_buildings``, ``non_standard_buildings``,
        ``standard_civil_engineering``, ``non_standard_civil_engineering``,
        ``equipment_development``, ``outsourcing``; or a mix of them by
        share of the cost, the shares adding up to 1. Outsourcing (whose
        bound applies to operating costs) is not mixed with other types.
    mitigation : float, default 0
        Share of the risk mitigated, in [0, 1], with ``project_type``.
    capital, duration, operating : float, optional
        Your own uplifts as decimals (0.321 for 32.1%), instead of
        ``project_type``: capital costs, delivery time, operating costs.
    source : str, optional
        Where your own uplifts, or the mitigation, come from.

    Examples
    --------
    The Green Book's combined example: 30% non-standard and 70% standard
    buildings.

    >>> ob = OptimismBias(project_type={"non_standard_buildings": 0.3,
    ...                                 "standard_buildings": 0.7})
    >>> ob.uplifts().capital, ob.uplifts().duration
    (0.321, 0.145)

    92% of the risk mitigated on an upper bound of 51% leaves about 4%:

    >>> ob = OptimismBias(project_type="non_standard_buildings", mitigation=0.92)
    >>> ob.uplifts().capital, round(100 * (1 + ob.uplifts().capital))  # GBP 100m: about 104m
    (0.0408, 104)
    """

    project_type: ProjectType | dict[ProjectType, Float] | None = None
    mitigation: Annotated[float, Field(ge=0, le=1), IS_NUMBER] | None = None
    capital: Annotated[float, Field(ge=0), IS_NUMBER] | None = None
    duration: Annotated[float, Field(ge=0), IS_NUMBER] | None = None
    operating: Annotated[float, Field(ge=0), IS_NUMBER] | None = None
    source: Text | None = None

    @field_validator("project_type", mode="before")
    @classmethod
    def _known_types_and_shares(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in PROJECT_TYPES:
                raise spec_error(f"unknown project type {value!r}"
                                 f"{did_you_mean(value, PROJECT_TYPES)}; expected one of: "
                                 f"{', '.join(PROJECT_TYPES)}")
            return value
        if not isinstance(value, Mapping):
            return value
        problems = []
        for name, share in value.items():
            if name not in PROJECT_TYPES:
                problems.append(f"unknown project type {name!r}"
                                f"{did_you_mean(str(name), PROJECT_TYPES)}")
            elif isinstance(share, bool) or not isinstance(share, int | float) \
                    or not 0 < share <= 1:
                problems.append(f"the cost share of {name} should be a number in (0, 1], "
                                f"got {share!r}")
        if not problems:
            total = math.fsum(value.values())
            if not value:
                problems.append("a mix needs at least one project type and its cost share")
            elif abs(total - 1) > _SHARE_TOLERANCE:
                problems.append(f"the cost shares add up to {total:g}; they must add up to 1")
            elif "outsourcing" in value and len(value) > 1:
                problems.append("outsourcing's bound applies to operating costs, so it is not "
                                "mixed with other types; give it alone, or give your own "
                                "capital, duration and operating uplifts")
        if problems:
            raise spec_error("; ".join(problems))
        return value

    @field_validator("capital", "duration", "operating")
    @classmethod
    def _decimal_not_percent(cls, value: float | None) -> float | None:
        if value is not None and value > _MAX_UPLIFT:
            raise spec_error(f"an uplift of {value:g} is {value:.0%}; uplifts are decimals "
                             f"(write 32.1% as 0.321), at most {_MAX_UPLIFT:g}")
        return value

    @model_validator(mode="after")
    def _one_way_of_saying_it(self) -> OptimismBias:
        own = [name for name in ("capital", "duration", "operating")
               if getattr(self, name) is not None]
        problems: list[tuple[tuple[str, ...], str, Any]] = []
        if self.project_type is None and not own:
            problems.append(((), "give project_type (one type, or a mix by cost share) with "
                             "mitigation, or your own capital, duration and operating uplifts",
                             None))
        if self.project_type is not None and own:
            problems.append(((own[0],), "give project_type or your own uplifts, not both",
                             getattr(self, own[0])))
        if self.mitigation is not None and self.project_type is None and own:
            problems.append((("mitigation",), "mitigation reduces the table's upper bounds; "
                             "with your own uplifts, give them already mitigated",
                             self.mitigation))
        raise_problems("OptimismBias", problems)
        return self

    def uplifts(self) -> Uplifts:
        """Return the uplifts to apply: ``(1 − mitigation) × upper bound``, or your own.

        Returns
        -------
        Uplifts
        """
        if self.project_type is None:
            return Uplifts(capital=self.capital or 0.0, duration=self.duration or 0.0,
                           operating=self.operating or 0.0,
                           basis=f"the bid's own uplifts{_from(self.source)}")
        mix = ({self.project_type: 1.0} if isinstance(self.project_type, str)
               else dict(self.project_type))
        keep = 1.0 - (self.mitigation or 0.0)
        capital = duration = operating = 0.0
        for name, share in mix.items():
            bounds = OPTIMISM_BIAS_BOUNDS[name]
            if bounds.applies_to == "operating":
                operating += share * bounds.cost_upper
            else:
                capital += share * bounds.cost_upper
            duration += share * (bounds.duration_upper or 0.0)
        types = " and ".join(
            f"{share:.0%} {_LABELS[name]} (upper bounds: "
            f"{_bound(OPTIMISM_BIAS_BOUNDS[name])})" for name, share in mix.items())
        basis = (f"{types}, {1 - keep:.0%} of the risk mitigated: OB = (1 − mitigation) × "
                 f"upper bound{_from(self.source)}")
        # Rounded to 12 decimals, so the table's figures come out as published
        # (0.3 × 0.51 + 0.7 × 0.24 is 0.321, not 0.32099999999999995).
        return Uplifts(capital=round(keep * capital, 12), duration=round(keep * duration, 12),
                       operating=round(keep * operating, 12), basis=basis)


def _bound(bounds: OptimismBiasBounds) -> str:
    duration = "n/a" if bounds.duration_upper is None else f"{bounds.duration_upper:.0%}"
    return f"{bounds.applies_to} {bounds.cost_upper:.0%}, duration {duration}"


def _from(source: str | None) -> str:
    return f"; source: {source}" if source else ""


# -- evidence -----------------------------------------------------------------------------

Multiplier = Annotated[float, Field(ge=0, le=1), IS_NUMBER]


class EvidencePolicy(Spec):
    """Multipliers of success hypotheses' values, by the grade of their evidence.

    A hypothesis's value is multiplied by its grade's multiplier wherever the
    bid uses it; a hypothesis with only an ``sms`` level takes the grade that
    level maps to (SMS 1 → very_weak … SMS 5 → very_strong). Assumptions
    (parameters without a hypothesis) are never touched.

    Parameters
    ----------
    very_weak, weak, moderate, strong, very_strong : float
        Multiplier of each grade, in [0, 1].
    ungraded : float, optional
        Multiplier of a hypothesis with no grade. Default: ``very_weak``'s.
    source : str, optional
        Where the multipliers come from.

    Examples
    --------
    >>> policy = DEFAULT_EVIDENCE_POLICY
    >>> policy.multiplier("moderate"), policy.multiplier(None)
    (0.75, 0.5)
    """

    very_weak: Multiplier
    weak: Multiplier
    moderate: Multiplier
    strong: Multiplier
    very_strong: Multiplier
    ungraded: Multiplier | None = None
    source: Text | None = None

    def multiplier(self, grade: str | None) -> float:
        """Return the multiplier of a grade (None: ungraded)."""
        if grade is None:
            return self.very_weak if self.ungraded is None else self.ungraded
        value: float = getattr(self, grade)
        return value

    def table(self) -> dict[str, float]:
        """Return every grade's multiplier, weakest first, then ``ungraded``."""
        return {**{grade: self.multiplier(grade) for grade in EVIDENCE_GRADES},
                "ungraded": self.multiplier(None)}


#: bpv's default evidence policy, ``evidence_policy: default``: its own declared
#: choice, not a published table. Version 1 (bpv 0.x).
DEFAULT_EVIDENCE_POLICY = EvidencePolicy(
    very_weak=0.5, weak=0.6, moderate=0.75, strong=0.9, very_strong=1.0, ungraded=0.5,
    source="bpv's default evidence policy (version 1): bpv's own declared choice, "
           "not a published table",
)


def grade_of(parameter: Parameter) -> str | None:
    """Return a parameter's evidence grade: its own, else its SMS level's, else None.

    Examples
    --------
    >>> grade_of(Parameter.model_validate({"dist": "fixed", "value": 1, "sms": 2}))
    'weak'
    """
    if parameter.evidence is not None:
        return parameter.evidence
    if parameter.sms is not None:
        return EVIDENCE_GRADES[parameter.sms - 1]
    return None


# -- additionality ----------------------------------------------------------------------

BenefitMeasure = Literal["cash_releasing", "non_cash_releasing", "qaly"]
BENEFIT_MEASURES: tuple[BenefitMeasure, ...] = get_args(BenefitMeasure)

#: The additionality factors, in the order they multiply.
ADDITIONALITY_FACTORS: tuple[str, ...] = ("deadweight", "displacement", "leakage", "substitution")
#: Reserved parameter names the factors take in the effective bid: each is
#: sampled on its own named stream, the same in every bid and scenario.
ADDITIONALITY_PARAMETERS: Mapping[str, str] = {
    factor: f"additionality_{factor}" for factor in ADDITIONALITY_FACTORS
}


class Additionality(Spec):
    """Additionality: the share of gross benefit that is really due to the scheme.

    ``net = gross × (1 − deadweight) × (1 − displacement) × (1 − leakage) ×
    (1 − substitution)``, applied to the benefit nodes of ``measures``.

    Parameters
    ----------
    deadweight, displacement, leakage, substitution : Parameter, optional
        Each a number or a distribution (the syntax of ``parameters:``),
        with values in [0, 1]. At least one is needed.
    measures : list of {'cash_releasing', 'non_cash_releasing', 'qaly'}
        Which benefits are netted. Default: all three.
    source : str, optional
        Where the factors come from.

    Examples
    --------
    >>> round(Additionality(deadweight=0.2, displacement=0.25, leakage=0.1).net_share(), 12)
    0.54
    """

    deadweight: Parameter | None = None
    displacement: Parameter | None = None
    leakage: Parameter | None = None
    substitution: Parameter | None = None
    measures: Annotated[tuple[BenefitMeasure, ...], Field(min_length=1)] = BENEFIT_MEASURES
    source: Text | None = None

    @model_validator(mode="after")
    def _factors_are_shares(self) -> Additionality:
        problems: list[tuple[tuple[str, ...], str, Any]] = []
        if not self.factors():
            problems.append(((), "give at least one of deadweight, displacement, leakage, "
                             "substitution", None))
        for name, parameter in self.factors().items():
            low, high = parameter.distribution.support()
            if low < 0 or high > 1:
                value = f"is {low:g}" if low == high else \
                    f"can take values in [{low:g}, {high:g}]"
                problems.append(((name,), f"{name} is a share of the gross benefit, in [0, 1]; "
                                 f"this one {value} (use a number in [0, 1], or a beta, pert, "
                                 "uniform or interval with shape: beta within [0, 1])", None))
        if len(set(self.measures)) != len(self.measures):
            problems.append((("measures",), "a measure is named twice", self.measures))
        raise_problems("Additionality", problems)
        return self

    def factors(self) -> dict[str, Parameter]:
        """Return the factors given, by name, in the order they multiply."""
        return {name: getattr(self, name) for name in ADDITIONALITY_FACTORS
                if getattr(self, name) is not None}

    def net_share(self) -> float | None:
        """Return the net share of gross benefit when every factor is fixed, else None."""
        share = 1.0
        for parameter in self.factors().values():
            if not isinstance(parameter.distribution, Fixed):
                return None
            share *= 1.0 - parameter.distribution.value
        return share


# -- checks against the rest of the bid ----------------------------------------------------


def policy_problems(settings: Any, parameters: Mapping[str, Any],
                    node_ids: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Return the problems of the settings' policies that need the rest of the bid.

    With ``additionality`` the effective bid gains parameters with reserved
    names; a parameter or node of the bid may not already use them.
    """
    additionality = getattr(settings, "additionality", None)
    if additionality is None and isinstance(settings, Mapping):
        additionality = settings.get("additionality")
    if additionality is None:
        return []
    reserved = set(ADDITIONALITY_PARAMETERS.values())
    message = ("'{}' is reserved for the additionality factor of settings.additionality; "
               "choose another name")
    problems: list[tuple[tuple[str | int, ...], str, Any]] = [
        (("parameters", name), message.format(name), name)
        for name in parameters if name in reserved]
    problems += [(("nodes", index, "id"), message.format(name), name)
                 for name, index in node_ids.items() if name in reserved]
    return problems
