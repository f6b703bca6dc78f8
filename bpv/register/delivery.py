"""Delivery from the register: a bid's tracking re-made from what is stored, and its snapshots.

The register stores a bid's text, the settings of its appraisal and its
actuals; :func:`track_stored` re-makes the appraisal bit for bit, reads the
actuals current at a date and tracks them (:func:`bpv.track`).
:func:`take_snapshots` does that for a reporting date, re-forecasts, and
stores both as snapshots, so that :func:`latest_status` can report every
bid's delivery from the snapshots alone, in memory that does not grow with
the register.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np

from bpv.engine.results import Appraisal
from bpv.io import loads
from bpv.register.records import BidVersion, Snapshot, StoredActual
from bpv.tracking.actuals import as_at_date
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.result import Tracking, track
from bpv.tracking.status import RagRule

__all__ = ["latest_status", "status_payload", "take_snapshots", "track_stored"]

When = date | datetime | str | None


class Register(Protocol):
    """What delivery needs of a register (:class:`bpv.register.store.Register` has it)."""

    def bid(self, bid_id: str, version: int | None = None, as_at: When = None) -> BidVersion:
        """Return a version of a bid."""

    def appraisal(self, bid_id: str, version: int | None = None,
                  as_at: When = None) -> Appraisal:
        """Re-make a stored appraisal."""

    def actuals(self, bid_id: str, as_at: When = None) -> list[StoredActual]:
        """Return a bid's current actuals."""

    def save_snapshot(self, bid_id: str, kind: str, payload: Any, *,
                      reporting_date: date | str, version: int | None = None) -> int:
        """Store a snapshot."""

    def snapshots(self, bid_id: str | None = None, kind: str | None = None,
                  as_at: When = None, *, latest: bool = True) -> Iterator[Snapshot]:
        """Yield snapshots."""


def track_stored(register: Register, bid_id: str, *, as_at: When = None,
                 known_at: When | bool = True, rule: RagRule | None = None) -> Tracking:
    """Return a stored bid's tracking as at a date: its appraisal re-made, its actuals then.

    Parameters
    ----------
    register : Register
    bid_id : str
    as_at : date, datetime or ISO text, optional
        The reporting date (default today): actuals of periods that end after
        it are refused, and the status is as at it.
    known_at : date, datetime, ISO text, None or bool, default True
        What the register knew: the bid version, appraisal and actuals it
        held at the end of that day; a bool means as at the reporting date
        (the register as it stood then), None means now (everything
        recorded so far, as when snapshots are taken for a past date).
    rule : RagRule, optional

    Returns
    -------
    Tracking
        Its appraisal keeps flows and inputs, so ``.reforecast()`` works.
    """
    day = as_at_date(as_at if not isinstance(as_at, datetime) else as_at.date(),
                     function="Register.track")
    known: When = day if isinstance(known_at, bool) else known_at
    stored = register.bid(bid_id, as_at=known)
    bid = loads(stored.text, format=stored.format)  # type: ignore[arg-type]
    appraisal = register.appraisal(bid_id, stored.version, as_at=known)
    rows = [actual.to_dict() for actual in register.actuals(bid_id, as_at=known)]
    return track(appraisal, rows, bid=bid, rule=rule, as_at=day)


def status_payload(tracking: Tracking, reforecast: Reforecast | None) -> dict[str, Any]:
    """Return what a status snapshot holds: RAG counts, status, the re-forecast's headline."""
    status = tracking.status()
    payload: dict[str, Any] = {
        "bid": tracking.bid.id, "as_at": tracking.as_at.isoformat(), "rule": tracking.rule.text,
        "counts": status.counts(), "summary": tracking.summary().to_dict(),
        "status": status.to_dict(), "text": str(status)}
    if reforecast is not None:
        system = reforecast.metrics.get("system", {})
        payload["reforecast"] = {
            "method": reforecast.method, "ess": reforecast.ess,
            "metrics": {name: {"prior": system[name]["prior"]["mean"],
                               "posterior": system[name]["posterior"]["mean"]}
                        for name in ("npv", "roi", "qalys", "nmb") if name in system},
            "probabilities": {name: dict(value) for name, value
                              in reforecast.probabilities.items()
                              if name in ("P(npv > 0)", "P(nmb > 0)")},
            "failing": [row.name for row in reforecast.hypotheses if row.failing],
            "text": str(reforecast)}
    return payload


def take_snapshots(register: Register, bid_id: str, *, as_at: When = None,
                   reforecast: bool = True, rng: Any = None) -> tuple[Tracking,
                                                                   Reforecast | None]:
    """Track a stored bid as at a date, re-forecast it, and store both as snapshots.

    Everything the register holds now is used, with the status as at the
    reporting date ``as_at`` (default today).

    The re-forecast's seed is the appraisal's own unless ``rng`` is given, so
    taking the same snapshot twice gives the same numbers.
    """
    tracking = track_stored(register, bid_id, as_at=as_at, known_at=None)
    update = None
    if reforecast and tracking.actuals.observations:
        entropy = tracking.appraisal.entropy
        seed = (np.random.SeedSequence(list(entropy) if isinstance(entropy, tuple) else entropy)
                if rng is None else rng)
        update = tracking.reforecast(rng=seed)
    day = tracking.as_at
    register.save_snapshot(bid_id, "status", status_payload(tracking, update),
                           reporting_date=day)
    if update is not None:
        register.save_snapshot(bid_id, "reforecast", update, reporting_date=day)
    return tracking, update


def latest_status(register: Register, bid_id: str | None = None, *,
                  as_at: When = None) -> Iterator[dict[str, Any]]:
    """Yield the latest status snapshot of each bid (or of one), as the register held it then."""
    for snapshot in register.snapshots(bid_id, "status", as_at, latest=True):
        payload = snapshot.payload
        yield {**payload, "reporting_date": str(snapshot.reporting_date),
               "bid_version": snapshot.bid_version}
