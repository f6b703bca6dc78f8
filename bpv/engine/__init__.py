"""The Monte Carlo engine: a bid, a seed and a number of draws in; an Appraisal out.

:mod:`bpv.engine.monte_carlo` (the front door: ``appraise`` and ``evaluate``),
:mod:`bpv.engine.plan` (what a worker needs: the sampling and evaluation plans),
:mod:`bpv.engine.schedule` (blocks, chunks, executors and the progress bar),
:mod:`bpv.engine.block_draws` (a block's draws, slice by slice),
:mod:`bpv.engine.evaluation` (a slice of draws evaluated and reduced),
:mod:`bpv.engine.assembly` (the chunks joined into an Appraisal),
:mod:`bpv.engine.inputs` (the names of a bid's inputs, and given values),
:mod:`bpv.engine.identity` (``bid_hash``),
:mod:`bpv.engine.keys` (the typed keys of every output),
:mod:`bpv.engine.ledger` (where node values land, and the metrics),
:mod:`bpv.engine.moments` (exact streaming moments),
:mod:`bpv.engine.compiled_kernel` (the bid compiled by numba) and
:mod:`bpv.engine.results` (the :class:`~bpv.Appraisal`).

Examples
--------
>>> import bpv
>>> from bpv.engine import evaluate
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> evaluate is bpv.engine.monte_carlo.evaluate
True
"""

from bpv.engine.identity import bid_hash
from bpv.engine.inputs import input_names
from bpv.engine.monte_carlo import appraise, evaluate

__all__ = ["appraise", "bid_hash", "evaluate", "input_names"]
