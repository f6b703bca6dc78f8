"""Nodes of a logic model: what each step is, how it is computed, where it lands in the ledger."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator, model_validator

from bpv.errors import FormulaError
from bpv.formulas.compiler import Formula, parse_formula
from bpv.spec._base import (
    IS_NUMBER,
    IS_WHOLE_NUMBER,
    Float,
    Id,
    Spec,
    Text,
    Title,
    raise_problems,
    spec_error,
)
from bpv.spec._names import Name

__all__ = [
    "COST_TYPES",
    "KINDS",
    "MEASURES",
    "MEASURES_BY_KIND",
    "MONEY_MEASURES",
    "CostType",
    "RampShape",
    "Kind",
    "Measure",
    "Node",
]

#: The five kinds of node, in the order a logic model runs.
Kind = Literal["input", "activity", "output", "outcome", "impact"]
KINDS: tuple[str, ...] = get_args(Kind)

#: Where a node's value lands in the ledger.
Measure = Literal["cost", "cash_releasing", "non_cash_releasing", "income", "qaly", "metric"]
MEASURES: tuple[str, ...] = get_args(Measure)

#: Measures that are money falling on one organisation.
MONEY_MEASURES: frozenset[str] = frozenset(
    {"cost", "cash_releasing", "non_cash_releasing", "income"}
)

CostType = Literal["capital", "revenue"]
COST_TYPES: tuple[str, ...] = get_args(CostType)

#: Which measures each kind of node may carry. Inputs are resources: costs, and
#: funding moved between organisations (``income``). Activities carry
#: delivery, not money: a cost that follows delivery is an output such as
#: ``running_cost * ward``.
MEASURES_BY_KIND: dict[str, tuple[str, ...]] = {
    "input": ("cost", "income"),
    "activity": (),
    "output": ("cost", "metric"),
    "outcome": MEASURES,
    "impact": MEASURES,
}

_ACTIVITY_FIELDS = ("success", "start", "ramp", "ramp_shape", "decay", "duration")

RampShape = Literal["linear", "s_curve"]


class Node(Spec):
    """One step of a logic model.

    Parameters
    ----------
    id : str
        Name other formulas use to refer to this node.
    kind : {'input', 'activity', 'output', 'outcome', 'impact'}
        Place in the chain. A node may depend on nodes of its own kind or of
        earlier kinds only.
    formula : str, optional
        Expression over parameters, upstream nodes and the period index ``t``
        (see :mod:`bpv.formulas`). Without one the node is qualitative: drawn,
        not computed.
    measure : {'cost', 'cash_releasing', 'non_cash_releasing', 'income', 'qaly', 'metric'}, optional
        Where the node's value lands in the ledger. Costs are positive.
    cost_type : {'capital', 'revenue'}, optional
        Required for, and only for, ``cost`` nodes.
    organisation : str, optional
        Id of the organisation a money node falls on (required for money
        measures; allowed elsewhere to say who delivers the step).
    unit : str, optional
        Natural unit of the value, e.g. ``admissions``.
    label, description : str, optional
        Words for pictures and reports.
    depends_on : list of str, optional
        Upstream nodes of a node without a formula (a qualitative node, or an
        activity whose delivery does not come from a formula), for drawing it
        in the chain. A node with a formula is linked by its formula's
        references, nothing else.
    success : float or str, optional
        Activities only: probability the activity is delivered at all (a
        number in [0, 1] or the name of a parameter). Default 1.
    start : int or float, optional
        Activities only: first period of delivery. Default 0. A fraction
        starts part-way through a period (optimism bias's duration uplift
        and scenario delays can give one): ``start: 1.5`` delivers half of
        period 1.
    ramp : int or float, optional
        Activities only: periods to reach full effect. Default 0 (immediate,
        the same as 1: full effect by the end of the first period).
    ramp_shape : {'linear', 's_curve'}, optional
        Activities only: how delivery grows over the ramp. ``linear`` (the
        default) gives ``x = min(1, (t - start + 1) / ramp)``; ``s_curve``
        gives the smoothstep ``3x**2 - 2x**3`` of the same ``x``: slow, fast,
        slow.
    decay : float, optional
        Activities only: share of the effect lost each period after the ramp
        ends (persistence ``1 - decay``). Default 0.
    duration : int, optional
        Activities only: periods of delivery from ``start``; none after.
        Default: to the end of the horizon.

    Examples
    --------
    >>> node = Node(id="patients", kind="output", formula="referrals * ward", unit="patients")
    >>> sorted(node.references)
    ['referrals', 'ward']
    >>> Node(id="ward", kind="activity", start=1, ramp=2).is_qualitative
    False
    """

    id: Name
    kind: Kind
    label: Title | None = None
    description: Text | None = None
    formula: str | None = None
    measure: Measure | None = None
    cost_type: CostType | None = None
    organisation: Id | None = None
    unit: Title | None = None
    depends_on: tuple[Id, ...] | None = None
    success: Float | Id | None = None
    start: Annotated[int | float, Field(ge=0), IS_NUMBER] | None = None
    ramp: Annotated[int | float, Field(ge=0), IS_NUMBER] | None = None
    ramp_shape: RampShape | None = None
    decay: Annotated[float, Field(ge=0, lt=1), IS_NUMBER] | None = None
    duration: Annotated[int, Field(ge=1), IS_WHOLE_NUMBER] | None = None

    @field_validator("formula")
    @classmethod
    def _parse_formula(cls, text: str | None) -> str | None:
        if text is not None:
            try:
                parse_formula(text)
            except FormulaError as exc:
                raise spec_error(str(exc)) from None
        return text

    @field_validator("success", mode="before")
    @classmethod
    def _number_or_name(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str | None):
            raise spec_error(
                f"success should be a probability in [0, 1] or a parameter name, got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _check_fields_fit_the_kind(self) -> Node:
        problems: list[tuple[tuple[str, ...], str, Any]] = []
        if isinstance(self.success, float) and not 0 <= self.success <= 1:
            problems.append(
                (("success",), f"success should be a probability in [0, 1] (got {self.success})",
                 self.success)
            )
        if self.kind != "activity":
            problems.extend(
                ((name,), f"'{name}' applies only to activities; this node is "
                 f"{article(self.kind)} {self.kind}", getattr(self, name))
                for name in _ACTIVITY_FIELDS if getattr(self, name) is not None
            )
        if self.measure is not None:
            allowed = MEASURES_BY_KIND[self.kind]
            if self.measure not in allowed:
                where = ", ".join(allowed) if allowed else "no measure"
                problems.append(
                    (("measure",), f"{article(self.kind)} {self.kind} may not carry measure "
                     f"'{self.measure}' (allowed: {where})", self.measure)
                )
            if self.formula is None:
                problems.append(
                    (("formula",), f"a node with measure '{self.measure}' needs a formula", None)
                )
            if self.measure in MONEY_MEASURES and self.organisation is None:
                problems.append(
                    (("organisation",), f"a '{self.measure}' node needs the organisation it "
                     "falls on", None)
                )
        if self.measure == "cost" and self.cost_type is None:
            problems.append(
                (("cost_type",), "a cost node needs cost_type: capital or revenue", None)
            )
        if self.cost_type is not None and self.measure != "cost":
            problems.append(
                (("cost_type",), "cost_type applies only to nodes with measure 'cost'",
                 self.cost_type)
            )
        if self.depends_on is not None and self.formula is not None:
            problems.append(
                (("depends_on",), "depends_on is for nodes without a formula; a formula's "
                 "references are the node's links", self.depends_on)
            )
        raise_problems("Node", problems)
        return self

    @property
    def is_qualitative(self) -> bool:
        """Whether the node is drawn but not computed (no formula, not an activity)."""
        return self.formula is None and self.kind != "activity"

    def delivery_profile(self, n_periods: int) -> NDArray[np.float64]:
        """Return an activity's delivered fraction by period, before its success gate.

        Parameters
        ----------
        n_periods : int
            The bid's horizon.

        Returns
        -------
        ndarray of shape (n_periods,)
            0 before ``start``; from ``start`` on the ramp (linear or S-shaped),
            times ``(1 - decay) ** (periods since the ramp ended)``; 0 from
            ``start + duration`` on.

        Examples
        --------
        >>> Node(id="w", kind="activity", start=1, ramp=2).delivery_profile(5)
        array([0. , 0.5, 1. , 1. , 1. ])
        >>> Node(id="w", kind="activity", ramp=4, ramp_shape="s_curve").delivery_profile(5)
        array([0.15625, 0.5    , 0.84375, 1.     , 1.     ])
        >>> Node(id="w", kind="activity", decay=0.5, duration=3).delivery_profile(5)
        array([1.  , 0.5 , 0.25, 0.  , 0.  ])

        The value of a period is the fraction reached at its end, so a
        fractional start or ramp interpolates:

        >>> Node(id="w", kind="activity", start=1.5).delivery_profile(4)
        array([0. , 0.5, 1. , 1. ])
        """
        t = np.arange(n_periods, dtype=np.float64)
        start = self.start or 0
        ramp = self.ramp or 0
        since_start = t - start + 1  # 1 in the first period of delivery
        # A ramp shorter than a period reaches full effect within the first one.
        x = np.clip(since_start / max(ramp, 1), 0.0, 1.0)
        if self.ramp_shape == "s_curve":
            x = x * x * (3.0 - 2.0 * x)
        after_ramp = np.maximum(since_start - max(ramp, 1), 0.0)
        profile = x * (1.0 - (self.decay or 0.0)) ** after_ramp
        if self.duration is not None:
            profile = np.where(since_start > self.duration, 0.0, profile)
        return profile

    @property
    def compiled(self) -> Formula | None:
        """The parsed formula, or None for a node without one."""
        return None if self.formula is None else parse_formula(self.formula)

    def links(self) -> dict[str, str]:
        """Return each name this node uses and how: ``formula``, ``success`` or ``depends_on``."""
        links = dict.fromkeys(self.depends_on or (), "depends_on")
        if isinstance(self.success, str):
            links[self.success] = "success"
        if self.formula is not None:
            links.update(dict.fromkeys(parse_formula(self.formula).names, "formula"))
        return links

    @property
    def references(self) -> frozenset[str]:
        """Names this node depends on: formula names, ``success`` parameter, ``depends_on``."""
        return frozenset(self.links())


def article(word: str) -> str:
    """Return 'a' or 'an' for a word, for messages ("an output", "a cost node")."""
    return "an" if word[0] in "aeiou" else "a"
