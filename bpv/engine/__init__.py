"""The Monte Carlo engine: a bid, a seed and a number of draws in; an Appraisal out.

:mod:`bpv.engine.monte_carlo` (``appraise`` and ``evaluate``),
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

from bpv.engine.monte_carlo import appraise, bid_hash, evaluate, input_names

__all__ = ["appraise", "bid_hash", "evaluate", "input_names"]
