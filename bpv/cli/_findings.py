"""The lines of a bid file that sanity findings point at, for ``bpv validate``'s messages.

A finding names its place by id (``nodes['beds_saved'].formula``); an editor
wants a line. The file, already read and checked once by :func:`bpv.load`, is
read again with the same safe loader and limits, and each finding's place is
looked up among the lines of its keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from bpv._utils.files import read_regular_file
from bpv._utils.yaml_io import safe_load_with_lines
from bpv.errors import BPVError, Finding
from bpv.io import MAX_FILE_BYTES
from bpv.spec.bid import Bid

__all__ = ["finding_lines", "location_path"]

_PART = re.compile(r"\['([^']*)'\]|\[(\d+)\]|\.?([A-Za-z0-9_-]+)")


def location_path(location: str, bid: Bid) -> tuple[str | int, ...]:
    """Return the path in the document of a finding's place (the first, if it names several).

    Examples
    --------
    >>> import bpv
    >>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
    >>> location_path("nodes['patients'].formula", bid)
    ('nodes', 2, 'formula')
    >>> location_path("scenarios.late.changes[0].by", bid)
    ('scenarios', 'late', 'changes', 0, 'by')
    """
    first = location.split(", ")[0]
    path: list[str | int] = []
    for quoted, index, name in _PART.findall(first):
        if quoted:
            path.append(bid.node_ids.index(quoted) if quoted in bid.node_ids else quoted)
        elif index:
            path.append(int(index))
        else:
            path.append(name)
    return tuple(path)


def finding_lines(path: Path, bid: Bid, findings: Sequence[Finding]) -> list[int | None]:
    """Return the line of each finding's place in the file (None where it cannot be told)."""
    if not findings:
        return []
    try:
        text = read_regular_file(path, limit=MAX_FILE_BYTES, what="a bid file").decode("utf-8")
        _, lines, _ = safe_load_with_lines(text)
    except (BPVError, OSError, ValueError, yaml.YAMLError):  # the lines are a courtesy
        return [None] * len(findings)
    found: list[int | None] = []
    for finding in findings:
        where = location_path(finding.location, bid)
        line = None
        for end in range(len(where), 0, -1):
            line = lines.get(where[:end])
            if line is not None:
                break
        found.append(line)
    return found
