"""Sanity checks that run a bid on a small sample: shares, signs of money and health, transfers.

:func:`check_bid` is what ``bpv validate`` runs: every check of
:data:`bpv.spec.lint.CHECKS` (which read the bid), then those of
:data:`SAMPLE_CHECKS`, which read :data:`SAMPLE_DRAWS` draws of the bid's
values made with a fixed seed (a few milliseconds for the examples; see
``benchmarks/bench_validate.py``). A sample can show that something happens
(a cost below zero), never that it cannot: these checks warn, they do not prove.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import check_instance, check_int
from bpv.engine.assembly import assemble, imbalance_finding
from bpv.engine.plan import make_plan
from bpv.engine.schedule import block_ranges, run
from bpv.errors import Finding, SpecError
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid
from bpv.spec.distributions import quick_fits
from bpv.spec.lint import lint
from bpv.spec.sanity import document_order, node_location, share_finding, share_reason

__all__ = ["MAX_SAMPLE_VALUES", "MIN_SAMPLE_DRAWS", "SAMPLE_CHECKS", "SAMPLE_DRAWS",
           "SAMPLE_SEED", "Sample", "SampleCheck", "check_bid", "draw_sample", "sample_draws"]

#: Draws of the sample the checks read: enough to see what a tenth of the draws do.
SAMPLE_DRAWS: Final = 256
#: Fewest draws of the sample, however large the bid.
MIN_SAMPLE_DRAWS: Final = 32
#: Most values (draws x nodes x periods) the sample keeps: a bid of thousands of nodes
#: gets fewer draws, so that validate stays within docs/limits.md (5 s, 500 MB).
MAX_SAMPLE_VALUES: Final = 1_000_000
#: The sample's seed, fixed so that the same bid always gets the same findings.
SAMPLE_SEED: Final = 20_250_401

#: Measures whose values should not be negative, and what a negative value would mean.
_SIGNED: Final = {
    "cost": "a cost below zero is income: model a saving as its own cash_releasing node, or "
            "keep the formula at 0 or above with max(0, ...)",
    "cash_releasing": "a saving below zero is a cost: model it as a cost node, or keep the "
                      "formula at 0 or above with max(0, ...)",
    "non_cash_releasing": "a saving below zero is a cost: model it as a cost node, or keep "
                          "the formula at 0 or above with max(0, ...)",
    "qaly": "health lost counts against the bid; if that is not meant, keep the formula at 0 "
            "or above with max(0, ...)",
}


@dataclass(frozen=True, kw_only=True)
class Sample:
    """A small sample of a bid's values, as the sample checks read it.

    Attributes
    ----------
    inputs : dict of str to ndarray
        Each parameter's draws (and each gate's), one value a draw.
    flows : dict of str to ndarray
        Each node's values, draws by periods.
    imbalance : float
        The largest sum of income transfers over organisations in any draw
        and period, relative to the largest transfer.
    periods : tuple of str
        The periods' labels.
    """

    inputs: Mapping[str, NDArray[np.float64]]
    flows: Mapping[str, NDArray[np.float64]]
    imbalance: float
    periods: tuple[str, ...]

    @property
    def n_draws(self) -> int:
        """The number of draws."""
        return len(next(iter(self.inputs.values()))) if self.inputs else 0


#: A check on a sample: what it finds in the bid given its sampled values.
SampleCheck = Callable[[Bid, Sample], list[Finding]]


def _shares_drawn_above_one(bid: Bid, sample: Sample) -> list[Finding]:
    """Share-like parameters whose draws exceed 1 (those bounded above 1 are found unsampled)."""
    findings = []
    for name, parameter in bid.parameters.items():
        reason = share_reason(name, parameter)
        draws = sample.inputs.get(name)
        if reason is None or draws is None or np.isfinite(parameter.distribution.support()[1]):
            continue
        above = int(np.count_nonzero(draws > 1))
        if above:
            highest = _plain(float(draws.max()))
            findings.append(share_finding(name, reason, f"{above} of {sample.n_draws} sampled "
                                          f"draws are above 1 (up to {highest})"))
    return findings


def _negative_money_and_health(bid: Bid, sample: Sample) -> list[Finding]:
    """Cost, saving and QALY nodes that go below zero in some draw and period."""
    findings = []
    for node in bid.nodes:
        values = sample.flows.get(node.id)
        if node.measure not in _SIGNED or values is None:
            continue
        scale = float(np.max(np.abs(values), initial=0.0))
        negative = values < -1e-9 * scale  # not the rounding of a difference that is 0
        if not negative.any():
            continue
        draws = int(np.count_nonzero(negative.any(axis=1)))
        draw, period = np.unravel_index(np.argmin(values), values.shape)
        findings.append(Finding(
            node_location(node.id), f"a '{node.measure}' node that can be negative: "
            f"{draws} of {sample.n_draws} sampled draws go below 0 (as low as "
            f"{_plain(float(values[draw, period]))} in {sample.periods[period]}); "
            f"{_SIGNED[node.measure]}", check="negative-value"))
    return findings


def _plain(value: float) -> str:
    """Write a value without scientific notation: ``-145,600``, ``1.25``, ``-0.000031``."""
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:,.3g}" if abs(value) >= 1e-3 \
        else f"{value:.6f}"


def _unbalanced_transfers(bid: Bid, sample: Sample) -> list[Finding]:
    finding = imbalance_finding(bid, sample.imbalance)
    return [] if finding is None else [finding]


#: The checks that read a sample of the bid's values, by name, in the order they are reported.
SAMPLE_CHECKS: Final[Mapping[str, SampleCheck]] = {
    "share-above-one": _shares_drawn_above_one,
    "negative-value": _negative_money_and_health,
    "unbalanced-transfers": _unbalanced_transfers,
}


def sample_draws(bid: Bid) -> int:
    """Return the draws of a bid's sample: :data:`SAMPLE_DRAWS`, fewer for a very large bid.

    Examples
    --------
    >>> import bpv
    >>> sample_draws(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    256
    """
    values = len(bid.nodes) * bid.horizon
    return max(MIN_SAMPLE_DRAWS, min(SAMPLE_DRAWS, MAX_SAMPLE_VALUES // values))


def draw_sample(bid: Bid, *, n_draws: int = SAMPLE_DRAWS, rng: Seed = SAMPLE_SEED) -> Sample:
    """Evaluate the bid (its settings policies applied) on a small Monte Carlo sample.

    Intervals are sampled from their quick fits (:func:`bpv.spec.distributions.quick_fits`),
    so checking a bid never loads :mod:`scipy.optimize`.
    """
    with quick_fits():
        plan = make_plan(bid, root_seed(rng), n_draws=n_draws, method="mc", keep_flows=True,
                         keep_draws=True, keep_inputs=True)
        result, imbalance = assemble(plan, run(plan, block_ranges(n_draws, None), None,
                                               show=False))
    return Sample(inputs=result.inputs or {}, flows=result.flows or {}, imbalance=imbalance,
                  periods=bid.period_labels)


def check_bid(bid: Bid, *, n_draws: int | None = None, rng: Seed = SAMPLE_SEED,
              ) -> list[Finding]:
    """Run every sanity check on a valid bid: what ``bpv validate`` reports.

    The checks of :data:`bpv.spec.lint.CHECKS`, which read the bid, then
    those of :data:`SAMPLE_CHECKS`, which read its values on a small sample.
    docs/validation.md lists every check and the message it gives.

    Parameters
    ----------
    bid : Bid
    n_draws : int, optional
        Draws of the sample. Default :func:`sample_draws`: 256, fewer (at
        least 32) when nodes x periods x 256 would pass
        :data:`MAX_SAMPLE_VALUES`.
    rng : int, SeedSequence, Generator or None, default SAMPLE_SEED
        Seed of the sample, as in Scientific Python's `SPEC 7
        <https://scientific-python.org/specs/spec-0007/>`_; fixed by default, so a
        bid always gets the same findings.

    Returns
    -------
    list of Finding
        Errors and warnings, in the order a reader meets their places in
        the bid. A bid whose sample cannot be evaluated (a formula dividing
        by zero) gets one error saying why.

    Examples
    --------
    >>> import bpv
    >>> check_bid(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    []
    >>> bid = bpv.loads(bpv.dumps(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    ...                 .replace("qaly_value: 70000", "qaly_value: 70"))
    >>> [(finding.location, finding.check) for finding in check_bid(bid)]
    [('settings.qaly_value', 'qaly-value')]
    """
    check_instance(bid, Bid, name="bid", function="check_bid", expected="a bpv.Bid (use bpv.load)")
    if n_draws is None:
        n_draws = sample_draws(bid)
    check_int(n_draws, name="n_draws", function="check_bid", low=1)
    findings = lint(bid)
    try:
        sample = draw_sample(bid, n_draws=n_draws, rng=rng)
    except SpecError as exc:
        return [*findings, Finding("", f"a sample of {n_draws} draws cannot be evaluated: {exc}",
                                   severity="error", check="evaluates")]
    for check in SAMPLE_CHECKS.values():
        findings += check(bid, sample)
    return document_order(bid, findings)
