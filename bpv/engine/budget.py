"""What a run will need, worked out before it starts: refused past the limits, with the reason.

A bid from anyone may ask for any number of draws. Sampling streams in fixed
blocks, so the work grows with the draws but the memory only with what is
kept: every draw's results when ``keep_draws=True`` (the default of
:func:`bpv.appraise`, and what :func:`bpv.compare` and :func:`bpv.scenarios`
keep, to pair the draws), else a bounded subsample. Both are checked up front:

- at most :data:`MAX_DRAWS` draws a run (10⁹: about 8 minutes on one core of
  the compiled kernel, most of an hour with numpy); beyond, split the run or
  keep fewer draws for the summaries' precision you need;
- at most :data:`MAX_KEPT_BYTES` of kept results (8 GiB) for one call,
  summed over every bid or scenario it appraises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from bpv.engine.inputs import input_names
from bpv.engine.ledger import CASH_PARTS, SCOPE_BASE, LedgerPlan
from bpv.engine.plan import CASH_FLOW_CAP, SUBSAMPLE_CAP
from bpv.errors import LimitError
from bpv.spec.bid import Bid

__all__ = ["MAX_DRAWS", "MAX_KEPT_BYTES", "check_draws", "check_kept", "kept_bytes"]

#: Most draws one appraisal may take.
MAX_DRAWS: Final = 1_000_000_000
#: Most bytes of kept per-draw results one call may hold (8 GiB).
MAX_KEPT_BYTES: Final = 8 * 2**30
#: Values a scope keeps per kept draw besides its base quantities (QALYs and room
#: for what the system view adds), found by measuring the example bids.
_SCOPE_EXTRA = 2


def kept_bytes(bid: Bid, *, n_draws: int, keep_draws: bool | int = True,
               keep_flows: bool = False, keep_inputs: bool = False) -> int:
    """Return about how many bytes of per-draw results an appraisal of ``bid`` keeps.

    Counts float64 values: per kept draw, each scope's (the system and each
    organisation) base quantities, each metric node's value by period, the
    inputs and every node's flows when asked for, and each scope's net cash
    flow and its parts by period for a bounded subsample of draws. An upper estimate: on
    the example bids, 1.04 to 1.6 times what an appraisal holds (tested).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> round(kept_bytes(bid, n_draws=1_000_000) / 1e6)   # MB: every draw kept
    298
    >>> round(kept_bytes(bid, n_draws=1_000_000, keep_draws=False) / 1e6)   # a subsample only
    60
    """
    if keep_draws is True:
        kept = n_draws
    else:
        cap = SUBSAMPLE_CAP if keep_draws is False else int(keep_draws)
        kept = math.ceil(n_draws / max(1, math.ceil(n_draws / cap)))
    ledger = LedgerPlan.from_bid(bid)
    n_scopes = 1 + len(ledger.organisations)
    per_draw = n_scopes * (len(SCOPE_BASE) + _SCOPE_EXTRA)
    per_draw += len(ledger.metric_nodes) * (bid.horizon + 1)
    if keep_inputs:
        per_draw += len(input_names(bid))
    if keep_flows:
        per_draw += sum(not node.is_qualitative for node in bid.nodes) * bid.horizon
    # The net cash flow and its parts (the cash view), by period.
    cash_draws = math.ceil(n_draws / max(1, math.ceil(n_draws / CASH_FLOW_CAP)))
    cash_flows = cash_draws * n_scopes * bid.horizon * (1 + len(CASH_PARTS))
    return 8 * (kept * per_draw + cash_flows)


def check_draws(n_draws: int, *, function: str) -> None:
    """Refuse more than :data:`MAX_DRAWS` draws, before any work.

    Examples
    --------
    >>> check_draws(10**12, function="appraise")
    Traceback (most recent call last):
    ...
    bpv.errors.LimitError: appraise was asked for 1,000,000,000,000 draws; the limit is 1,000,000,000 a run (docs/limits.md): the summaries' Monte Carlo error is already tiny at 10**7, and 10**9 draws take minutes to hours
    """  # noqa: E501 (doctest output is one line)
    if n_draws > MAX_DRAWS:
        msg = (f"{function} was asked for {n_draws:,} draws; the limit is {MAX_DRAWS:,} a run "
               f"(docs/limits.md): the summaries' Monte Carlo error is already tiny at 10**7, "
               f"and 10**9 draws take minutes to hours")
        raise LimitError(msg)


def check_kept(sizes: Iterable[int], *, function: str, advice: str) -> None:
    """Refuse a call whose kept results (bytes, summed) would pass :data:`MAX_KEPT_BYTES`.

    Examples
    --------
    >>> check_kept([6 * 2**30, 4 * 2**30], function="compare", advice="use fewer draws")
    Traceback (most recent call last):
    ...
    bpv.errors.LimitError: compare would keep about 10.0 GiB of per-draw results; the limit is 8 GiB (docs/limits.md); use fewer draws
    """  # noqa: E501 (doctest output is one line)
    total = sum(sizes)
    if total > MAX_KEPT_BYTES:
        msg = (f"{function} would keep about {total / 2**30:.1f} GiB of per-draw results; the "
               f"limit is {MAX_KEPT_BYTES / 2**30:g} GiB (docs/limits.md); {advice}")
        raise LimitError(msg)
