"""Scheduling a run: blocks, chunks of blocks, executors and the progress bar.

Draws are split into fixed blocks of :data:`~bpv.sampling.streams.BLOCK_SIZE`;
chunks of whole blocks are the unit of work, and each block is evaluated one
slice of :data:`EVALUATION_SLICE` draws at a time, so results are
bit-identical whatever the chunk size or executor. Chunks come back in block
order whatever order the workers finish in.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bpv._utils.validation import parameter_message
from bpv.engine.block_draws import BlockDraws
from bpv.engine.evaluation import evaluate_slice, slice_moments
from bpv.engine.inputs import gate_name
from bpv.engine.keys import OutputKey
from bpv.engine.moments import Moments
from bpv.engine.plan import Plan
from bpv.errors import SpecError
from bpv.sampling.streams import BLOCK_SIZE

__all__ = ["BLOCKS_PER_CHUNK", "EVALUATION_SLICE", "Chunk", "ClusterExecutor", "as_executor",
           "block_ranges", "evaluate_blocks", "run", "show_progress", "workers"]

#: Draws evaluated at once within a block: bounds working memory.
EVALUATION_SLICE = 8_192
#: Default number of blocks per chunk of work.
BLOCKS_PER_CHUNK = 1


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """What one chunk of blocks reduces to: kept draws (draws on the last axis), in parts."""

    vectors: dict[OutputKey, list[NDArray[np.float64]]]
    cash: list[NDArray[np.float64]]
    moments: list[tuple[list[OutputKey], Moments]]
    imbalance: float


def block_ranges(n_draws: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """Return the chunks of a run: ranges of blocks, ``chunk_size`` draws in whole blocks.

    Examples
    --------
    >>> block_ranges(3 * BLOCK_SIZE, None)
    [(0, 1), (1, 2), (2, 3)]
    >>> block_ranges(3 * BLOCK_SIZE + 1, 2 * BLOCK_SIZE)
    [(0, 2), (2, 4)]
    """
    n_blocks = math.ceil(n_draws / BLOCK_SIZE)
    per_chunk = BLOCKS_PER_CHUNK if chunk_size is None else math.ceil(chunk_size / BLOCK_SIZE)
    return [(start, min(start + per_chunk, n_blocks)) for start in range(0, n_blocks, per_chunk)]


class ClusterExecutor(Executor):
    """A Dask ``distributed.Client`` as a :class:`concurrent.futures.Executor`.

    Tasks go to the client's cluster as impure tasks (``pure=False``: each
    submission runs, none is taken for a repeat of another), and
    ``_max_workers`` is the cluster's number of worker threads when it was
    wrapped, so a run keeps two tasks in flight per thread. Shutting it down
    leaves the client and its cluster running: they are the caller's.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self._executor = client.get_executor(pure=False)
        self._max_workers = max(1, sum(client.nthreads().values()))

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` on the cluster; return a concurrent.futures Future."""
        return self._executor.submit(fn, *args, **kwargs)  # type: ignore[no-any-return]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop submitting (cancelling what runs, if asked); the client stays open."""
        self._executor.shutdown(wait=wait and not cancel_futures)


def as_executor(executor: Any, *, function: str) -> Executor | None:
    """Return ``executor`` as a :class:`concurrent.futures.Executor` (None stays None).

    A Dask ``distributed.Client`` (anything with ``get_executor`` and
    ``nthreads``) is wrapped in a :class:`ClusterExecutor`; distributed is
    never imported here.

    Raises
    ------
    SpecError
        If ``executor`` is neither an executor, a Dask client nor None.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     as_executor(pool, function="appraise") is pool
    True
    """
    if executor is None or isinstance(executor, Executor):
        return executor
    if callable(getattr(executor, "get_executor", None)) and callable(
            getattr(executor, "nthreads", None)):
        return ClusterExecutor(executor)
    msg = parameter_message("executor", function, "a concurrent.futures.Executor, a Dask "
                            "distributed.Client or None", executor)
    raise SpecError(msg)


def workers(executor: Executor | None) -> int:
    """Return how many tasks ``executor`` runs at once (one per core when it does not say)."""
    return int(getattr(executor, "_max_workers", None) or os.cpu_count() or 1)


def show_progress(n_chunks: int, *, progress: bool | None) -> bool:
    """Return whether to show a progress bar: as asked, else for several chunks on a terminal."""
    if progress is not None:
        return progress
    return n_chunks > 4 and _stderr_is_terminal()


def _stderr_is_terminal() -> bool:
    import sys

    return sys.stderr.isatty()


def run(plan: Plan, ranges: Sequence[tuple[int, int]], executor: Executor | None, *,
        show: bool) -> Iterator[Chunk]:
    """Evaluate the chunks ``ranges`` of blocks on ``executor``; yield them in block order.

    Without an executor, one chunk runs here and several on a thread pool
    with one worker per core, shut down at the end. A window of chunks in
    flight keeps memory bounded.
    """
    bar = _progress_bar(plan.n_draws, show=show)
    try:
        if len(ranges) == 1 and executor is None:
            chunk = evaluate_blocks(plan, *ranges[0])
            bar.update(plan.n_draws)
            yield chunk
            return
        own = executor is None
        pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1) if own else executor
        assert pool is not None  # noqa: S101 - for the type checker
        # A window of chunks in flight keeps memory bounded; results come back in
        # block order whatever order the workers finish in.
        window = 2 * workers(pool)
        try:
            pending: deque[tuple[tuple[int, int], Future[Chunk]]] = deque()
            remaining = iter(ranges)
            for first, last in itertools.islice(remaining, window):
                pending.append(((first, last), pool.submit(evaluate_blocks, plan, first, last)))
            while pending:
                (first, last), future = pending.popleft()
                chunk = future.result()
                for following in itertools.islice(remaining, 1):
                    pending.append((following, pool.submit(evaluate_blocks, plan, *following)))
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


def _progress_bar(total: int, *, show: bool) -> Any:
    if not show:
        return _NoBar()
    from tqdm import tqdm  # type: ignore[import-untyped]

    # The command line escapes control characters in what it prints (bpv.cli._terminal);
    # the bar's own carriage returns go to the terminal itself.
    stream = getattr(sys.stderr, "unescaped", sys.stderr)
    return tqdm(total=total, unit="draws", unit_scale=True, desc="appraise", leave=False,
                file=stream)


def evaluate_blocks(plan: Plan, first: int, last: int) -> Chunk:
    """Sample, evaluate and reduce blocks ``first`` to ``last`` (exclusive)."""
    evaluation = plan.evaluation
    kept: dict[OutputKey, list[NDArray[np.float64]]] = {}
    cash: list[NDArray[np.float64]] = []
    moments: list[tuple[list[OutputKey], Moments]] = []
    imbalance = 0.0
    for block in range(first, last):
        size = min(BLOCK_SIZE, plan.n_draws - block * BLOCK_SIZE)
        draws = BlockDraws(plan.sampling, block, size)
        block_moments: Moments | None = None
        keys: list[OutputKey] = []
        for start in range(0, size, EVALUATION_SLICE):
            stop = min(size, start + EVALUATION_SLICE)
            first_draw = block * BLOCK_SIZE + start
            parameters, gates = draws.slice(start, stop)
            result = evaluate_slice(evaluation, parameters, gates, first_draw=first_draw,
                                    n=stop - start)
            imbalance = max(imbalance, result.ledger.imbalance)
            if evaluation.thinning > 1:
                # Moments only when draws are thinned: otherwise every draw is
                # kept and the summary is computed from them, as with keep_draws.
                # Slices sit at fixed places in fixed blocks, so merging them in
                # order gives the same moments whatever the chunking.
                keys, slice_block = slice_moments(evaluation, result)
                block_moments = (slice_block if block_moments is None
                                 else block_moments.merge(slice_block))
            out = result.outputs
            if evaluation.keep_inputs:
                out = out | _inputs(plan, parameters, gates)
            _keep(kept, out, _systematic(first_draw, stop - start, evaluation.thinning))
            cash.append(result.cash)
        if block_moments is not None:
            moments.append((keys, block_moments))
    return Chunk(vectors=kept, cash=cash, moments=moments, imbalance=imbalance)


def _inputs(plan: Plan, parameters: dict[str, NDArray[np.float64]],
            gates: dict[str, NDArray[np.float64]]) -> dict[OutputKey, NDArray[np.float64]]:
    """Return a slice's uncertain inputs as outputs: parameters, then success gates."""
    out = {OutputKey("input", name): parameters[name] for name in plan.sampling.uncertain}
    out |= {OutputKey("input", gate_name(gate)): gates[gate][0] for gate in plan.sampling.gates}
    return out


def _keep(kept: dict[OutputKey, list[NDArray[np.float64]]],
          out: dict[OutputKey, NDArray[np.float64]], chosen: NDArray[np.intp] | None) -> None:
    """Add a slice's outputs to those kept: every draw, or the draws ``chosen``.

    Node values live in reused buffers: what is kept is copied (by the
    subsample's indexing, or explicitly).
    """
    for key, array in out.items():
        kept.setdefault(key, []).append(array.copy() if chosen is None else array[..., chosen])


def _systematic(first_draw: int, n: int, thinning: int) -> NDArray[np.intp] | None:
    """Positions in a slice of the draws whose global index is a multiple of ``thinning``."""
    if thinning == 1:
        return None
    return np.arange((-first_draw) % thinning, n, thinning)
