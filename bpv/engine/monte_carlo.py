"""The Monte Carlo engine: a bid, a seed and a number of draws in; an Appraisal out.

How it works, in the order of the pipeline:

1. **Plan.** The bid's nodes are put in evaluation order and sorted into the
   ledger; discount factors are computed once.
2. **Blocks.** Draws are split into fixed blocks of
   :data:`~bpv.sampling.streams.BLOCK_SIZE`; each parameter (and each
   activity's success gate) has its own random stream per block, keyed by its
   name (see :mod:`bpv.sampling.streams`). Chunks of whole blocks are the unit
   of work, so results are bit-identical whatever the chunk size or executor.
3. **Sample.** Plain Monte Carlo draws each parameter with numpy's generator,
   one slice of :data:`EVALUATION_SLICE` draws at a time (the same values as
   drawing the whole block at once, with a slice's memory); Latin hypercube
   (stratified within each block) and Sobol (one scrambled sequence,
   fast-forwarded to each block) draw a block's uniforms and invert the CDF
   slice by slice. Correlated parameters go through a Gaussian copula.
4. **Evaluate.** Every node's compiled formula runs once per slice on arrays of
   shape (periods, draws): no per-draw Python loop. With ``kernel="compiled"``
   the whole bid runs instead as one numba loop over the slice's draws
   (:mod:`bpv.compiled`).
5. **Reduce.** The ledger reduces each chunk to per-draw present values
   (:mod:`bpv.ledger`); chunks are joined in block order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from bpv._utils.scratch import scratch
from bpv._utils.validation import check_choice, check_instance, check_int, parameter_message
from bpv._version import __version__
from bpv.discounting import discount_factors, resolve_rates
from bpv.engine.compiled_kernel import CompiledModel, parameter_rows, row_moments
from bpv.engine.ledger import (
    BASE_METRICS,
    METRICS,
    ORGANISATION_BASE_METRICS,
    ORGANISATION_METRICS,
    LedgerPlan,
    LedgerSlice,
    derive,
)
from bpv.engine.moments import Moments
from bpv.engine.results import Appraisal, CashFlowResult, MetricNodeResult
from bpv.errors import BidWarning, EvaluationError, SpecError, did_you_mean
from bpv.sampling.compiled import CompiledSampler, warm_up
from bpv.sampling.draws import InverseStack, inverse_cdf, sample, sampled_by_inversion
from bpv.sampling.streams import BLOCK_SIZE, Seed, block_generator, root_seed
from bpv.spec.bid import Bid
from bpv.spec.distributions import Fixed
from bpv.spec.node import Node
from bpv.transform.adjustments import adjust, complete_inputs

__all__ = ["KERNELS", "METHODS", "Kernel", "Method", "appraise",
           "bid_hash", "evaluate", "gate_name", "input_names"]

Method = Literal["mc", "lhs", "sobol"]
METHODS: tuple[Method, ...] = get_args(Method)
Kernel = Literal["numpy", "compiled"]
KERNELS: tuple[Kernel, ...] = get_args(Kernel)

#: Uniforms for inversion are kept inside (0, 1): a Sobol point or a stratum edge
#: at exactly 0 or 1 would map an unbounded distribution to an infinite value.
_OPEN_UNIT = (2.0**-53, 1.0 - 2.0**-53)

#: Default number of blocks per chunk of work.
_BLOCKS_PER_CHUNK = 1


@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs to evaluate a range of blocks; picklable."""

    bid: Bid
    root: np.random.SeedSequence
    n_draws: int
    method: str
    keep_flows: bool
    #: True: every draw; False: at most SUBSAMPLE_CAP; an int: at most that many.
    keep_draws: bool | int
    money_factors: NDArray[np.float64]
    health_factors: NDArray[np.float64]
    order: tuple[Node, ...]
    ledger: LedgerPlan
    uncertain: tuple[str, ...]
    gates: tuple[str, ...]
    correlated: tuple[str, ...]
    cholesky: NDArray[np.float64]
    keep_inputs: bool = False
    #: Input values to evaluate at instead of sampling (:func:`evaluate`), by input name.
    given: dict[str, NDArray[np.float64]] | None = None
    #: Settings adjustments applied (:func:`bpv.adjust`), as plain data, and the
    #: hash of the bid as given when they changed it (``bid`` is the effective bid).
    adjustments: tuple[dict[str, Any], ...] = ()
    given_bid_hash: str = ""
    #: Parameters drawn by inverting uniforms, all at once: for plain Monte
    #: Carlo the tabulated kinds, for LHS and Sobol every uncorrelated one.
    inverted: tuple[str, ...] = ()
    stack: InverseStack | None = None
    #: The bid's compiled kernel (``kernel="compiled"``); None for the numpy kernel.
    model: CompiledModel | None = None
    #: With the compiled kernel and plain Monte Carlo, the parameters drawn by
    #: compiled transforms of numpy's streams, straight into the kernel's rows.
    sampler: CompiledSampler | None = None

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


def _thinning(n_draws: int, cap: int) -> int:
    return max(1, math.ceil(n_draws / cap))


#: Draws evaluated at once within a block: bounds working memory.
EVALUATION_SLICE = 8_192
#: Most draws kept when ``keep_draws=False``: a systematic subsample for quantiles.
#: (An int ``keep_draws`` sets another cap.)
SUBSAMPLE_CAP = 131_072
#: Most draws whose net cash flow by period is kept, always: enough for the
#: quantiles of a fan chart, and a few MB whatever ``n_draws``.
CASH_FLOW_CAP = 32_768

Key = tuple[str, ...]


@dataclass
class _Chunk:
    """What one chunk of blocks reduces to: kept draws (draws on the last axis), in parts."""

    vectors: dict[Key, list[NDArray[np.float64]]]
    cash: list[NDArray[np.float64]]
    moments: list[tuple[list[Key], Moments]]
    imbalance: float


def appraise(
    bid: Bid,
    *,
    n_draws: int = 10_000,
    rng: Seed = None,
    method: Method = "mc",
    keep_flows: bool = False,
    keep_draws: bool | int = True,
    keep_inputs: bool = False,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    kernel: Kernel = "numpy",
) -> Appraisal:
    """Appraise a bid by Monte Carlo: quality benefit and return, system and organisations.

    Parameters
    ----------
    bid : Bid
        A validated bid (``bpv.load(...)``).
    n_draws : int, default 10000
        Number of draws.
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Seed (SPEC 7). The entropy actually used is stored in the result
        (``result.entropy``), so a run with ``rng=None`` can be replayed.
    method : {'mc', 'lhs', 'sobol'}, default 'mc'
        Plain Monte Carlo, Latin hypercube (stratified within each block of
        draws), or scrambled Sobol points (use a power of two for ``n_draws``).
    keep_flows : bool, default False
        Keep every node's per-draw, per-period values in ``result.flows``
        (memory: 8 bytes × draws × periods × nodes; with ``keep_draws=False``
        only those of the subsample).
    keep_draws : bool or int, default True
        Keep every draw of every metric (memory grows with ``n_draws``). With
        False, memory stays bounded: means, sds, MCSEs and P(metric > 0) stay
        exact over all draws, while quantiles and other probabilities come
        from a systematic subsample of at most 131,072 draws (every k-th), and
        ``result.subsample(name)`` gives those draws. An int keeps at most
        that many instead (more for finer quantiles, fewer for less memory:
        8 bytes a draw for each metric and each metric node's period).
    keep_inputs : bool, default False
        Keep the drawn value of every uncertain parameter and every success
        gate in ``result.inputs`` (the same draws as the metrics: all, or the
        subsample), for sensitivity analysis (:func:`bpv.sensitivity`).
    executor : concurrent.futures.Executor, optional
        Where chunks run. Default: a thread pool with one worker per core
        (numpy releases the GIL). Any executor gives the same numbers; a
        ``ProcessPoolExecutor`` or a Dask client's ``get_executor()`` go
        further.
    chunk_size : int, optional
        Draws per chunk of work, rounded up to whole blocks of 65,536.
        Changes memory and speed, never the numbers.
    progress : bool, optional
        Show a progress bar (tqdm). Default: when the run has several chunks
        and standard error is a terminal.
    kernel : {'numpy', 'compiled'}, default 'numpy'
        How each slice of draws is evaluated: numpy array operations, or the
        bid compiled to machine code by numba (:mod:`bpv.compiled`; install
        ``bpv[compiled]``), about three times as fast on two cores from a
        million draws, after a compile of 1–3.5 s the first time a machine
        sees the bid (kept on disk after that: about 0.3 s to load in a new
        process; ``$BPV_CACHE_DIR`` says where). The
        draws are the same; results agree to about 1e-15 relative, and each
        kernel is reproducible to the bit on its own.

    Returns
    -------
    Appraisal

    Raises
    ------
    SpecError
        If an argument is invalid.
    EvaluationError
        If a formula gives values that are not finite.

    Examples
    --------
    >>> import bpv
    >>> result = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                       n_draws=2_000, rng=1)
    >>> result["npv"].shape
    (2000,)
    >>> bool(result.summary().rows["qalys"]["mean"] > 0)
    True
    """
    check_instance(bid, Bid, name="bid", function="appraise", expected="a bpv.Bid (use bpv.load)")
    check_int(n_draws, name="n_draws", function="appraise", low=1)
    if not isinstance(keep_draws, bool) and (
            not isinstance(keep_draws, int | np.integer) or keep_draws < 1):
        msg = parameter_message("keep_draws", "appraise",
                                "True, False or an int in the range [1, inf)", keep_draws)
        raise SpecError(msg)
    check_choice(method, METHODS, name="method", function="appraise")
    if chunk_size is not None:
        check_int(chunk_size, name="chunk_size", function="appraise", low=1)
    check_choice(kernel, KERNELS, name="kernel", function="appraise")
    if method == "sobol" and n_draws & (n_draws - 1):
        warnings.warn(f"Sobol points are balanced only for a power of two draws; {n_draws:,} "
                      f"is not (try {1 << (n_draws - 1).bit_length():,})", BidWarning,
                      stacklevel=2)
    root = root_seed(rng)
    plan = _make_plan(bid, root, n_draws, method, keep_flows, keep_draws, keep_inputs,
                      kernel=kernel)

    n_blocks = math.ceil(n_draws / BLOCK_SIZE)
    per_chunk = _BLOCKS_PER_CHUNK if chunk_size is None else math.ceil(chunk_size / BLOCK_SIZE)
    ranges = [(start, min(start + per_chunk, n_blocks)) for start in range(0, n_blocks, per_chunk)]
    show = progress if progress is not None else (len(ranges) > 4 and _stderr_is_terminal())
    result, imbalance = _assemble(plan, _run(plan, ranges, executor, show))
    _warn_imbalance(bid, imbalance)
    return result


def _warn_imbalance(bid: Bid, imbalance: float) -> None:
    if imbalance > 1e-9:
        warnings.warn(f"income transfers in bid '{bid.id}' do not balance: what organisations "
                      f"receive and pay differs by up to {imbalance:.1%} of the largest transfer; "
                      "the system view ignores transfers, but per-organisation results will "
                      "not add up to it", BidWarning, stacklevel=3)


def gate_name(activity: str) -> str:
    """Return the input name of an activity's success gate: ``'<activity>.delivered'``.

    A gate is 1 in a draw where the activity is delivered and 0 where it is
    not; parameter names cannot contain a dot, so the names never clash.

    Examples
    --------
    >>> gate_name("ward")
    'ward.delivered'
    """
    return f"{activity}.delivered"


def input_names(bid: Bid) -> tuple[str, ...]:
    """Return the names of a bid's uncertain inputs: parameters, then success gates.

    Fixed parameters are not inputs. A gate is uncertain when its activity's
    success is below 1 or is a parameter.

    Examples
    --------
    >>> import bpv
    >>> input_names(bpv.load("examples/bids/frailty_virtual_ward.yaml"))[-2:]
    ('ward_cost', 'ward.delivered')
    """
    return (*_uncertain_parameters(bid), *(gate_name(gate) for gate in _gated_activities(bid)))


def _uncertain_parameters(bid: Bid) -> tuple[str, ...]:
    return tuple(name for name, p in bid.parameters.items()
                 if not isinstance(p.distribution, Fixed))


def _gated_activities(bid: Bid) -> tuple[str, ...]:
    return tuple(node.id for node in bid.nodes
                 if node.kind == "activity" and node.success is not None and node.success != 1)


def evaluate(bid: Bid, inputs: Mapping[str, ArrayLike], *, keep_flows: bool = False) -> Appraisal:
    """Evaluate a bid at given values of its inputs instead of sampling them.

    The deterministic core of the engine, for one-way sensitivity, switching
    values, Sobol designs and nested Monte Carlo: row ``i`` of the result is
    the bid evaluated with every input at its ``i``-th value. Metrics are
    exactly those of :func:`appraise`.

    Parameters
    ----------
    bid : Bid
    inputs : mapping of str to array_like
        A value, or an array of values (one per row; all arrays the same
        length), for each name of :func:`input_names` — uncertain parameters
        and success gates (``'<activity>.delivered'``, 1 delivered, 0 not;
        a fraction gives the expected delivery). Fixed parameters may be
        given too; otherwise they keep their value.
    keep_flows : bool, default False
        Keep every node's values by period in ``result.flows``.

    Returns
    -------
    Appraisal
        With ``method='given'``; ``result.inputs`` holds the inputs used.

    Raises
    ------
    SpecError
        If an input is missing or unknown, or the lengths differ.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> centre = {name: bid.parameters[name].distribution.to_scipy().median()
    ...           for name in bid.parameters}
    >>> result = evaluate(bid, {**centre, "ward.delivered": [0.0, 1.0]})
    >>> result["npv"].shape
    (2,)
    >>> float(result["qalys"][0])
    0.0
    """
    check_instance(bid, Bid, name="bid", function="evaluate", expected="a bpv.Bid (use bpv.load)")
    given = _given_inputs(bid, inputs)
    n_rows = next(iter(given.values())).shape[0] if given else 1
    plan = _make_plan(bid, np.random.SeedSequence(0), n_rows, "given", keep_flows, True, True,
                      given=given)
    ranges = [(0, math.ceil(n_rows / BLOCK_SIZE))]
    result, imbalance = _assemble(plan, _run(plan, ranges, None, False))
    _warn_imbalance(bid, imbalance)
    return result


def _given_inputs(bid: Bid, inputs: Mapping[str, ArrayLike]) -> dict[str, NDArray[np.float64]]:
    needed = input_names(bid)
    allowed = (*bid.parameters, *needed)
    problems = [f"no input '{name}'{did_you_mean(name, allowed)}"
                for name in inputs if name not in allowed]
    missing = [name for name in needed if name not in inputs]
    if missing:
        problems.append(f"missing values for {', '.join(missing)}")
    arrays = {name: np.atleast_1d(np.asarray(value, dtype=np.float64))
              for name, value in inputs.items() if name in allowed}
    problems += [f"input '{name}' must be a number or a 1-d array, got shape {array.shape}"
                 for name, array in arrays.items() if array.ndim != 1]
    lengths = {array.shape[0] for array in arrays.values() if array.ndim == 1 and array.size != 1}
    if len(lengths) > 1:
        problems.append(f"input arrays differ in length: {sorted(lengths)}")
    if problems:
        raise SpecError(f"cannot evaluate bid '{bid.id}': " + "; ".join(problems))
    n_rows = lengths.pop() if lengths else 1
    return {name: np.broadcast_to(array, (n_rows,)) for name, array in arrays.items()}


def bid_hash(bid: Bid) -> str:
    """Return the SHA-256 of a bid's canonical JSON: every field, defaults included, keys sorted.

    Two bids that mean the same thing hash the same, however they were written.
    """
    canonical = json.dumps(bid.model_dump(mode="json", by_alias=True), sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stderr_is_terminal() -> bool:
    import sys

    return sys.stderr.isatty()


def _make_plan(bid: Bid, root: np.random.SeedSequence, n_draws: int, method: str,
               keep_flows: bool, keep_draws: bool | int, keep_inputs: bool = False, *,
               given: dict[str, NDArray[np.float64]] | None = None,
               kernel: str = "numpy") -> _Plan:
    adjusted = adjust(bid)  # the effective bid: the settings' policies applied
    given_bid_hash = bid_hash(bid) if adjusted.bid is not bid else ""
    bid = adjusted.bid
    if given is not None:
        given = complete_inputs(bid, given, n_draws)
    settings = bid.settings
    (money_schedule, money_rate), (health_schedule, health_rate) = resolve_rates(
        settings.discounting, settings.discount_rate, settings.health_discount_rate)
    money = discount_factors(bid.horizon, rate=money_rate, schedule=money_schedule,
                             timing=settings.timing)
    health = discount_factors(bid.horizon, rate=health_rate, schedule=health_schedule,
                              timing=settings.timing)
    uncertain = _uncertain_parameters(bid)
    gates = _gated_activities(bid)
    correlated: tuple[str, ...] = ()
    cholesky = np.eye(0)
    if bid.correlations is not None:
        names, matrix = bid.correlations.to_matrix()
        correlated = tuple(names)
        cholesky = np.linalg.cholesky(np.asarray(matrix, dtype=np.float64))
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
    return _Plan(bid, root, n_draws, method, keep_flows, keep_draws, money, health,
                 order, ledger, uncertain, gates,
                 correlated, cholesky, keep_inputs, given,
                 adjustments=tuple(adjusted.to_dicts()), given_bid_hash=given_bid_hash,
                 inverted=inverted, stack=stack, model=model, sampler=sampler)


def _run(plan: _Plan, ranges: Sequence[tuple[int, int]], executor: Executor | None,
         show: bool) -> Iterator[_Chunk]:
    bar = _progress_bar(plan.n_draws, show)
    try:
        if len(ranges) == 1 and executor is None:
            chunk = _evaluate_blocks(plan, *ranges[0])
            bar.update(plan.n_draws)
            yield chunk
            return
        own = executor is None
        pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1) if own else executor
        assert pool is not None  # noqa: S101 - for the type checker
        # A window of chunks in flight keeps memory bounded; results come back in
        # block order whatever order the workers finish in.
        window = 2 * (getattr(pool, "_max_workers", None) or os.cpu_count() or 1)
        try:
            pending: deque[tuple[tuple[int, int], Future[_Chunk]]] = deque()
            remaining = iter(ranges)
            for first, last in itertools.islice(remaining, window):
                pending.append(((first, last), pool.submit(_evaluate_blocks, plan, first, last)))
            while pending:
                (first, last), future = pending.popleft()
                chunk = future.result()
                for following in itertools.islice(remaining, 1):
                    pending.append((following, pool.submit(_evaluate_blocks, plan, *following)))
                bar.update(min(last * BLOCK_SIZE, plan.n_draws) - first * BLOCK_SIZE)
                yield chunk
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    finally:
        bar.close()


class _NoBar:
    def update(self, n: int) -> None:
        del n

    def close(self) -> None:
        pass


def _progress_bar(total: int, show: bool) -> Any:
    if not show:
        return _NoBar()
    from tqdm import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total, unit="draws", unit_scale=True, desc="appraise", leave=False)


# -- one chunk ------------------------------------------------------------------------


def _evaluate_blocks(plan: _Plan, first: int, last: int) -> _Chunk:
    """Sample, evaluate and reduce blocks ``first`` to ``last`` (exclusive)."""
    kept: dict[Key, list[NDArray[np.float64]]] = {}
    cash: list[NDArray[np.float64]] = []
    moments: list[tuple[list[Key], Moments]] = []
    imbalance = 0.0
    for block in range(first, last):
        size = min(BLOCK_SIZE, plan.n_draws - block * BLOCK_SIZE)
        draws = _BlockDraws(plan, block, size)
        block_moments: Moments | None = None
        keys: list[Key] = []
        for start in range(0, size, EVALUATION_SLICE):
            stop = min(size, start + EVALUATION_SLICE)
            first_draw = block * BLOCK_SIZE + start
            parameters, gates = draws.slice(start, stop)
            out, ledger, rows, kept_cash = _evaluate_slice(plan, parameters, gates,
                                                           first_draw, stop - start)
            imbalance = max(imbalance, ledger.imbalance)
            if plan.thinning > 1:
                # Moments only when draws are thinned: otherwise every draw is
                # kept and the summary is computed from them, as with keep_draws.
                # Slices sit at fixed places in fixed blocks, so merging them in
                # order gives the same moments whatever the chunking.
                keys, slice_moments = _slice_moments(plan, ledger, out, rows)
                block_moments = (slice_moments if block_moments is None
                                 else block_moments.merge(slice_moments))
            # Node values live in reused buffers: what is kept is copied (by the
            # subsample's indexing, or explicitly).
            chosen = _systematic(first_draw, stop - start, plan.thinning)
            if plan.keep_inputs:
                out |= {("input", name): parameters[name] for name in plan.uncertain}
                out |= {("input", gate_name(gate)): gates[gate][0] for gate in plan.gates}
            for key, array in out.items():
                kept.setdefault(key, []).append(
                    array.copy() if chosen is None else array[..., chosen])
            cash.append(kept_cash)
        if block_moments is not None:
            moments.append((keys, block_moments))
    return _Chunk(kept, cash, moments, imbalance)


def _systematic(first_draw: int, n: int, thinning: int) -> NDArray[np.intp] | None:
    """Positions in a slice of the draws whose global index is a multiple of ``thinning``."""
    if thinning == 1:
        return None
    return np.arange((-first_draw) % thinning, n, thinning)


def _evaluate_slice(
    plan: _Plan,
    parameters: dict[str, NDArray[np.float64]],
    gates: dict[str, NDArray[np.float64]],
    first_draw: int,
    n: int,
) -> tuple[dict[Key, NDArray[np.float64]], LedgerSlice, NDArray[np.float64] | None,
           NDArray[np.float64]]:
    """Evaluate every node on a slice of ``n`` draws and reduce it with the ledger.

    Values are laid out periods by draws, shape (H, n): a parameter is a row
    (1, n) and the period index a column (H, 1), so every broadcast operation
    runs along the long, contiguous draw axis (several times faster than
    draws by periods, where numpy's inner loop would cover only H values).
    Returns the per-draw outputs to keep, each with draws on its last axis,
    the ledger's reduction and, from the compiled kernel, the rows of
    :meth:`~bpv.ledger.LedgerPlan.moment_keys` (None from the numpy kernel, which leaves them to
    :func:`_slice_moments`), and a copy of the net cash flows of the draws kept
    for the fan chart (one in ``plan.cash_thinning``, by their place in the run).
    """
    cash_first = (-first_draw) % plan.cash_thinning
    if plan.model is not None:
        placed = frozenset(() if plan.sampler is None else plan.sampler.names)
        kept, reduced, rows, finite = plan.model(
            parameters, gates, plan.money_factors, plan.health_factors, plan.keep_flows,
            placed=placed, cash_every=plan.cash_thinning, cash_first=cash_first)
        if finite:  # the model stores only the kept draws' cash flows
            return _slice_outputs(plan, kept, reduced), reduced, rows, reduced.net_cash.copy()
        # Not finite somewhere: the numpy kernel finds the node and draw to name.
    bid = plan.bid
    horizon = bid.horizon
    t = np.arange(horizon, dtype=np.float64)[:, np.newaxis]
    values: dict[str, NDArray[np.float64]] = {
        name: row[np.newaxis, :] for name, row in parameters.items()
    }
    order = plan.order
    with np.errstate(all="ignore"):
        for node in order:
            # Each node's values go to this thread's buffer for it, reused slice
            # after slice: a fresh array would cost more in page faults than the
            # arithmetic on it.
            value = scratch(f"node {node.id}", (horizon, n))
            if node.kind == "activity":
                np.multiply(node.delivery_profile(horizon)[:, np.newaxis],
                            gates.get(node.id, 1.0), out=value)
                if node.compiled is not None:
                    value *= node.compiled.evaluate(values, t)
            else:
                assert node.compiled is not None  # noqa: S101 - qualitative nodes are skipped
                node.compiled.evaluate(values, t, out=value)
            values[node.id] = value
        ledger = plan.ledger.reduce(values, plan.money_factors, plan.health_factors)
    # Non-finite values reach the ledger's sums; look for their node only then
    # (a payback of inf is the ledger's own word for "never").
    sums = [v for name, v in ledger.base.items() if name != "payback"] + [ledger.qalys]
    sums += [values[node_id].sum(axis=0) for node_id in plan.ledger.metric_nodes]
    if not all(np.isfinite(v).all() for v in sums):
        for node in order:
            if not np.isfinite(values[node.id]).all():
                _raise_not_finite(bid, node.id, values[node.id], first_draw)
    kept_cash = ledger.net_cash[..., cash_first::plan.cash_thinning].copy()
    return _slice_outputs(plan, values, ledger), ledger, None, kept_cash


def _slice_outputs(plan: _Plan, values: Mapping[str, NDArray[np.float64]],
                   ledger: LedgerSlice) -> dict[Key, NDArray[np.float64]]:
    """Return the per-draw outputs of a slice to keep, each with draws on its last axis."""
    out: dict[Key, NDArray[np.float64]] = {("base", name): array
                                           for name, array in ledger.base.items()}
    out[("qalys",)] = ledger.qalys
    out |= {("metric", node_id): values[node_id] for node_id in plan.ledger.metric_nodes}
    if plan.keep_flows:
        out |= {("flow", node.id): values[node.id] for node in plan.order}
    return out


def _slice_moments(
    plan: _Plan, ledger: LedgerSlice, out: dict[Key, NDArray[np.float64]],
    rows: NDArray[np.float64] | None = None,
) -> tuple[list[Key], Moments]:
    """Exact moments of every reported quantity over a slice of draws.

    Every quantity is a row of one matrix (draws along rows), so one
    vectorised pass computes them all and one merge combines slices; each
    metric is derived once for every scope at a time. Returns the row keys
    (the same for every slice of a run) and the moments; a metric node's
    periods take one row each, keyed ``("metric", node_id, period)``.
    ``rows`` are the quantities already computed (by the compiled kernel).
    """
    keys = plan.ledger.moment_keys(plan.bid.horizon)
    if rows is not None:
        return keys, row_moments(rows)
    base = {**ledger.base, "qalys": ledger.qalys[np.newaxis, :]}
    table = {name: derive(name, base, plan.bid.settings.qaly_value)
             for name in dict.fromkeys(METRICS + ORGANISATION_METRICS)}
    pieces = [table[name][:1] for name in METRICS]
    pieces += [table[name][1:] for name in ORGANISATION_METRICS]
    # Exact probabilities of gain: P(npv > 0) of every scope and P(nmb > 0).
    pieces += [(table["npv"] > 0).astype(np.float64), (table["nmb"][:1] > 0).astype(np.float64)]
    nodes = plan.ledger.metric_nodes
    pieces += [out[("metric", node_id)].sum(axis=0, keepdims=True) for node_id in nodes]
    pieces += [out[("metric", node_id)] for node_id in nodes]
    n = ledger.qalys.shape[0]
    rows = np.concatenate(pieces, axis=0,
                          out=scratch("moment rows", (len(keys), n)))
    return keys, Moments.of_rows(rows, overwrite=True)


def _split_moments(keys: list[Key], stacked: Moments) -> dict[Key, Moments]:
    """Give each quantity its moments; a metric node's periods become one array."""
    moments: dict[Key, Moments] = {}
    periods: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key[0] == "metric":
            periods.setdefault(key[1], []).append(index)
        else:
            moments[key] = stacked.column(index)
    for node_id, indices in periods.items():
        moments[("metric", node_id)] = Moments(stacked.count[indices], stacked.mean[indices],
                                               stacked.m2[indices])
    return moments


def _raise_not_finite(bid: Bid, node_id: str, value: NDArray[np.float64],
                      first_draw: int) -> None:
    bad = ~np.isfinite(value.T)  # values are periods by draws; read them draw by draw
    draw, period = (int(i) for i in np.argwhere(bad)[0])
    value = value.T
    index = bid.node_ids.index(node_id)
    msg = (f"nodes[{index}] '{node_id}' gives values that are not finite "
           f"({value[draw, period]}) in {int(bad.any(axis=1).sum()):,} draws of this slice, "
           f"first at draw {first_draw + draw:,}, period {period}: check its formula "
           f"'{bid.node(node_id).formula}' for division by zero, log or sqrt of values that can "
           "be 0 or negative, or a parameter whose distribution reaches such values")
    raise EvaluationError(msg)


class _BlockDraws:
    """The draws of every parameter and success gate of one block, served slice by slice.

    Plain Monte Carlo keeps one generator per stream for the block and draws
    each slice as it is evaluated: numpy's generators fill arrays value by
    value, so consecutive slices are exactly the block's draws in order, and
    only a slice's worth of draws is ever held. Latin hypercube and Sobol
    draw the block's uniforms at once (a stratification or point set spans
    the block) and invert them slice by slice; given inputs are sliced.
    """

    def __init__(self, plan: _Plan, block: int, size: int) -> None:
        self.plan = plan
        self.block = block
        self.size = size
        self.gate_keys = [f"gate:{gate}" for gate in plan.gates]
        self.generators: dict[str, np.random.Generator] = {}
        self.uniforms: dict[str, NDArray[np.float64]] = {}
        if plan.given is not None:
            return
        if plan.method == "mc":
            self.generators = {name: block_generator(plan.root, name, block)
                               for name in (*plan.uncertain, *self.gate_keys)}
        else:
            self.uniforms = _uniforms(plan, block, size, [*plan.uncertain, *self.gate_keys])

    def slice(self, start: int, stop: int) -> tuple[
            dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
        """Draws ``start`` to ``stop`` of the block: parameters (n,) and gates (1, n)."""
        plan, bid, n = self.plan, self.plan.bid, stop - start
        if plan.given is not None:
            return _given_slice(plan, plan.given, self.block * BLOCK_SIZE + start, n)
        uniforms = {name: u[start:stop] for name, u in self.uniforms.items()}
        drawn: dict[str, NDArray[np.float64]] = {}
        if plan.sampler is not None:  # into the compiled kernel's own rows: no copy
            assert plan.model is not None  # noqa: S101 - for the type checker
            rows = parameter_rows(len(plan.model.parameters), n)
            names = plan.sampler.names
            plan.sampler.draw(self.generators, scratch("raw draws", (len(names), n)), rows)
            drawn |= {name: rows[target]
                      for name, target in zip(names, plan.sampler.targets, strict=True)}
        if plan.inverted:
            assert plan.stack is not None  # noqa: S101 - for the type checker
            shape = (len(plan.inverted), n)
            rows = scratch("uniforms to invert", shape)
            for row, name in zip(rows, plan.inverted, strict=True):
                if plan.method == "mc":
                    self.generators[name].random(out=row)
                else:
                    row[:] = uniforms[name]
            values = plan.stack(rows, out=scratch("inverted draws", shape),
                                work=scratch("inversion work", (3, *shape)))
            drawn |= dict(zip(plan.inverted, values, strict=True))
        for name, parameter in bid.parameters.items():
            spec = parameter.distribution
            if isinstance(spec, Fixed):
                drawn[name] = np.full(n, spec.value)
            elif name in plan.correlated or name in drawn:
                continue
            else:  # plain Monte Carlo of the kinds numpy draws directly
                drawn[name] = sample(spec, self.generators[name], n)
        if plan.correlated:
            if plan.method == "mc":
                z = np.column_stack([self.generators[name].standard_normal(n)
                                     for name in plan.correlated])
            else:
                z = special.ndtri(np.column_stack([uniforms[name] for name in plan.correlated]))
            u = np.clip(special.ndtr(z @ plan.cholesky.T), *_OPEN_UNIT)
            for j, name in enumerate(plan.correlated):
                drawn[name] = inverse_cdf(bid.parameters[name].distribution)(u[:, j])
        drawn = {name: drawn[name] for name in bid.parameters}  # bid order
        gates: dict[str, NDArray[np.float64]] = {}
        for gate, key in zip(plan.gates, self.gate_keys, strict=True):
            u_gate = (uniforms[key] if plan.method != "mc" else self.generators[key].random(n))
            success = bid.node(gate).success
            probability = (drawn[success] if isinstance(success, str)
                           else float(1.0 if success is None else success))
            gates[gate] = (u_gate < probability).astype(np.float64)[np.newaxis, :]
        return drawn, gates


def _given_slice(plan: _Plan, given: dict[str, NDArray[np.float64]], first: int, n: int
                 ) -> tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
    """Return the given inputs of draws ``first`` to ``first + n``, as :class:`_BlockDraws`."""
    rows = slice(first, first + n)
    drawn = {name: (np.ascontiguousarray(given[name][rows]) if name in given
                    else np.full(n, parameter.distribution.value))  # type: ignore[union-attr]
             for name, parameter in plan.bid.parameters.items()}
    gates = {gate: np.ascontiguousarray(given[gate_name(gate)][rows])[np.newaxis, :]
             for gate in plan.gates}
    return drawn, gates


def _uniforms(plan: _Plan, block: int, size: int, dimensions: list[str]) -> dict[
        str, NDArray[np.float64]]:
    """Uniforms for LHS or Sobol, one column per dimension; empty for plain Monte Carlo."""
    if plan.method == "mc" or not dimensions:
        return {}
    if plan.method == "lhs":
        uniforms = {}
        for name in dimensions:
            generator = block_generator(plan.root, name, block)
            uniforms[name] = np.clip(
                (generator.permutation(size) + generator.random(size)) / size, *_OPEN_UNIT)
        return uniforms
    from scipy.stats import qmc

    sobol = qmc.Sobol(len(dimensions), scramble=True,
                      rng=block_generator(plan.root, "sobol", 0))
    if block:
        sobol.fast_forward(block * BLOCK_SIZE)
    points = np.clip(sobol.random(size), *_OPEN_UNIT)
    return {name: points[:, j] for j, name in enumerate(dimensions)}


# -- assembly -----------------------------------------------------------------------


class _Collector:
    """Preallocated per-draw outputs (draws on the last axis), filled part by part in order."""

    def __init__(self, n_draws: int) -> None:
        self.n_draws = n_draws
        self.arrays: dict[Key, NDArray[np.float64]] = {}
        self.filled: dict[Key, int] = {}

    def put(self, key: Key, values: NDArray[np.float64]) -> None:
        if key not in self.arrays:
            self.arrays[key] = np.empty((*values.shape[:-1], self.n_draws))
            self.filled[key] = 0
        start = self.filled[key]
        self.arrays[key][..., start:start + values.shape[-1]] = values
        self.filled[key] = start + values.shape[-1]

    def get(self, key: Key) -> NDArray[np.float64]:
        array = self.arrays[key]
        array.flags.writeable = False
        return array


def _assemble(plan: _Plan, chunks: Iterable[_Chunk]) -> tuple[Appraisal, float]:
    bid = plan.bid
    out = _Collector(plan.n_kept)
    cash_out = _Collector(math.ceil(plan.n_draws / plan.cash_thinning))
    total: Moments | None = None
    column_keys: list[Key] = []
    imbalance = 0.0
    for chunk in chunks:
        for key, parts in chunk.vectors.items():
            for part in parts:
                out.put(key, part)
        for part in chunk.cash:
            cash_out.put(("cash",), part)
        for keys, block in chunk.moments:  # blocks in order: merging ignores chunking
            total = block if total is None else total.merge(block)
            column_keys = keys
        imbalance = max(imbalance, chunk.imbalance)
    merged = {} if total is None else _split_moments(column_keys, total)
    base = {key[1]: out.get(key) for key in out.arrays if key[0] == "base"}
    system = {name: base[name][0] for name in BASE_METRICS if name != "qalys"}
    system["qalys"] = out.get(("qalys",))
    organisations = {org: {name: base[name][index] for name in ORGANISATION_BASE_METRICS}
                     for index, org in enumerate(plan.ledger.organisations, start=1)}
    # Users read per-draw, per-period values as draws by periods: transposed views.
    metric_nodes = {
        key[1]: MetricNodeResult(
            key[1], bid.node(key[1]).unit, bid.period_labels, out.get(key).T,
            by_period_moments=merged.get(("metric", key[1])),
            total_moments=merged.get(("metric_total", key[1])))
        for key in out.arrays if key[0] == "metric"
    }
    flows = ({key[1]: out.get(key).T for key in out.arrays if key[0] == "flow"}
             if plan.keep_flows else None)
    inputs = ({key[1]: out.get(key) for key in out.arrays if key[0] == "input"}
              if plan.keep_inputs else None)
    net_cash = cash_out.get(("cash",))
    cash_flows = {(None if index == 0 else scope): CashFlowResult(
                      scope, bid.period_labels, net_cash[index].T, n_represented=plan.n_draws)
                  for index, scope in enumerate(plan.ledger.scopes)}
    entropy = plan.root.entropy
    return Appraisal(
        base=system,
        names=METRICS,
        qaly_value=bid.settings.qaly_value,
        moments=merged or None,
        n_represented=plan.n_draws,
        bid_id=bid.id,
        n_draws=plan.n_draws,
        method=plan.method,
        entropy=entropy if isinstance(entropy, int) else tuple(int(e) for e in entropy or ()),
        bid_hash=plan.given_bid_hash or bid_hash(bid),
        periods=bid.period_labels,
        organisation_base=organisations,
        metric_nodes=metric_nodes,
        flows=flows,
        inputs=inputs,
        cash_flows=cash_flows,
        provenance={
            "bpv_version": __version__,
            "spawn_key": list(plan.root.spawn_key),
            "block_size": BLOCK_SIZE,
            "kernel": "numpy" if plan.model is None else "compiled",
            "discounting": bid.settings.discounting,
            "timing": bid.settings.timing,
            "money_discount_factors": [float(x) for x in plan.money_factors],
            "health_discount_factors": [float(x) for x in plan.health_factors],
            "qaly_value": bid.settings.qaly_value,
            "adjustments": [dict(adjustment) for adjustment in plan.adjustments],
        },
    ), imbalance
