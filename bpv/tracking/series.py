"""What is tracked, and each tracked series' per-draw trajectory by period.

A *series* is one quantity whose actuals can be recorded against the plan:

- a node of the logic model, by id (every ``metric`` node is tracked by
  default; any other node may be named in the bid's ``tracking:`` section);
- an organisation's **costs** (the sum of its ``cost`` nodes) or
  cash-releasing **savings** (the sum of its ``cash_releasing`` nodes), or the
  system's (``organisation=None``).

Values are undiscounted, in the bid's units per financial year, as the engine
evaluates them (after the settings' adjustments), so a series' trajectory is
read off ``Appraisal.flows``: an array of shape ``(n_draws, n_periods)``.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> [key.label for key in default_series(bid)][:3]
['admissions_avoided', 'savings (acute)', 'costs (community)']
>>> result = bpv.appraise(bid, n_draws=1_000, rng=1, keep_flows=True, progress=False)
>>> values = trajectories(bid, result.flows, [SeriesKey("costs", "community")])
>>> values[SeriesKey("costs", "community")].shape
(1000, 5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bpv.errors import UnknownNameError, did_you_mean
from bpv.spec.bid import Bid

__all__ = ["LEDGER_SERIES", "SeriesKey", "default_series", "series_nodes", "trajectories"]

#: Series that sum the ledger: the name an actual gives, and the node measure it sums.
LEDGER_SERIES: Mapping[str, str] = {"costs": "cost", "savings": "cash_releasing"}


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One tracked quantity: a node id, or ``costs``/``savings`` of an organisation.

    Parameters
    ----------
    node : str
        A node id, or ``"costs"`` / ``"savings"`` (a node of the bid with that
        id takes precedence).
    organisation : str or None
        For ``costs``/``savings``: the organisation, or None for the whole
        system. For a node: None.
    """

    node: str
    organisation: str | None = None

    @property
    def label(self) -> str:
        """How tables and messages name it: ``'admissions_avoided'``, ``'costs (acute)'``."""
        if self.organisation is None:
            return self.node
        return f"{self.node} ({self.organisation})"


def _is_ledger(bid: Bid, key: SeriesKey) -> bool:
    return key.node in LEDGER_SERIES and key.node not in bid.node_ids


def series_nodes(bid: Bid, key: SeriesKey) -> tuple[str, ...]:
    """Return the ids of the nodes whose values add up to a series.

    Raises
    ------
    UnknownNameError
        If the series names no node, or an organisation the bid does not have.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> series_nodes(bid, SeriesKey("savings", "acute"))
    ('acute_cost_saved',)
    """
    if _is_ledger(bid, key):
        organisations = [organisation.id for organisation in bid.organisations]
        if key.organisation is not None and key.organisation not in organisations:
            msg = (f"no organisation '{key.organisation}'"
                   f"{did_you_mean(key.organisation, organisations)}")
            raise UnknownNameError(msg)
        measure = LEDGER_SERIES[key.node]
        return tuple(node.id for node in bid.nodes if node.measure == measure
                     and key.organisation in (None, node.organisation))
    if key.node not in bid.node_ids:
        names = [*bid.node_ids, *LEDGER_SERIES]
        msg = f"no node '{key.node}'{did_you_mean(key.node, names)}"
        raise UnknownNameError(msg)
    if key.organisation is not None:
        msg = (f"node '{key.node}' is not kept by organisation: give no organisation for it "
               f"(only {' and '.join(repr(name) for name in LEDGER_SERIES)} take one)")
        raise UnknownNameError(msg)
    return (key.node,)


def default_series(bid: Bid) -> tuple[SeriesKey, ...]:
    """Return the series tracked by default: every metric node, then each organisation's money.

    The money series of an organisation are listed only when it has nodes of
    that measure.
    """
    keys = [SeriesKey(node.id) for node in bid.nodes if node.measure == "metric"]
    for organisation in bid.organisations:
        for name in LEDGER_SERIES:
            key = SeriesKey(name, organisation.id)
            if name in bid.node_ids or series_nodes(bid, key):
                keys.append(key)
    return tuple(dict.fromkeys(keys))


def trajectories(bid: Bid, flows: Mapping[str, NDArray[np.float64]],
                 keys: Iterable[SeriesKey]) -> dict[SeriesKey, NDArray[np.float64]]:
    """Return each series' values by period, draw by draw.

    Parameters
    ----------
    bid : Bid
    flows : mapping of str to ndarray of shape (n_draws, n_periods)
        Every node's values (``Appraisal.flows``, from ``keep_flows=True``).
    keys : iterable of SeriesKey

    Returns
    -------
    dict of SeriesKey to ndarray of shape (n_draws, n_periods)
        A series of no nodes (an organisation with no savings) is all zeros.
    """
    if not flows:
        msg = "trajectories need every node's values: appraise with keep_flows=True"
        raise ValueError(msg)
    shape = next(iter(flows.values())).shape
    values: dict[SeriesKey, NDArray[np.float64]] = {}
    for key in keys:
        total = np.zeros(shape)
        for node_id in series_nodes(bid, key):
            total += flows[node_id]
        values[key] = total
    return values
