"""The bid: one scheme put forward for investment, as a validated, frozen model."""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from bpv._utils.yaml_io import dump_yaml
from bpv.discounting import DiscountingName, Timing, resolve_rates
from bpv.errors import SpecError, UnknownNameError, did_you_mean
from bpv.spec._base import (
    IS_NUMBER,
    IS_WHOLE_NUMBER,
    MAX_ID_LENGTH,
    MAX_NODES,
    MAX_ORGANISATIONS,
    MAX_PARAMETERS,
    MAX_SCENARIOS,
    Spec,
    Text,
    Title,
    raise_problems,
    spec_error,
    word_errors,
)
from bpv.spec._checks import outline_problems
from bpv.spec.correlations import Correlations
from bpv.spec.graph import evaluation_order, logic_model
from bpv.spec.node import Node
from bpv.spec.parameter import Parameter
from bpv.spec.policies import DEFAULT_EVIDENCE_POLICY, Additionality, EvidencePolicy, OptimismBias
from bpv.spec.resources import Resources, resource_problems
from bpv.spec.scenario import Scenario, ScenarioName
from bpv.spec.tracking import Tracking

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["BID_FORMAT", "Bid", "Organisation", "OrganisationRole", "Settings"]

#: The version of the bid file format this bpv reads; a bid's ``format:`` (absent means 1).
BID_FORMAT = 1

OrganisationRole = Literal[
    "commissioner", "provider", "local_authority", "primary_care", "voluntary_sector", "other"
]

_Slug = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=MAX_ID_LENGTH)
]


class Organisation(Spec):
    """An organisation in the system that pays for or gains from the scheme.

    Parameters
    ----------
    id : str
        Short name nodes use in ``organisation:``.
    name : str
        Full name.
    role : str, default 'other'
        Its part in the system, one of 'commissioner', 'provider',
        'local_authority', 'primary_care', 'voluntary_sector', 'other'; it
        decides nothing in the arithmetic.

    Examples
    --------
    >>> Organisation(id="icb", name="North ICB", role="commissioner").role
    'commissioner'
    """

    id: _Slug
    name: Title
    role: OrganisationRole = "other"


class Settings(Spec):
    """Appraisal settings: discounting, the value of health, and the adjustment policies.

    Parameters
    ----------
    discounting : {'green_book', 'nice', 'constant'}, default 'green_book'
        The discounting convention. ``green_book``: HM Treasury Green Book,
        3.5% for money and 1.5% for health, each declining after year 30 by
        the Green Book's schedule. ``nice``: NICE's reference case, 3.5% for
        both, constant. ``constant``: the rates below, constant.
    discount_rate : float, optional
        Annual real discount rate for money. Default: the convention's
        (3.5%). With ``green_book`` another rate scales the declining schedule.
    health_discount_rate : float, optional
        Annual discount rate for health effects. Default: the convention's
        (1.5% for ``green_book``, 3.5% for ``nice``).
    timing : {'end', 'mid'}, default 'end'
        When flows fall within a period: at its end (period 0 undiscounted,
        the Green Book's year 0) or on average mid-period.
    qaly_value : float, default 70000
        GBP per QALY used to monetise health (HM Treasury cross-government
        value, 2020-21 prices).
    price_year : int, optional
        Price base year of all money in the bid, e.g. 2024 for 2024/25 prices.
    optimism_bias : OptimismBias, optional
        Raise costs and delay delivery by HM Treasury's optimism bias upper
        bounds for the project type, less mitigation, or by your own uplifts.
    evidence_policy : 'default' or EvidencePolicy, optional
        Multiply each success hypothesis's value by a multiplier of its
        evidence grade: ``default`` is bpv's declared policy
        (:data:`~bpv.spec.policies.DEFAULT_EVIDENCE_POLICY`), or give every
        grade's multiplier.
    additionality : Additionality, optional
        Net benefits of deadweight, displacement, leakage and substitution.

    Notes
    -----
    The policies are applied by :func:`bpv.adjust`, which every appraisal
    calls; none is applied unless declared. See ``docs/scenarios.md``.

    Examples
    --------
    >>> Settings().discounting, Settings().timing
    ('green_book', 'end')
    >>> Settings(evidence_policy="default").evidence_policy
    'default'
    """

    discounting: DiscountingName = "green_book"
    discount_rate: Annotated[float, Field(ge=0, lt=1), IS_NUMBER] | None = None
    health_discount_rate: Annotated[float, Field(ge=0, lt=1), IS_NUMBER] | None = None
    timing: Timing = "end"
    qaly_value: Annotated[float, Field(ge=0), IS_NUMBER] = 70_000.0
    price_year: Annotated[int, Field(ge=1900, le=2300), IS_WHOLE_NUMBER] | None = None
    optimism_bias: OptimismBias | None = None
    evidence_policy: Literal["default"] | EvidencePolicy | None = None
    additionality: Additionality | None = None

    @field_validator("evidence_policy", mode="before")
    @classmethod
    def _named_or_given_policy(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "default":
            raise spec_error(f"unknown evidence policy {value!r}"
                             f"{did_you_mean(value, ['default'])}; write 'default' for bpv's "
                             "declared policy, or give the multiplier of every grade")
        return value

    @property
    def evidence_multipliers(self) -> EvidencePolicy | None:
        """The evidence policy in force: the named default resolved, or None."""
        if self.evidence_policy == "default":
            return DEFAULT_EVIDENCE_POLICY
        return self.evidence_policy

    @model_validator(mode="after")
    def _rates_fit_the_convention(self) -> Settings:
        try:
            resolve_rates(self.discounting, self.discount_rate, self.health_discount_rate)
        except SpecError as exc:
            raise spec_error(str(exc)) from None
        return self


def _check_format(data: Any) -> None:
    """Refuse a bid written in a newer file format than this bpv reads, before anything else."""
    version = data.get("format") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > BID_FORMAT:
        raise_problems("Bid", [(("format",), f"this bid is format {version}; this bpv reads "
                                f"format {BID_FORMAT}: upgrade bpv", version)])


def _misnamed_sections(model: type[Spec], data: Any) -> tuple[Any, list[Any]]:
    """Read a section under a misspelt key (``organisation:``) as the section it must be.

    A key of the bid that is not a field, close to a field the bid lacks, is
    one problem ("did you mean 'organisations'?"); the section is then read
    under its right name, so that what follows from the slip (every node's
    organisation unknown, a required section missing) is not reported too.
    """
    if not isinstance(data, dict):
        return data, []
    fields = {info.alias or name for name, info in model.model_fields.items()}
    absent = [field for field in fields if field not in data]
    renamed, problems = dict(data), []
    for key in data:
        if not isinstance(key, str) or key in fields:
            continue
        close = difflib.get_close_matches(key, absent, n=1, cutoff=0.8)
        if close:
            renamed[close[0]] = renamed.pop(key)
            absent.remove(close[0])
            problems.append(((key,), f"unknown key '{key}' (did you mean '{close[0]}'?)", key))
    return renamed, problems


class Bid(Spec):
    """One scheme put forward for investment: who, what, and its logic model.

    A bid is frozen and checked as a whole when built: every field, every
    distribution, every formula, the references between nodes, the order of
    kinds, cycles and the organisations named. All problems are reported
    together in one ``pydantic.ValidationError`` (``bpv.load`` turns them into
    a :class:`bpv.BidValidationError` with file lines).

    Parameters
    ----------
    format : int, default 1
        The version of the bid file format the bid is written in
        (:data:`BID_FORMAT`); a newer one than this bpv reads is refused with
        both versions named.
    id : str
        Short identifier, letters, digits, ``-``, ``_`` or ``.``.
    title : str
        Name of the scheme.
    sponsor, footprint, description : str, optional
        Who puts the bid forward, the place it covers, and free text.
    start_year : int
        First financial year (2025 means 2025/26).
    horizon : int
        Number of periods (years) appraised, 1 to 300.
    population : int, optional
        People the scheme covers.
    organisations : list of Organisation
        Organisations money falls on.
    settings : Settings
        Discount rates and the value of a QALY.
    parameters : dict of str to Parameter
        Uncertain quantities, by name.
    correlations : Correlations, optional
        Correlations between parameters on the normal-score scale (a
        Gaussian copula), as pairs or a matrix.
    nodes : list of Node
        The logic model, in any order.
    scenarios : dict of str to Scenario, optional
        Named stress tests (changes to parameters, activities and costs),
        appraised beside the base case by :func:`bpv.scenarios`.
    tracking : dict of str to TrackedSeries, optional
        How delivery is tracked after approval, by series (a node id,
        ``costs``, ``savings``, ``costs.<organisation>``,
        ``savings.<organisation>``): which way is better, targets by
        financial year, how actuals are measured (see docs/tracking.md).
    resources : dict of str to dict or list of float, optional
        What the scheme needs of scarce resources (staff WTE, beds,
        sessions), by financial year or by period
        (:mod:`bpv.spec.resources`), checked against the system's capacity
        by :func:`bpv.portfolio`.

    Raises
    ------
    pydantic.ValidationError
        With every problem found, each at its location.

    Examples
    --------
    >>> bid = Bid(
    ...     id="demo", title="Demo", start_year=2025, horizon=3,
    ...     organisations=[Organisation(id="icb", name="ICB", role="commissioner")],
    ...     parameters={"cost": 100.0, "saving": {"dist": "uniform", "low": 50, "high": 90}},
    ...     nodes=[
    ...         Node(id="spend", kind="input", formula="cost", measure="cost",
    ...              cost_type="revenue", organisation="icb"),
    ...         Node(id="saved", kind="outcome", formula="spend * 0 + saving",
    ...              measure="cash_releasing", organisation="icb"),
    ...     ],
    ... )
    >>> bid.period_labels
    ('2025/26', '2026/27', '2027/28')
    >>> [node.id for node in bid.evaluation_order()]
    ['spend', 'saved']
    """

    format: Annotated[int, Field(ge=1, le=BID_FORMAT), IS_WHOLE_NUMBER] = BID_FORMAT
    id: _Slug
    title: Title
    sponsor: Title | None = None
    footprint: Title | None = None
    description: Text | None = None
    start_year: Annotated[int, Field(ge=1900, le=2300), IS_WHOLE_NUMBER]
    horizon: Annotated[int, Field(ge=1, le=300), IS_WHOLE_NUMBER]
    population: Annotated[int, Field(ge=0), IS_WHOLE_NUMBER] | None = None
    organisations: Annotated[
        tuple[Organisation, ...], Field(min_length=1, max_length=MAX_ORGANISATIONS)
    ]
    settings: Settings = Settings()
    parameters: Annotated[dict[str, Parameter], Field(max_length=MAX_PARAMETERS)] = Field(
        default_factory=dict)
    correlations: Correlations | None = None
    nodes: Annotated[tuple[Node, ...], Field(min_length=1, max_length=MAX_NODES)]
    scenarios: Annotated[dict[ScenarioName, Scenario], Field(max_length=MAX_SCENARIOS)] = Field(
        default_factory=dict)
    tracking: Tracking = Field(default_factory=dict)
    resources: Resources = Field(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _check_whole_bid(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Check what spans fields, also when some fields failed, and report everything."""
        _check_format(data)
        data, misnamed = _misnamed_sections(cls, data)
        try:
            bid = handler(data)
        except ValidationError as exc:
            structure = outline_problems(data)
            if not structure and not misnamed:
                raise
            raise_problems("Bid", [*misnamed, *word_errors(cls, exc.errors()), *structure])
            raise  # pragma: no cover - raise_problems always raises here
        raise_problems("Bid", [*misnamed, *outline_problems(bid), *resource_problems(bid)])
        return bid

    # -- conveniences -----------------------------------------------------------------

    @property
    def period_labels(self) -> tuple[str, ...]:
        """Financial years of the periods, e.g. ``('2025/26', '2026/27')``."""
        return tuple(
            f"{year}/{(year + 1) % 100:02d}"
            for year in range(self.start_year, self.start_year + self.horizon)
        )

    def node(self, node_id: str) -> Node:
        """Return the node with this id.

        Raises
        ------
        UnknownNameError
            If no node has that id; the message suggests close ids.
        """
        for node in self.nodes:
            if node.id == node_id:
                return node
        msg = f"no node '{node_id}' in bid '{self.id}'{did_you_mean(node_id, self.node_ids)}"
        raise UnknownNameError(msg)

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Ids of the nodes, in document order."""
        return tuple(node.id for node in self.nodes)

    @property
    def hypotheses(self) -> dict[str, Parameter]:
        """The parameters that state a success hypothesis, by name."""
        return {name: p for name, p in self.parameters.items() if p.is_hypothesis}

    def logic_model(self) -> nx.DiGraph:
        """Return the logic model as a frozen networkx graph (see :func:`bpv.logic_model`)."""
        return logic_model(self)

    def evaluation_order(self) -> list[Node]:
        """Return the computed nodes in an order where each follows what it uses."""
        return evaluation_order(self)

    # -- files ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the bid as plain data, exactly as a file would hold it."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_yaml(self) -> str:
        """Return the bid as YAML text that :func:`bpv.loads` reads back to an equal bid."""
        return dump_yaml(self.to_dict())

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the bid as JSON text that :func:`bpv.loads` reads back to an equal bid."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

