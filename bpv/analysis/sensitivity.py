"""What drives a bid's value: one-way, probabilistic and variance-based sensitivity, and EVPPI.

:func:`sensitivity` brings together, for one metric of one bid (NPV unless
asked otherwise):

- a **tornado**: each input at its 10th and 90th percentile, the others at
  their centre values (:mod:`bpv.analysis.one_way`);
- **rank correlations** (Spearman) and **partial rank correlations** (PRCC)
  of each input with the metric over the Monte Carlo sample;
- **Sobol' indices**, first and total order, with intervals from
  independently scrambled replicate designs (:mod:`bpv.analysis.sobol`);
- **EVPPI** of each input and each group of inputs, by regression on the
  Monte Carlo sample (:mod:`bpv.analysis.evppi`), with the EVPI beside it: the
  value of learning the input before deciding whether to fund the scheme
  (fund when the metric's mean is above zero). Only for the net values whose
  sign is that decision, in pounds: :data:`VALUE_METRICS` (``npv``, ``nmb``);
  for any other metric they are None;
- **switching values**: the value of each input at which the metric's mean
  crosses zero, or none within its plausible range (:mod:`bpv.analysis.one_way`).

Inputs are the bid's uncertain parameters and its activities' success gates
(``'<activity>.delivered'``). Groups show which success hypothesis, or which
link of the logic model, drives value (:func:`input_groups`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import check_instance, parameter_message
from bpv.analysis._selection import check_output, output_draws
from bpv.analysis.decision import evpi
from bpv.analysis.evppi import conditional_mean, variance_share
from bpv.analysis.one_way import SwitchingValue, TornadoBar, switching_values, tornado
from bpv.analysis.sensitivity_result import (
    GroupValue,
    InputSensitivity,
    Sensitivity,
)
from bpv.analysis.sobol import SobolIndex, sobol_indices
from bpv.engine.monte_carlo import (
    DEFAULT_DRAWS,
    Kernel,
    Method,
    appraise,
    bid_hash,
    gate_name,
    input_names,
)
from bpv.engine.results import Appraisal
from bpv.errors import SpecError, did_you_mean
from bpv.sampling.streams import Seed
from bpv.spec.bid import Bid
from bpv.transform.adjustments import adjust

__all__ = ["GROUPINGS", "VALUE_METRICS", "GroupBy", "input_groups", "sensitivity"]

FloatArray = NDArray[np.float64]

GroupBy = Literal["link", "hypothesis"]
#: The ways inputs can be grouped (:func:`input_groups`).
GROUPINGS: tuple[GroupBy, ...] = get_args(GroupBy)

#: Metrics whose sign is the decision to fund and whose units are pounds: the only ones
#: given an EVPI and EVPPI (for QALYs or admissions they would value nothing a funder decides).
VALUE_METRICS: tuple[str, ...] = ("npv", "nmb")


def input_groups(bid: Bid, by: GroupBy | Mapping[str, Sequence[str]] = "link"
                 ) -> dict[str, tuple[str, ...]]:
    """Group a bid's inputs by logic-model link, by success hypothesis, or as given.

    Parameters
    ----------
    bid : Bid
    by : {'link', 'hypothesis'} or mapping of str to sequence of str
        ``'link'``: by the node whose link each input quantifies — the node a
        parameter ``supports`` when it says so, else the first node (in
        evaluation order) whose formula or success uses it; a gate belongs to
        its activity. ``'hypothesis'``: each success hypothesis and each
        activity's delivery on its own, and every assumption together. A
        mapping names the groups itself.

    Examples
    --------
    >>> import bpv
    >>> groups = input_groups(bpv.load("examples/bids/frailty_virtual_ward.yaml"))
    >>> groups["admissions_avoided"]
    ('admit_rate', 'admission_reduction')
    """
    names = input_names(bid)
    if not isinstance(by, str):
        unknown = [name for members in by.values() for name in members if name not in names]
        if unknown:
            msg = (f"unknown inputs in groups: {', '.join(unknown)}"
                   f"{did_you_mean(unknown[0], names)}; inputs are: {', '.join(names)}")
            raise SpecError(msg)
        return {group: tuple(members) for group, members in by.items()}
    if by == "hypothesis":
        groups: dict[str, tuple[str, ...]] = {}
        assumptions = []
        for name in names:
            if name not in bid.parameters or bid.parameters[name].is_hypothesis:
                groups[name] = (name,)
            else:
                assumptions.append(name)
        if assumptions:
            groups["assumptions"] = tuple(assumptions)
        return groups
    if by != "link":
        raise SpecError(parameter_message(
            "by", "input_groups", "'link', 'hypothesis' or a mapping of groups to inputs", by,
            did_you_mean(by, GROUPINGS)))
    links = _links(bid)
    grouped: dict[str, list[str]] = {}
    for name in names:
        grouped.setdefault(links[name], []).append(name)
    return {node: tuple(members) for node, members in grouped.items()}


def _links(bid: Bid) -> dict[str, str]:
    """Return the node whose link each input quantifies, by input."""
    links: dict[str, str] = {}
    for name, parameter in bid.parameters.items():
        if parameter.supports is not None:
            links[name] = parameter.supports
    for node in bid.evaluation_order():
        for name in node.references:
            links.setdefault(name, node.id)
        if node.kind == "activity" and isinstance(node.success, str):
            links.setdefault(node.success, node.id)
        links[gate_name(node.id)] = node.id
    return {name: links.get(name, "unused") for name in input_names(bid)}


def sensitivity(
    subject: Bid | Appraisal,
    *,
    bid: Bid | None = None,
    metric: str = "npv",
    organisation: str | None = None,
    n_draws: int = DEFAULT_DRAWS,
    rng: Seed = None,
    method: Method = "mc",
    quantiles: tuple[float, float] = (0.1, 0.9),
    ranges: Mapping[str, tuple[float, float]] | None = None,
    switching: bool = True,
    switching_draws: int = 10_000,
    sobol_n: int | None = 8_192,
    sobol_intervals: bool = True,
    groups: GroupBy | Mapping[str, Sequence[str]] = "link",
    progress: bool | None = None,
    kernel: Kernel = "auto",
) -> Sensitivity:
    """Find what drives a bid's value, and what learning each input is worth.

    Parameters
    ----------
    subject : Bid or Appraisal
        A bid, appraised here with ``n_draws``, ``rng`` and ``method``; or an
        appraisal made with ``keep_inputs=True``, together with its ``bid``.
    bid : Bid, optional
        The bid of an appraisal given as ``subject`` (checked by its hash).
    metric : str, default 'npv'
        Any metric (``npv``, ``nmb``, ``qalys``, ``roi`` ...) or a metric
        node's id (its total over the periods).
    organisation : str, optional
        Analyse that organisation's metric instead of the system's.
    n_draws, rng, method
        Monte Carlo settings of the appraisal (see :func:`bpv.appraise`).
    quantiles : (float, float), default (0.1, 0.9)
        The tornado's low and high percentiles.
    ranges : mapping of str to (float, float), optional
        The tornado's low and high values for some inputs instead.
    switching : bool, default True
        Find switching values.
    switching_draws : int, default 10000
        Draws of the other inputs over which the mean is taken when
        searching a switching value (the first draws of the sample).
    sobol_n : int or None, default 8192
        Rows of the Sobol' design matrices in all (a power of two); None
        skips the Sobol' indices. The bid is evaluated ``sobol_n × (inputs + 2)``
        times.
    sobol_intervals : bool, default True
        Give each Sobol' index a 95% interval from 8 independently scrambled
        replicate designs of ``sobol_n / 8`` rows; False uses one design of
        ``sobol_n`` rows and no interval.
    groups : {'link', 'hypothesis'} or mapping, default 'link'
        How inputs are grouped for group EVPPI (:func:`input_groups`).
    progress : bool, optional
        Progress bar of the appraisal.
    kernel : {'auto', 'numpy', 'compiled'}, default 'auto'
        How the appraisal is evaluated (:func:`bpv.appraise`); the
        re-evaluations of the tornado and Sobol' designs use numpy.

    Returns
    -------
    Sensitivity

    Raises
    ------
    SpecError
        If the metric, organisation or an input is unknown, the appraisal
        kept no inputs, or the metric is not finite in every draw.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> result = bpv.sensitivity(bid, metric="nmb", n_draws=20_000, rng=1, sobol_n=None)
    >>> result.inputs[0].tornado.swing >= result.inputs[-1].tornado.swing
    True
    >>> result.evpi >= max(row.evppi for row in result.inputs)
    True
    """
    bid, appraisal = _appraised(subject, bid, n_draws=n_draws, rng=rng, method=method,
                                kernel=kernel, progress=progress)
    y = _metric_draws(appraisal, metric, organisation)
    assert appraisal.inputs is not None  # noqa: S101 - checked by _appraised
    # Analyse the effective bid, the one the engine evaluated: uncertain
    # factors its settings' policies add (additionality) are inputs too.
    bid = adjust(bid).bid
    names = input_names(bid)
    x = {name: np.asarray(appraisal.inputs[name]) for name in names}
    centre, bars = tornado(bid, metric=metric, organisation=organisation,
                           quantiles=quantiles, ranges=ranges)
    switches: dict[str, SwitchingValue] = {}
    if switching and names:
        head = {name: x[name][:switching_draws] for name in names}
        switches = {value.input: value for value in switching_values(
            bid, head, metric=metric, organisation=organisation)}
    sobols: dict[str, SobolIndex] = {}
    if sobol_n is not None and names:
        sobols = {index.input: index for index in sobol_indices(
            bid, metric=metric, organisation=organisation, n=sobol_n,
            rng=np.random.SeedSequence(appraisal.entropy), intervals=sobol_intervals)}
    valued = metric in VALUE_METRICS
    return Sensitivity(
        bid_id=bid.id, metric=metric, organisation=organisation, n_draws=y.size,
        mean=float(y.mean()), probability_positive=float(np.mean(y > 0)), centre=centre,
        evpi=evpi(y) if valued else None,
        inputs=_input_rows(bid, x, y, bars, switches, sobols, valued=valued),
        groups=_group_values(input_groups(bid, groups), x, y, valued=valued),
        group_by=groups if isinstance(groups, str) else "custom",
        sobol_n=sobol_n if sobols else None,
        provenance={"bid_hash": appraisal.bid_hash, "entropy": appraisal.entropy,
                    "method": appraisal.method, "n_draws": appraisal.n_draws,
                    "switching_draws": min(switching_draws, y.size) if switching else 0})


def _metric_draws(appraisal: Appraisal, metric: str, organisation: str | None) -> FloatArray:
    """Return the metric's draws, checked: a known metric, finite in every draw."""
    check_output(appraisal, metric, organisation)
    y = output_draws(appraisal, metric, organisation)
    if not np.isfinite(y).all():
        msg = (f"metric '{metric}' is not finite in {int((~np.isfinite(y)).sum()):,} draws "
               "(a payback of never, or a ratio over zero cost); choose another metric")
        raise SpecError(msg)
    return y


def _input_rows(bid: Bid, x: Mapping[str, FloatArray], y: FloatArray,
                bars: Sequence[TornadoBar], switches: Mapping[str, SwitchingValue],
                sobols: Mapping[str, SobolIndex], *, valued: bool,
                ) -> tuple[InputSensitivity, ...]:
    """Return every input's row, in the tornado's order (widest bar first)."""
    spearman, prcc = _rank_correlations(x, y)
    fitted = {name: conditional_mean(y, x[name]) for name in x}
    links = _links(bid)
    return tuple(
        InputSensitivity(
            input=bar.input, role=_role(bid, bar.input), link=links[bar.input], tornado=bar,
            spearman=spearman[bar.input], prcc=prcc[bar.input],
            evppi=evpi(fitted[bar.input]) if valued else None,
            variance_share=variance_share(y, fitted[bar.input]),
            switching=switches.get(bar.input), sobol=sobols.get(bar.input))
        for bar in bars)


def _group_values(grouping: Mapping[str, Sequence[str]], x: Mapping[str, FloatArray],
                  y: FloatArray, *, valued: bool) -> tuple[GroupValue, ...]:
    """Return each group's EVPPI and variance share, the most valuable (or telling) first."""
    values = []
    for group, members in grouping.items():
        fit = conditional_mean(y, np.column_stack([x[name] for name in members]))
        values.append(GroupValue(name=group, inputs=tuple(members),
                                 evppi=evpi(fit) if valued else None,
                                 variance_share=variance_share(y, fit)))
    values.sort(key=lambda group: -(group.variance_share if group.evppi is None
                                    else group.evppi))
    return tuple(values)


def _appraised(subject: Bid | Appraisal, bid: Bid | None, **settings: Any
               ) -> tuple[Bid, Appraisal]:
    if isinstance(subject, Bid):
        return subject, appraise(subject, keep_inputs=True, **settings)
    check_instance(subject, Appraisal, name="subject", function="sensitivity",
                   expected="a bpv.Bid or a bpv.Appraisal")
    if bid is None:
        msg = "sensitivity of an appraisal needs its bid too: sensitivity(appraisal, bid=bid)"
        raise SpecError(msg)
    if subject.inputs is None:
        msg = ("this appraisal kept no inputs: appraise the bid with keep_inputs=True, or "
               "pass the bid itself to sensitivity")
        raise SpecError(msg)
    if subject.bid_hash != bid_hash(bid):
        msg = f"the appraisal is not of this bid '{bid.id}' (their hashes differ)"
        raise SpecError(msg)
    return bid, subject


def _role(bid: Bid, name: str) -> str:
    if name not in bid.parameters:
        return "delivery"
    return "hypothesis" if bid.parameters[name].is_hypothesis else "assumption"


def _rank_correlations(x: Mapping[str, FloatArray], y: FloatArray
                       ) -> tuple[dict[str, float], dict[str, float]]:
    """Spearman and partial rank correlation of each input with ``y``.

    The PRCC of input i is the correlation of the ranks of input i and of y
    once the ranks of every other input are regressed out; it is read off the
    inverse of the rank correlation matrix: −P[i, y] / √(P[i, i] P[y, y]).
    Inputs that do not vary get NaN.
    """
    names = list(x)
    if not names:
        return {}, {}
    from scipy import stats
    ranks = stats.rankdata(np.column_stack([*(x[name] for name in names), y]), axis=0)
    spread = ranks.std(axis=0)
    varying = spread > 0
    spearman = {name: float("nan") for name in names}
    prcc = dict(spearman)
    if not varying[-1]:
        return spearman, prcc
    columns = np.flatnonzero(varying)
    correlation = np.corrcoef(ranks[:, columns], rowvar=False)
    precision = np.linalg.pinv(correlation)
    last = len(columns) - 1
    for position, column in enumerate(columns[:-1]):
        name = names[column]
        spearman[name] = float(correlation[position, last])
        if last == 1:  # one varying input: nothing to partial out, so PRCC = Spearman
            prcc[name] = spearman[name]
            continue
        prcc[name] = float(-precision[position, last]
                           / np.sqrt(precision[position, position] * precision[last, last]))
    return spearman, prcc
