"""The kinds of JSON document bpv writes, each with its schema version, and the one stamp.

Every JSON document bpv prints or returns as ``to_dict()`` starts with
``schema_version``: an integer per kind of document, starting at 1. A kind's
version goes up whenever the shape of its documents changes in any way — a
key added, removed or renamed, a type or a meaning changed — so the JSON
Schema of one version of a kind (:func:`bpv.output_schema`) never changes. A
kind that holds another's documents (a batch holds appraisals, the tracking
status holds the RAG status) goes up with it. docs/json-output.md states the
policy for users.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["OUTPUT_KINDS", "SCHEMA_VERSIONS", "stamped"]

#: The schema version of each kind of JSON document bpv writes, by kind.
SCHEMA_VERSIONS: Final[Mapping[str, int]] = {
    "appraisal": 1,      # bpv appraise --json; Appraisal.to_dict()
    "comparison": 1,     # bpv compare --json; Comparison.to_dict()
    "sensitivity": 1,    # bpv sensitivity --json; Sensitivity.to_dict()
    "scenarios": 1,      # bpv scenarios --json; ScenarioTable.to_dict()
    "batch": 1,          # bpv batch --json and -o FILE.json; Batch.to_dict()
    "portfolio": 1,      # bpv portfolio --json; Portfolio.to_dict()
    "validation": 1,     # bpv validate --json
    "tracking": 1,       # Tracking.to_dict()
    "reforecast": 1,     # Reforecast.to_dict()
    "track-bids": 1,     # bpv track bids --json
    "track-history": 1,  # bpv track history --json
    "track-status": 1,   # bpv track status --json
}

#: The kinds of JSON document, in the order the documentation lists them.
OUTPUT_KINDS: Final[tuple[str, ...]] = tuple(SCHEMA_VERSIONS)


def stamped(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` with its kind's ``schema_version`` as the first key.

    Parameters
    ----------
    kind : str
        One of :data:`OUTPUT_KINDS`.
    data : mapping
        The document's other keys, in order.

    Examples
    --------
    >>> stamped("appraisal", {"bid": "b"})
    {'schema_version': 1, 'bid': 'b'}
    """
    return {"schema_version": SCHEMA_VERSIONS[kind], **data}
