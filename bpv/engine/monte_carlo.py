"""The Monte Carlo engine's front door: :func:`appraise` and :func:`evaluate`.

How it works, in the order of the pipeline:

1. **Plan** (:mod:`bpv.engine.plan`). The bid's settings' adjustments are
   applied, its nodes put in evaluation order and sorted into the ledger;
   discount factors are computed once.
2. **Blocks** (:mod:`bpv.engine.schedule`). Draws are split into fixed blocks of
   :data:`~bpv.sampling.streams.BLOCK_SIZE`; each parameter (and each
   activity's success gate) has its own random stream per block, keyed by its
   name (see :mod:`bpv.sampling.streams`). Chunks of whole blocks are the unit
   of work, so results are bit-identical whatever the chunk size or executor.
3. **Sample** (:mod:`bpv.engine.block_draws`). Plain Monte Carlo draws each
   parameter with numpy's generator, one slice of
   :data:`~bpv.engine.schedule.EVALUATION_SLICE` draws at a time (the same
   values as drawing the whole block at once, with a slice's memory); Latin
   hypercube (stratified within each block) and Sobol (one scrambled sequence,
   fast-forwarded to each block) draw a block's uniforms and invert the CDF
   slice by slice. Correlated parameters go through a Gaussian copula
   (:mod:`bpv.sampling.copula`).
4. **Evaluate** (:mod:`bpv.engine.evaluation`). Every node's compiled formula
   runs once per slice on arrays of shape (periods, draws): no per-draw
   Python loop. With the compiled kernel the whole bid runs instead as one
   numba loop over the slice's draws (:mod:`bpv.engine.compiled_kernel`);
   ``kernel="auto"``, the default, chooses it for runs of
   :data:`COMPILED_FROM_DRAWS` draws or more where numba is installed
   (:func:`chosen_kernel`).
5. **Reduce** (:mod:`bpv.engine.ledger`, :mod:`bpv.engine.assembly`). The
   ledger reduces each slice to per-draw present values; chunks are joined in
   block order into an :class:`~bpv.Appraisal`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from bpv._utils.validation import check_choice, check_instance, check_int, parameter_message
from bpv.engine.assembly import assemble, warn_imbalance
from bpv.engine.budget import check_draws, check_kept, kept_bytes
from bpv.engine.compiled_kernel import available
from bpv.engine.identity import bid_hash
from bpv.engine.inputs import gate_name, given_inputs, input_names
from bpv.engine.plan import make_plan
from bpv.engine.results import Appraisal
from bpv.engine.schedule import as_executor, block_ranges, run, show_progress
from bpv.errors import BidWarning, SpecError
from bpv.sampling.streams import BLOCK_SIZE, Seed, root_seed
from bpv.spec.bid import Bid

__all__ = ["COMPILED_FROM_DRAWS", "DEFAULT_DRAWS", "KERNELS", "METHODS", "Kernel", "Method",
           "appraise", "bid_hash", "chosen_kernel", "evaluate", "gate_name", "input_names"]

Method = Literal["mc", "lhs", "sobol"]
METHODS: tuple[Method, ...] = get_args(Method)
Kernel = Literal["auto", "numpy", "compiled"]
KERNELS: tuple[Kernel, ...] = get_args(Kernel)
#: The fewest draws for which ``kernel="auto"`` runs the compiled kernel (where numba is
#: installed). Below it the numpy kernel is quicker in a new process: loading numba and a
#: cached kernel costs about 0.3-1.5 s, which the compiled loop wins back only from about
#: 300,000-500,000 draws (benchmarks/bench_engine.py; docs/appraisal.md).
COMPILED_FROM_DRAWS = 1_000_000
#: Draws of every appraising function and command unless told otherwise: enough for
#: EVPPI by regression and for tail quantiles, and a fraction of a second for most bids.
DEFAULT_DRAWS = 100_000


def appraise(
    bid: Bid,
    *,
    n_draws: int = DEFAULT_DRAWS,
    rng: Seed = None,
    method: Method = "mc",
    keep_flows: bool = False,
    keep_draws: bool | int = True,
    keep_inputs: bool = False,
    executor: Executor | Any | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
    kernel: Kernel = "auto",
) -> Appraisal:
    """Appraise a bid by Monte Carlo: quality benefit and return, system and organisations.

    Parameters
    ----------
    bid : Bid
        A validated bid (``bpv.load(...)``).
    n_draws : int, default 100000
        Number of draws (:data:`DEFAULT_DRAWS`).
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        Seed, as in Scientific Python's `SPEC 7
        <https://scientific-python.org/specs/spec-0007/>`_. The entropy actually used is
        stored in the result (``result.entropy``), so a run with ``rng=None``
        can be replayed.
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
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where chunks run. Default: a thread pool with one worker per core
        (numpy releases the GIL). Any executor gives the same numbers; a
        ``ProcessPoolExecutor`` goes further, and a Dask ``distributed.Client``
        spreads the blocks of draws over its cluster's workers
        (docs/programme-office.md).
    chunk_size : int, optional
        Draws per chunk of work, rounded up to whole blocks of 65,536.
        Changes memory and speed, never the numbers.
    progress : bool, optional
        Show a progress bar (tqdm). Default: when the run has several chunks
        and standard error is a terminal.
    kernel : {'auto', 'numpy', 'compiled'}, default 'auto'
        How each slice of draws is evaluated: numpy array operations, or the
        bid compiled to machine code by numba (:mod:`bpv.engine.compiled_kernel`; install
        ``bpv[compiled]``), about three times as fast on two cores from a
        million draws, after a compile of 1–3.5 s the first time a machine
        sees the bid (kept on disk after that: about 0.3 s to load in a new
        process; ``$BPV_CACHE_DIR`` says where). ``'auto'`` runs the
        compiled kernel from :data:`COMPILED_FROM_DRAWS` draws where numba
        imports, the numpy kernel otherwise (:func:`chosen_kernel`); the
        result's ``provenance["kernel"]`` says which ran. The draws are the
        same; the two kernels' results agree to within about 1e-15 of each
        metric's largest value (not to the bit: sums run in another order),
        and each kernel is reproducible to the bit on its own.

    Returns
    -------
    Appraisal

    Raises
    ------
    SpecError
        If an argument is invalid.
    EvaluationError
        If a formula gives values that are not finite, a parameter draws values
        past the largest float, or an amount of the ledger passes
        :data:`bpv.engine.ledger.MAX_AMOUNT` (docs/limits.md).

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
    kernel = chosen_kernel(kernel, n_draws)
    pool = as_executor(executor, function="appraise")
    check_draws(n_draws, function="appraise")
    check_kept([kept_bytes(bid, n_draws=n_draws, keep_draws=keep_draws, keep_flows=keep_flows,
                           keep_inputs=keep_inputs)], function="appraise",
               advice="keep a subsample of the draws (keep_draws=False, or an int) or use "
               "fewer draws")
    if method == "sobol" and n_draws & (n_draws - 1):
        warnings.warn(f"Sobol points are balanced only for a power of two draws; {n_draws:,} "
                      f"is not (try {1 << (n_draws - 1).bit_length():,})", BidWarning,
                      stacklevel=2)
    root = root_seed(rng)
    plan = make_plan(bid, root, n_draws=n_draws, method=method, keep_flows=keep_flows,
                     keep_draws=keep_draws, keep_inputs=keep_inputs, kernel=kernel)
    ranges = block_ranges(n_draws, chunk_size)
    show = show_progress(len(ranges), progress=progress)
    result, imbalance = assemble(plan, run(plan, ranges, pool, show=show))
    warn_imbalance(bid, imbalance, stacklevel=2)
    return result


def chosen_kernel(kernel: Kernel, n_draws: int) -> Literal["numpy", "compiled"]:
    """Return the kernel a run of ``n_draws`` draws uses when asked for ``kernel``.

    ``'auto'`` is the compiled kernel from :data:`COMPILED_FROM_DRAWS` draws
    where numba imports, the numpy kernel otherwise; it depends on nothing
    else (not on whether the bid's kernel is already compiled), so the same
    bid, seed and draws give the same numbers on every run of one
    installation. ``'numpy'`` and ``'compiled'`` are themselves.

    Examples
    --------
    >>> chosen_kernel("auto", 100_000), chosen_kernel("compiled", 10)
    ('numpy', 'compiled')
    """
    if kernel != "auto":
        return kernel
    if n_draws < COMPILED_FROM_DRAWS or not available():
        return "numpy"
    try:
        import numba  # noqa: F401 - installed but broken (say, built for another numpy)
    except Exception:  # any failure to import means: not usable here
        return "numpy"
    return "compiled"


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
    given = given_inputs(bid, inputs)
    n_rows = next(iter(given.values())).shape[0] if given else 1
    plan = make_plan(bid, np.random.SeedSequence(0), n_draws=n_rows, method="given",
                     keep_flows=keep_flows, keep_draws=True, keep_inputs=True, given=given)
    ranges = [(0, math.ceil(n_rows / BLOCK_SIZE))]
    result, imbalance = assemble(plan, run(plan, ranges, None, show=False))
    warn_imbalance(bid, imbalance, stacklevel=2)
    return result
