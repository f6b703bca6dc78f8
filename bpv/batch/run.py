"""Appraising many bids on one seed: :func:`appraise_many`.

How a batch runs:

1. **Inputs.** Each input is a :class:`~bpv.Bid`, a bid file or a folder
   (its ``*.yaml``, ``*.yml`` and ``*.json`` files, sorted by name). A file
   that is not a valid bid, or a second bid with an id already seen, is
   skipped and its problems listed (``Batch.problems``); with ``strict=True`` they are raised
   together before any appraisal runs.
2. **Seed.** ``rng`` becomes one root seed for the whole batch, and every bid
   is appraised on it exactly as :func:`bpv.appraise` would appraise it
   alone. Streams are keyed by parameter name and block
   (docs/design/seeding.md), so a bid's numbers depend on the seed and the
   bid only: adding, removing or reordering other bids changes none of them,
   and bids that share a parameter name see the same draws of it (common
   random numbers, which comparisons and portfolios rely on).
3. **Work.** With at least as many bids as workers, whole bids are the tasks
   (each one evaluated in one chunk where it runs), so a pool or a Dask
   cluster is kept busy by many bids at once; with fewer, bids run one after
   another, each split into chunks of blocks across the workers. Both give
   the same numbers. At most two tasks per worker are in flight.
4. **Memory.** Each bid comes back as plain data (a few kilobytes); its
   draws are kept only with ``keep_draws``.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bpv._utils.validation import check_choice, check_instance, check_int, parameter_message
from bpv.batch.result import Batch, BatchProblem
from bpv.engine.budget import check_draws, check_kept, kept_bytes
from bpv.engine.monte_carlo import (
    DEFAULT_DRAWS,
    KERNELS,
    METHODS,
    Kernel,
    Method,
    appraise,
    chosen_kernel,
)
from bpv.engine.results import Appraisal
from bpv.engine.schedule import as_executor, workers
from bpv.errors import BidValidationError, BPVError, Problem, SpecError
from bpv.io import load
from bpv.sampling.streams import Seed, root_seed
from bpv.spec.bid import Bid

__all__ = ["BID_SUFFIXES", "appraise_many", "bid_files"]

#: The files of a folder a batch reads as bids.
BID_SUFFIXES = (".yaml", ".yml", ".json")

Source = str | os.PathLike[str] | Bid


def appraise_many(
    bids_or_paths: Source | Iterable[Source],
    *,
    n_draws: int = DEFAULT_DRAWS,
    rng: Seed = None,
    method: Method = "mc",
    kernel: Kernel = "auto",
    executor: Executor | Any | None = None,
    keep_draws: bool | int = False,
    progress: bool | None = None,
    strict: bool = False,
) -> Batch:
    """Appraise many bids on one seed; skip and list the invalid ones.

    Parameters
    ----------
    bids_or_paths : Bid, path, or iterable of Bid and paths
        Bids, bid files, or folders of bid files (``*.yaml``, ``*.yml``,
        ``*.json``, sorted by name).
    n_draws : int, default 100000
        Draws per bid (:data:`~bpv.engine.monte_carlo.DEFAULT_DRAWS`, as for
        :func:`bpv.appraise`).
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        One seed for the whole batch, as in
        `SPEC 7 <https://scientific-python.org/specs/spec-0007/>`_. Each bid's numbers are those of
        ``bpv.appraise(bid, rng=...)`` on the batch's root seed, whatever the
        other bids (``batch.entropy`` replays it).
    method : {'mc', 'lhs', 'sobol'}, default 'mc'
    kernel : {'auto', 'numpy', 'compiled'}, default 'auto'
        As for :func:`bpv.appraise`; chosen once for the whole batch (the
        batch's ``kernel`` says which ran).
    executor : concurrent.futures.Executor or distributed.Client, optional
        Where the work runs. Default: a thread pool with one worker per core.
        A Dask client runs on its cluster, with the same numbers.
    keep_draws : bool or int, default False
        False keeps each bid's results as plain data only (means, sds and
        P(> 0) exact over all draws; quantiles from the engine's subsample),
        so memory does not grow with ``n_draws``. True, or an int, also keeps
        each bid's :class:`~bpv.Appraisal` in ``batch.appraisals``, with its
        draws as :func:`bpv.appraise` keeps them.
    progress : bool, optional
        Show a progress bar over bids (tqdm). Default: for several bids when
        standard error is a terminal.
    strict : bool, default False
        Raise on any invalid input instead of skipping it.

    Returns
    -------
    Batch

    Raises
    ------
    BidValidationError
        With ``strict=True``, if any input is not a valid bid (every problem
        listed, each with its file).
    SpecError
        If an argument is invalid.

    Examples
    --------
    >>> import bpv
    >>> batch = bpv.appraise_many("examples/bids", n_draws=2_000, rng=1)
    >>> batch.bids[:2]
    ('diabetes-prevention-south', 'frailty-virtual-ward')
    >>> alone = bpv.appraise(bpv.load("examples/bids/frailty_virtual_ward.yaml"),
    ...                      n_draws=2_000, rng=1)
    >>> batch.records["frailty-virtual-ward"]["metrics"]["npv"]["mean"] == (
    ...     alone.summary().rows["npv"]["mean"])
    True
    """
    function = "appraise_many"
    check_int(n_draws, name="n_draws", function=function, low=1)
    check_choice(method, METHODS, name="method", function=function)
    check_choice(kernel, KERNELS, name="kernel", function=function)
    kernel = chosen_kernel(kernel, n_draws)
    if not isinstance(keep_draws, bool) and (
            not isinstance(keep_draws, int | np.integer) or keep_draws < 1):
        raise SpecError(parameter_message("keep_draws", function,
                                          "True, False or an int in the range [1, inf)",
                                          keep_draws))
    check_instance(strict, bool, name="strict", function=function, expected="True or False")
    check_draws(n_draws, function=function)
    pool = as_executor(executor, function=function)
    bids, problems, sources = _gather(bids_or_paths)
    if strict and problems:
        raise BidValidationError([Problem(_where(p), p.message, p.line) for p in problems],
                                 source="the batch")
    if keep_draws is not False:
        check_kept([kept_bytes(bid, n_draws=n_draws, keep_draws=keep_draws) for bid in bids],
                   function=function, advice="keep summaries only (keep_draws=False) or use "
                   "fewer draws or bids")
    root = root_seed(rng)
    settings = {"n_draws": n_draws, "rng": root, "method": method, "kernel": kernel,
                "keep_draws": keep_draws}
    records: dict[str, dict[str, Any]] = {}
    appraisals: dict[str, Appraisal] = {}
    show = progress if progress is not None else len(bids) > 1 and sys.stderr.isatty()
    bar = _bar(len(bids), show=show)
    try:
        for bid, outcome in _outcomes(bids, settings, pool):
            bar.update(1)
            if isinstance(outcome, BPVError):
                if strict:
                    raise outcome
                problems.append(BatchProblem(source=sources[bid.id], line=None, location="",
                                             message=str(outcome)))
                continue
            record, appraisal = outcome
            records[bid.id] = record
            if appraisal is not None:
                appraisals[bid.id] = appraisal
    finally:
        bar.close()
    return Batch(records=records, appraisals=appraisals, problems=tuple(problems),
                 titles={bid.id: bid.title for bid in bids if bid.id in records},
                 sources={bid_id: sources[bid_id] for bid_id in records},
                 entropy=(root.entropy if isinstance(root.entropy, int)
                          else tuple(int(e) for e in root.entropy or ())),
                 spawn_key=tuple(root.spawn_key), n_draws=n_draws, method=method, kernel=kernel)


def bid_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Return the bid files of a folder (:data:`BID_SUFFIXES`), sorted by name.

    Examples
    --------
    >>> [path.name for path in bid_files("examples/bids")][:2]
    ['diabetes_prevention.yaml', 'frailty_virtual_ward.yaml']
    """
    return sorted(path for path in Path(folder).iterdir()
                  if path.suffix.lower() in BID_SUFFIXES and path.is_file())


def _gather(inputs: Source | Iterable[Source]
            ) -> tuple[list[Bid], list[BatchProblem], dict[str, str]]:
    """Load every input: the bids (first of each id), the problems, and each bid's source."""
    items: list[Source] = ([inputs] if isinstance(inputs, str | os.PathLike | Bid)
                           else list(inputs))
    bids: list[Bid] = []
    problems: list[BatchProblem] = []
    sources: dict[str, str] = {}
    for index, item in enumerate(items):
        for source, bid in _expand(item, index, problems):
            if bid.id in sources:
                problems.append(BatchProblem(
                    source=source, line=None, location="id",
                    message=f"bid id '{bid.id}' is already in the batch (from {sources[bid.id]});"
                    " give each bid its own id"))
                continue
            sources[bid.id] = source
            bids.append(bid)
    return bids, problems, sources


def _expand(item: object, index: int, problems: list[BatchProblem]
            ) -> Iterator[tuple[str, Bid]]:
    """Yield (source, bid) for one input, recording the problems of files that do not load."""
    if isinstance(item, Bid):
        yield f"bids[{index}]", item
        return
    if not isinstance(item, str | os.PathLike):
        problems.append(BatchProblem(source=f"bids[{index}]", line=None, location="",
                                     message=f"expected a bpv.Bid, a bid file or a folder, "
                                     f"got {type(item).__name__}"))
        return
    path = Path(item)
    for file in bid_files(path) if path.is_dir() else [path]:
        try:
            yield str(file), load(file)
        except BidValidationError as exc:
            problems.extend(BatchProblem(source=str(file), line=p.line, location=p.location,
                                         message=p.message) for p in exc.problems)
        except (BPVError, OSError, UnicodeDecodeError) as exc:
            problems.append(BatchProblem(source=str(file), line=None, location="",
                                         message=_reason(exc)))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _where(problem: BatchProblem) -> str:
    line = f":{problem.line}" if problem.line is not None else ""
    return f"{problem.source}{line}" + (f": {problem.location}" if problem.location else "")


Outcome = tuple[dict[str, Any], Appraisal | None] | BPVError


def _outcomes(bids: list[Bid], settings: dict[str, Any], pool: Executor | None
              ) -> Iterator[tuple[Bid, Outcome]]:
    """Yield each bid with its outcome, in order: whole bids as tasks, or bids split by blocks."""
    n_workers = workers(pool)
    if len(bids) < max(2, n_workers):
        for bid in bids:
            yield bid, _appraise_one(bid, settings, executor=pool, whole=False)
        return
    own = pool is None
    runner = ThreadPoolExecutor(max_workers=n_workers) if own else pool
    assert runner is not None  # noqa: S101 - for the type checker
    try:
        pending: deque[tuple[Bid, Future[Outcome]]] = deque()
        remaining = iter(bids)
        for bid in remaining:
            pending.append((bid, runner.submit(_appraise_one, bid, settings)))
            if len(pending) >= 2 * n_workers:
                break
        while pending:
            bid, future = pending.popleft()
            outcome = future.result()
            for following in remaining:
                pending.append((following, runner.submit(_appraise_one, following, settings)))
                break
            yield bid, outcome
    finally:
        if own:
            runner.shutdown(cancel_futures=True)


def _appraise_one(bid: Bid, settings: dict[str, Any], executor: Executor | None = None,
                  *, whole: bool = True) -> Outcome:
    """Appraise one bid; return its plain data (and its appraisal, if kept).

    A whole-bid task runs in one chunk, in the worker that runs it;
    otherwise the bid's blocks are spread over ``executor`` (the engine's own
    thread pool when None). A user's error (a formula giving non-finite
    values) comes back as the outcome rather than stopping the batch.
    """
    keep_draws = settings["keep_draws"]
    try:
        result = appraise(bid, n_draws=settings["n_draws"], rng=settings["rng"],
                          method=settings["method"], kernel=settings["kernel"],
                          keep_draws=keep_draws, executor=executor, progress=False,
                          chunk_size=settings["n_draws"] if whole else None)
    except BPVError as exc:
        return exc
    return result.to_dict(), (None if keep_draws is False else result)


class _NoBar:
    def update(self, n: int) -> None:
        del n

    def close(self) -> None:
        pass


def _bar(total: int, *, show: bool) -> Any:
    if not show:
        return _NoBar()
    from tqdm import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total, unit="bid", desc="appraise_many", leave=False)
