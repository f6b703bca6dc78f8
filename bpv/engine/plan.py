"""The plan of a run: what a worker needs to draw and evaluate any range of blocks.

A run's plan is made once (:func:`make_plan`) and sent to every worker, so it
is picklable and read-only. It has two parts: the :class:`SamplingPlan` says
how each block's draws are taken, the :class:`EvaluationPlan` how they are
evaluated and what is kept of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv.discounting import discount_factors, resolve_rates
from bpv.engine.compiled_kernel import CompiledModel
from bpv.engine.identity import bid_hash
from bpv.engine.inputs import gated_activities, uncertain_parameters
from bpv.engine.ledger import LedgerPlan
from bpv.sampling.compiled import CompiledSampler, warm_up
from bpv.sampling.draws import InverseStack, inverse_cdf, sampled_by_inversion
from bpv.spec.bid import Bid
from bpv.spec.node import Node
from bpv.transform.adjustments import adjust, complete_inputs

__all__ = ["CASH_FLOW_CAP", "SUBSAMPLE_CAP", "EvaluationPlan", "Plan", "SamplingPlan",
           "make_plan"]

#: Most draws kept when ``keep_draws=False``: a systematic subsample for quantiles.
#: (An int ``keep_draws`` sets another cap.)
SUBSAMPLE_CAP = 131_072
#: Most draws whose net cash flow by period is kept, always: enough for the
#: quantiles of a fan chart, and a few MB whatever ``n_draws``.
CASH_FLOW_CAP = 32_768


@dataclass(frozen=True, kw_only=True)
class SamplingPlan:
    """How the draws of every block are taken: streams, method, copula and inversion."""

    bid: Bid
    root: np.random.SeedSequence
    n_draws: int
    #: ``'mc'``, ``'lhs'``, ``'sobol'``, or ``'given'`` (:func:`~bpv.engine.evaluate`).
    method: str
    uncertain: tuple[str, ...]
    gates: tuple[str, ...]
    #: The parameters of the Gaussian copula (none: empty), and their correlation matrix.
    correlated: tuple[str, ...]
    correlation: NDArray[np.float64]
    #: Input values to evaluate at instead of sampling, by input name
    #: (:func:`~bpv.engine.evaluate`).
    given: dict[str, NDArray[np.float64]] | None = None
    #: Parameters drawn by inverting uniforms, all at once: for plain Monte
    #: Carlo the tabulated kinds, for LHS and Sobol every uncorrelated one.
    inverted: tuple[str, ...] = ()
    stack: InverseStack | None = None
    #: With the compiled kernel and plain Monte Carlo, the parameters drawn by
    #: compiled transforms of numpy's streams, straight into the kernel's rows.
    sampler: CompiledSampler | None = None


@dataclass(frozen=True, kw_only=True)
class EvaluationPlan:
    """How a slice of draws is evaluated, and which of its outputs are kept."""

    bid: Bid
    n_draws: int
    order: tuple[Node, ...]
    ledger: LedgerPlan
    money_factors: NDArray[np.float64]
    health_factors: NDArray[np.float64]
    #: The bid's compiled kernel (``kernel="compiled"``); None for the numpy kernel.
    model: CompiledModel | None = None
    #: The parameters the sampler draws straight into the compiled kernel's rows.
    placed: frozenset[str] = frozenset()
    keep_flows: bool = False
    #: True: every draw; False: at most SUBSAMPLE_CAP; an int: at most that many.
    keep_draws: bool | int = True
    keep_inputs: bool = False

    @property
    def thinning(self) -> int:
        """Keep one draw in this many (1 when every draw is kept)."""
        if self.keep_draws is True:
            return 1
        return _thinning(self.n_draws, SUBSAMPLE_CAP if self.keep_draws is False
                         else int(self.keep_draws))

    @property
    def n_kept(self) -> int:
        """Draws kept per draw vector."""
        return math.ceil(self.n_draws / self.thinning)

    @property
    def cash_thinning(self) -> int:
        """Keep the net cash flows of one draw in this many: always a bounded subsample."""
        return _thinning(self.n_draws, CASH_FLOW_CAP)


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Everything a worker needs to evaluate a range of blocks; picklable."""

    sampling: SamplingPlan
    evaluation: EvaluationPlan
    #: Settings adjustments applied (:func:`bpv.adjust`), as plain data.
    adjustments: tuple[dict[str, Any], ...] = ()
    #: The hash of the bid as given (``bid`` is the effective bid, adjustments applied).
    bid_hash: str

    @property
    def bid(self) -> Bid:
        """The effective bid: the settings' adjustments applied."""
        return self.evaluation.bid

    @property
    def n_draws(self) -> int:
        """Number of draws (rows, for :func:`~bpv.engine.evaluate`)."""
        return self.evaluation.n_draws


def _thinning(n_draws: int, cap: int) -> int:
    return max(1, math.ceil(n_draws / cap))


def make_plan(bid: Bid, root: np.random.SeedSequence, *, n_draws: int, method: str,
              keep_flows: bool, keep_draws: bool | int, keep_inputs: bool,
              given: dict[str, NDArray[np.float64]] | None = None,
              kernel: str = "numpy") -> Plan:
    """Make the plan of a run: the bid adjusted, discounted, ordered and (optionally) compiled.

    Parameters
    ----------
    bid : Bid
        The bid as given; its settings' adjustments are applied here.
    root : numpy.random.SeedSequence
        The run's root seed.
    n_draws : int
    method : {'mc', 'lhs', 'sobol', 'given'}
    keep_flows, keep_draws, keep_inputs
        As :func:`~bpv.appraise`.
    given : dict of str to ndarray, optional
        Input values to evaluate at instead of sampling (``method='given'``).
    kernel : {'numpy', 'compiled'}, default 'numpy'

    Returns
    -------
    Plan
    """
    adjusted = adjust(bid)  # the effective bid: the settings' policies applied
    given_hash = bid_hash(bid)
    bid = adjusted.bid
    if given is not None:
        given = complete_inputs(bid, given, n_draws)
    money, health = _discount_factors(bid)
    uncertain = uncertain_parameters(bid)
    correlated: tuple[str, ...] = ()
    correlation = np.eye(0)
    if bid.correlations is not None:
        names, matrix = bid.correlations.to_matrix()
        correlated = tuple(names)
        correlation = np.asarray(matrix, dtype=np.float64)
    order = tuple(bid.evaluation_order())
    ledger = LedgerPlan.from_bid(bid)
    model = sampler = None
    if kernel == "compiled":
        model = CompiledModel.from_bid(bid, order, ledger)
        if method == "mc" and given is None:
            sampler = CompiledSampler.for_parameters(
                {name: bid.parameters[name].distribution for name in uncertain
                 if name not in correlated},
                {name: model.parameters.index(name) for name in uncertain})
            warm_up()
    drawn = () if sampler is None else sampler.names
    inverted = () if given is not None else tuple(
        name for name in uncertain if name not in correlated and name not in drawn
        and (method != "mc" or sampled_by_inversion(bid.parameters[name].distribution)))
    stack = InverseStack([inverse_cdf(bid.parameters[name].distribution) for name in inverted])
    sampling = SamplingPlan(
        bid=bid, root=root, n_draws=n_draws, method=method, uncertain=uncertain,
        gates=gated_activities(bid), correlated=correlated, correlation=correlation,
        given=given, inverted=inverted, stack=stack, sampler=sampler)
    evaluation = EvaluationPlan(
        bid=bid, n_draws=n_draws, order=order, ledger=ledger, money_factors=money,
        health_factors=health, model=model, placed=frozenset(drawn), keep_flows=keep_flows,
        keep_draws=keep_draws, keep_inputs=keep_inputs)
    return Plan(sampling=sampling, evaluation=evaluation,
                adjustments=tuple(adjusted.to_dicts()), bid_hash=given_hash)


def _discount_factors(bid: Bid) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the money and health discount factors of each period."""
    settings = bid.settings
    (money_schedule, money_rate), (health_schedule, health_rate) = resolve_rates(
        settings.discounting, settings.discount_rate, settings.health_discount_rate)
    money = discount_factors(bid.horizon, rate=money_rate, schedule=money_schedule,
                             timing=settings.timing)
    health = discount_factors(bid.horizon, rate=health_rate, schedule=health_schedule,
                              timing=settings.timing)
    return money, health
