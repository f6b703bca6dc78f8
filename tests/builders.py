"""Small bids built in code, for tests that need a bid of a particular shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import bpv

#: Settings for tests that want plain discounting at one rate.
CONSTANT_RATE = {"discounting": "constant", "discount_rate": 0.035}


def small_bid(nodes: Sequence[Mapping[str, Any]], parameters: Mapping[str, Any] | None = None,
              *, horizon: int = 6, organisations: Sequence[str] = ("a",),
              settings: Mapping[str, Any] | None = None, **sections: Any) -> bpv.Bid:
    """Return a validated bid with these nodes and parameters, each organisation named by its id.

    ``sections`` are further top-level sections of the bid, such as ``scenarios``.
    """
    return bpv.Bid.model_validate({
        "id": "t", "title": "t", "start_year": 2025, "horizon": horizon,
        "organisations": [{"id": org, "name": org} for org in organisations],
        "parameters": dict(parameters or {}),
        "settings": dict(settings or {}),
        "nodes": list(nodes),
        **sections,
    })
