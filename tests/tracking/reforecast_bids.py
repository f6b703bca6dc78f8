"""Small bids for the re-forecast tests: one uncertain quantity seen through one metric node."""

from __future__ import annotations

from typing import Any

import bpv
from tests.builders import small_bid


def one_parameter_bid(distribution: dict[str, Any], *, formula: str = "theta",
                      horizon: int = 3, unit: str = "people",
                      parameters: dict[str, Any] | None = None) -> bpv.Bid:
    """A bid whose metric node ``level`` is ``formula`` of the parameter ``theta``.

    Its acute trust's cash-releasing saving is 100 × level a year and its cost
    is fixed (plus ``running`` when that parameter is given), so NPV is
    linear in ``level``.
    """
    running = "running" if parameters and "running" in parameters else "1000"
    return small_bid(
        [{"id": "spend", "kind": "input", "formula": running, "measure": "cost",
          "cost_type": "revenue", "organisation": "a"},
         {"id": "level", "kind": "outcome", "formula": f"{formula} + 0 * spend",
          "measure": "metric", "unit": unit},
         {"id": "saved", "kind": "impact", "formula": "100 * level",
          "measure": "cash_releasing", "organisation": "a"}],
        {"theta": distribution, **(parameters or {})}, horizon=horizon)


def appraised(bid: bpv.Bid, n_draws: int = 20_000, rng: int = 1, **options: Any
              ) -> bpv.Appraisal:
    """The bid appraised with every input and flow kept."""
    return bpv.appraise(bid, n_draws=n_draws, rng=rng, keep_inputs=True, keep_flows=True,
                        progress=False, **options)
