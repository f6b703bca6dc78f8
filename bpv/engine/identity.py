"""A bid's identity: the hash of what it means, however it was written."""

from __future__ import annotations

import hashlib
import json

from bpv.spec.bid import Bid

__all__ = ["bid_hash"]

#: Keys added to the bid format after its first release, with their defaults.
_LATER_DEFAULTS: dict[str, object] = {"tracking": {}, "resources": {}, "format": 1}


def bid_hash(bid: Bid) -> str:
    """Return the SHA-256 of a bid's canonical JSON: every field, defaults included, keys sorted.

    Two bids that mean the same thing hash the same, however they were written.
    Keys the format gained later are left out while they hold their default
    (an empty ``tracking:`` or ``resources:`` section, ``format: 1``), so a
    bid hashes as it did before bids could have them.

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> bid_hash(bid) == bid_hash(bpv.loads(bid.to_json(), format="json"))
    True
    """
    data = bid.model_dump(mode="json", by_alias=True)
    for key, default in _LATER_DEFAULTS.items():
        if key in data and data[key] == default:
            del data[key]
    canonical = json.dumps(data, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
