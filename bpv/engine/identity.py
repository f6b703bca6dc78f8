"""A bid's identity: the hash of what it means, however it was written."""

from __future__ import annotations

import hashlib
import json

from bpv.spec.bid import Bid

__all__ = ["bid_hash"]


def bid_hash(bid: Bid) -> str:
    """Return the SHA-256 of a bid's canonical JSON: every field, defaults included, keys sorted.

    Two bids that mean the same thing hash the same, however they were written.
    An empty ``tracking:`` section is left out, so a bid hashes as it did
    before bids had one.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> bid_hash(bid) == bid_hash(bpv.loads(bid.to_json(), format="json"))
    True
    """
    data = bid.model_dump(mode="json", by_alias=True)
    if not data.get("tracking"):
        data.pop("tracking", None)
    canonical = json.dumps(data, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
