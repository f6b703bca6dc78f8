"""What the register gives back: frozen records of bids, appraisals, actuals, snapshots, events.

Every record is plain data read from one row (or a few), with its times in
UTC. None of them holds a connection: they outlive the register they came
from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from bpv.errors import SpecError

__all__ = ["StoredAppraisal", "BidVersion", "StoredActual", "ImportRecord", "Snapshot", "Event",
           "moment"]


@dataclass(frozen=True)
class StoredAppraisal:
    """The settings and summary of one appraisal of a bid version.

    The per-draw values are not stored: ``bpv.appraise(bid, n_draws=n_draws,
    rng=entropy, method=method, kernel=kernel)`` regenerates them bit for bit.

    Attributes
    ----------
    id : int
    bid_id : str
    version : int
    entropy : int or tuple of int
        The seed's entropy, to pass as ``rng``.
    n_draws : int
    method : {'mc', 'lhs', 'sobol'}
    kernel : {'numpy', 'compiled'}
    bpv_version : str
        The bpv that ran it.
    summary : dict
        ``Appraisal.to_dict()`` of the run.
    recorded_at : datetime
    """

    id: int
    bid_id: str
    version: int
    entropy: int | tuple[int, ...]
    n_draws: int
    method: str
    kernel: str
    bpv_version: str
    summary: dict[str, Any] = field(repr=False)
    recorded_at: datetime


@dataclass(frozen=True)
class BidVersion:
    """One version of a bid as the register keeps it: its text, hash, approval and appraisal.

    Attributes
    ----------
    bid_id : str
    version : int
        1 for the first text of a bid; each changed text adds one.
    bid_hash : str
        SHA-256 of the bid's canonical JSON (``bpv.engine.identity.bid_hash``).
    title : str
    format : {'yaml', 'json'}
        How ``text`` is written: ``bpv.loads(text, format=format)`` reads it back.
    text : str
        The bid file, exactly as approved.
    approved_by : str
    approved_at : datetime
    recorded_at : datetime
        When the register first stored this version.
    bpv_version : str
    appraisal : StoredAppraisal or None
        The latest appraisal of this version (as at the time asked about).
    """

    bid_id: str
    version: int
    bid_hash: str
    title: str
    format: str
    text: str = field(repr=False)
    approved_by: str
    approved_at: datetime
    recorded_at: datetime
    bpv_version: str
    appraisal: StoredAppraisal | None = field(default=None, repr=False)


@dataclass(frozen=True)
class StoredActual:
    """One recorded actual: the row as read, and where it came from.

    Attributes
    ----------
    id : int
    bid_id, node, period : str
    value : float
    organisation, source, recorded_by, recorded_at, note : str or None
        As the actuals file gave them.
    import_id : int or None
        The import that recorded it; None for a correction.
    supersedes : int or None
        For a correction, the id of the actual it replaces.
    reason : str or None
        For a correction, why.
    stored_by : str
        Who imported it, or who corrected it.
    stored_at : datetime
        When the register stored it (what ``as_at`` compares with).
    """

    id: int
    bid_id: str
    node: str
    period: str
    value: float
    organisation: str | None
    source: str | None
    recorded_by: str | None
    recorded_at: str | None
    note: str | None
    import_id: int | None
    supersedes: int | None
    reason: str | None
    stored_by: str
    stored_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Return the row as the actuals reader gives it (bid, node, period, value, …).

        Examples
        --------
        >>> row = StoredActual(1, "b", "admissions", "2026/27", 12.0, None, None, None, None,
        ...                    None, 1, None, None, "ana", datetime(2026, 9, 30, tzinfo=UTC))
        >>> row.to_dict()["node"], row.to_dict()["value"]
        ('admissions', 12.0)
        """
        return {"bid": self.bid_id, "node": self.node, "period": self.period,
                "value": self.value, "organisation": self.organisation, "source": self.source,
                "recorded_by": self.recorded_by, "recorded_at": self.recorded_at,
                "note": self.note}


@dataclass(frozen=True)
class ImportRecord:
    """One import of actuals: who, when, which file, how many rows, the rows' checksum."""

    id: int
    bid_id: str
    file_name: str | None
    recorded_by: str
    recorded_at: datetime
    n_rows: int
    checksum: str | None


@dataclass(frozen=True)
class Snapshot:
    """A status or re-forecast saved for a reporting date: its JSON payload and when it was made.

    Attributes
    ----------
    id : int
    bid_id : str
    bid_version : int
    kind : {'status', 'reforecast'}
    reporting_date : date
    payload_json : str
        The payload as stored; :attr:`payload` parses it.
    created_at : datetime
    bpv_version : str
    """

    id: int
    bid_id: str
    bid_version: int
    kind: str
    reporting_date: date
    payload_json: str = field(repr=False)
    created_at: datetime
    bpv_version: str

    @property
    def payload(self) -> Any:
        """The payload, parsed from its JSON."""
        return json.loads(self.payload_json)


@dataclass(frozen=True)
class Event:
    """One event in a bid's history.

    Attributes
    ----------
    at : datetime
        When the register stored it.
    kind : {'bid', 'appraisal', 'import', 'correction', 'snapshot'}
    summary : str
        One line saying what happened.
    details : dict
        The event's fields as plain data.
    """

    at: datetime
    kind: str
    summary: str
    details: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the event as JSON-ready data."""
        return {"at": self.at.isoformat(), "kind": self.kind, "summary": self.summary,
                "details": self.details}


def moment(value: date | datetime | str, *, name: str = "as_at") -> datetime:
    """Return the moment a date or time means, in UTC; a date means the end of that day.

    "As at 2026-09-30" includes everything recorded on the 30th. A time
    without a zone is taken as UTC.

    Examples
    --------
    >>> moment("2026-09-30")
    datetime.datetime(2026, 9, 30, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc)
    >>> moment("2026-09-30T12:00:00+01:00")
    datetime.datetime(2026, 9, 30, 11, 0, tzinfo=datetime.timezone.utc)
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (date.fromisoformat(text) if len(text) == 10
                     else datetime.fromisoformat(text))
        except ValueError:
            msg = (f"The '{name}' parameter must be a date or time such as 2026-09-30 or "
                   f"2026-09-30T12:00:00Z. Got {value!r} instead.")
            raise SpecError(msg) from None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC)
    if not isinstance(value, date):  # callers without type checking
        msg = (f"The '{name}' parameter must be a date, a datetime or ISO text. "  # type: ignore[unreachable]
               f"Got {type(value).__name__} instead.")
        raise SpecError(msg)
    return datetime.combine(value, time.max, tzinfo=UTC)
