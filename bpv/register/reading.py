"""Reading the register as it stood at a moment: the queries and the records they give.

Every query takes ``at``, a moment in UTC or None for now, and sees only the
rows stored by then, so the past reads back exactly as it was. Rows are
never changed after they are written, so "as at" needs no versions of rows:
a row stored after ``at`` is left out, and a correction stored after ``at``
does not yet hide the row it corrects.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bpv._utils.formatting import format_money
from bpv.errors import UnknownNameError, did_you_mean
from bpv.register.records import (
    BidVersion,
    Event,
    ImportRecord,
    Snapshot,
    StoredActual,
    StoredAppraisal,
)
from bpv.register.schema import SCHEMA_VERSION, tables

__all__ = ["TABLES", "known", "require_bid", "latest_bids", "appraisal_rows", "bid_version",
           "current_actuals", "every_current_actual", "snapshot_rows", "history_events",
           "actual_record", "import_record"]

#: The tables of the current schema, for the queries.
TABLES = tables(SCHEMA_VERSION).tables
_BIDS, _APPRAISALS, _ACTUALS = TABLES["bids"], TABLES["appraisals"], TABLES["actuals"]
_IMPORTS, _SNAPSHOTS = TABLES["imports"], TABLES["snapshots"]
#: Rows fetched at a time by the streaming reads.
BATCH = 100


def _by(column: sa.ColumnElement[Any],
        at: datetime | sa.BindParameter[Any] | None) -> sa.ColumnElement[bool]:
    return sa.true() if at is None else column <= at


def known(connection: sa.Connection, at: datetime | None) -> list[str]:
    """Return the ids of the bids stored by ``at``."""
    query = sa.select(_BIDS.c.bid_id).where(_by(_BIDS.c.recorded_at, at)).distinct()
    return sorted(connection.execute(query).scalars())


def require_bid(connection: sa.Connection, bid_id: str, at: datetime | None) -> None:
    """Raise UnknownNameError, naming the closest ids, if the bid was not stored by ``at``."""
    query = sa.select(_BIDS.c.version).where(_BIDS.c.bid_id == bid_id,
                                             _by(_BIDS.c.recorded_at, at)).limit(1)
    if connection.execute(query).first() is None:
        msg = (f"no bid '{bid_id}' in the register"
               f"{did_you_mean(bid_id, known(connection, at))}")
        raise UnknownNameError(msg)


def _appraisal(row: Any) -> StoredAppraisal:
    entropy = json.loads(row.entropy)
    return StoredAppraisal(
        id=row.id, bid_id=row.bid_id, version=row.version,
        entropy=tuple(entropy) if isinstance(entropy, list) else int(entropy),
        n_draws=row.n_draws, method=row.method, kernel=row.kernel,
        bpv_version=row.bpv_version, summary=json.loads(row.summary),
        recorded_at=row.recorded_at)


def _bid(row: Any, appraisal: StoredAppraisal | None) -> BidVersion:
    return BidVersion(bid_id=row.bid_id, version=row.version, bid_hash=row.bid_hash,
                      title=row.title, format=row.format, text=row.text,
                      approved_by=row.approved_by, approved_at=row.approved_at,
                      recorded_at=row.recorded_at, bpv_version=row.bpv_version,
                      appraisal=appraisal)


def appraisal_rows(connection: sa.Connection, at: datetime | None,
                   bid_id: str | None = None) -> dict[tuple[str, int], StoredAppraisal]:
    """Return the latest appraisal of each bid version (of one bid, or all), as at ``at``."""
    rank = sa.func.row_number().over(partition_by=(_APPRAISALS.c.bid_id, _APPRAISALS.c.version),
                                     order_by=_APPRAISALS.c.id.desc()).label("rank")
    ranked = (sa.select(_APPRAISALS, rank)
              .where(_by(_APPRAISALS.c.recorded_at, at),
                     sa.true() if bid_id is None else _APPRAISALS.c.bid_id == bid_id)
              .subquery())
    rows = connection.execute(sa.select(ranked).where(ranked.c.rank == 1))
    return {(row.bid_id, row.version): _appraisal(row) for row in rows}


def latest_bids(connection: sa.Connection, at: datetime | None) -> list[BidVersion]:
    """Return the latest version of every bid stored by ``at``, with its latest appraisal."""
    rank = sa.func.row_number().over(partition_by=_BIDS.c.bid_id,
                                     order_by=_BIDS.c.version.desc()).label("rank")
    ranked = sa.select(_BIDS, rank).where(_by(_BIDS.c.recorded_at, at)).subquery()
    rows = connection.execute(sa.select(ranked).where(ranked.c.rank == 1)
                              .order_by(ranked.c.bid_id))
    appraisals = appraisal_rows(connection, at)
    return [_bid(row, appraisals.get((row.bid_id, row.version))) for row in rows]


def bid_version(connection: sa.Connection, bid_id: str, version: int | None,
                at: datetime | None) -> BidVersion:
    """Return one version of a bid (the latest when ``version`` is None), as at ``at``."""
    require_bid(connection, bid_id, at)
    query = (sa.select(_BIDS).where(_BIDS.c.bid_id == bid_id, _by(_BIDS.c.recorded_at, at))
             .order_by(_BIDS.c.version.desc()).limit(1))
    if version is not None:
        query = query.where(_BIDS.c.version == version)
    row = connection.execute(query).first()
    if row is None:
        versions = connection.execute(
            sa.select(_BIDS.c.version).where(_BIDS.c.bid_id == bid_id,
                                             _by(_BIDS.c.recorded_at, at))).scalars().all()
        msg = (f"bid '{bid_id}' has no version {version}; it has "
               f"{', '.join(map(str, sorted(versions)))}")
        raise UnknownNameError(msg)
    appraisal = appraisal_rows(connection, at, bid_id).get((row.bid_id, row.version))
    return _bid(row, appraisal)


def actual_record(row: Any) -> StoredActual:
    """Return the record of one row of ``actuals`` (its columns in the table's order)."""
    return StoredActual(*tuple(row)[:_N_ACTUAL_FIELDS])


_N_ACTUAL_FIELDS = len(_ACTUALS.c)


def import_record(row: Any) -> ImportRecord:
    """Return the record of one row of ``imports``."""
    return ImportRecord(id=row.id, bid_id=row.bid_id, file_name=row.file_name,
                        recorded_by=row.recorded_by, recorded_at=row.recorded_at,
                        n_rows=row.n_rows, checksum=row.checksum)


@functools.cache
def _current_actuals_query(as_at: bool, one_bid: bool = True) -> sa.Select[Any]:
    """Return the query of current actuals (one bid's or all), built once; binds bid_id, at."""
    at = sa.bindparam("at", type_=_ACTUALS.c.stored_at.type) if as_at else None
    later = _ACTUALS.alias("later")
    corrected = sa.exists().where(later.c.supersedes == _ACTUALS.c.id,
                                  _by(later.c.stored_at, at))
    rank = sa.func.row_number().over(
        partition_by=(_ACTUALS.c.bid_id, _ACTUALS.c.node, _ACTUALS.c.period,
                      _ACTUALS.c.organisation),
        order_by=_ACTUALS.c.id.desc()).label("rank")
    which = _ACTUALS.c.bid_id == sa.bindparam("bid_id") if one_bid else sa.true()
    ranked = (sa.select(_ACTUALS, rank)
              .where(which, _by(_ACTUALS.c.stored_at, at), ~corrected)
              .subquery())
    order = (ranked.c.id,) if one_bid else (ranked.c.bid_id, ranked.c.id)
    return sa.select(ranked).where(ranked.c.rank == 1).order_by(*order)


def current_actuals(connection: sa.Connection, bid_id: str,
                    at: datetime | None) -> list[StoredActual]:
    """Return a bid's current actuals as at ``at``.

    Of each node, period and organisation, the latest row not superseded by a
    correction stored by then.
    """
    parameters: dict[str, Any] = {"bid_id": bid_id}
    if at is not None:
        parameters["at"] = at
    rows = connection.execute(_current_actuals_query(at is not None), parameters)
    return [actual_record(row) for row in rows]


def every_current_actual(connection: sa.Connection,
                         at: datetime | None) -> Iterator[StoredActual]:
    """Yield every bid's current actuals as at ``at``, bid by bid, ``BATCH`` rows at a time."""
    parameters: dict[str, Any] = {} if at is None else {"at": at}
    result = connection.execution_options(yield_per=BATCH * 10).execute(
        _current_actuals_query(at is not None, one_bid=False), parameters)
    for row in result:
        yield actual_record(row)


def snapshot_rows(connection: sa.Connection, *, bid_id: str | None, kind: str | None,
                  at: datetime | None, latest: bool) -> Iterator[Snapshot]:
    """Yield snapshots (the latest of each bid and kind, or all), fetched ``BATCH`` at a time.

    The latest is the one with the latest reporting date, and of those the
    last stored.
    """
    where = [_by(_SNAPSHOTS.c.created_at, at)]
    if bid_id is not None:
        where.append(_SNAPSHOTS.c.bid_id == bid_id)
    if kind is not None:
        where.append(_SNAPSHOTS.c.kind == kind)
    if latest:
        rank = sa.func.row_number().over(
            partition_by=(_SNAPSHOTS.c.bid_id, _SNAPSHOTS.c.kind),
            order_by=(_SNAPSHOTS.c.reporting_date.desc(), _SNAPSHOTS.c.id.desc())).label("rank")
        ranked = sa.select(_SNAPSHOTS, rank).where(*where).subquery()
        query = (sa.select(ranked).where(ranked.c.rank == 1)
                 .order_by(ranked.c.bid_id, ranked.c.kind))
    else:
        query = sa.select(_SNAPSHOTS).where(*where).order_by(
            _SNAPSHOTS.c.bid_id, _SNAPSHOTS.c.kind, _SNAPSHOTS.c.reporting_date, _SNAPSHOTS.c.id)
    result = connection.execution_options(yield_per=BATCH).execute(query)
    for row in result:
        yield Snapshot(id=row.id, bid_id=row.bid_id, bid_version=row.bid_version,
                       kind=row.kind, reporting_date=row.reporting_date,
                       payload_json=row.payload, created_at=row.created_at,
                       bpv_version=row.bpv_version)


_ORDER = {"bid": 0, "appraisal": 1, "import": 2, "correction": 3, "snapshot": 4}


def history_events(connection: sa.Connection, bid_id: str, at: datetime | None) -> list[Event]:
    """Return every event of a bid stored by ``at``, in the order it was stored."""
    require_bid(connection, bid_id, at)
    events: list[tuple[datetime, int, int, Event]] = []

    def add(at_: datetime, kind: str, id_: int, summary: str, details: dict[str, Any]) -> None:
        events.append((at_, _ORDER[kind], id_, Event(at_, kind, summary, details)))

    for row in connection.execute(sa.select(_BIDS).where(_BIDS.c.bid_id == bid_id,
                                                         _by(_BIDS.c.recorded_at, at))):
        add(row.recorded_at, "bid", row.version,
            f"version {row.version} recorded (hash {row.bid_hash[:12]}), approved by "
            f"{row.approved_by} on {row.approved_at:%Y-%m-%d}",
            {"version": row.version, "bid_hash": row.bid_hash, "title": row.title,
             "approved_by": row.approved_by, "approved_at": row.approved_at.isoformat()})
    for row in connection.execute(sa.select(_APPRAISALS).where(
            _APPRAISALS.c.bid_id == bid_id, _by(_APPRAISALS.c.recorded_at, at))):
        stored = _appraisal(row)
        npv = stored.summary.get("metrics", {}).get("npv", {}).get("mean")
        headline = f"; mean NPV {format_money(npv)}" if isinstance(npv, int | float) else ""
        add(row.recorded_at, "appraisal", row.id,
            f"version {row.version} appraised: {row.n_draws:,} draws ({row.method}, "
            f"{row.kernel}), seed {json.loads(row.entropy)}, bpv {row.bpv_version}{headline}",
            {"id": row.id, "version": row.version, "entropy": json.loads(row.entropy),
             "n_draws": row.n_draws, "method": row.method, "kernel": row.kernel,
             "bpv_version": row.bpv_version})
    for row in connection.execute(sa.select(_IMPORTS).where(
            _IMPORTS.c.bid_id == bid_id, _by(_IMPORTS.c.recorded_at, at))):
        source = f" from {row.file_name}" if row.file_name else ""
        add(row.recorded_at, "import", row.id,
            f"import {row.id}: {row.n_rows} actuals{source}, by {row.recorded_by}",
            {"import_id": row.id, "file_name": row.file_name, "n_rows": row.n_rows,
             "recorded_by": row.recorded_by, "checksum": row.checksum})
    old = _ACTUALS.alias("old")
    corrections = (sa.select(_ACTUALS, old.c.value.label("old_value"))
                   .join(old, old.c.id == _ACTUALS.c.supersedes)
                   .where(_ACTUALS.c.bid_id == bid_id, _by(_ACTUALS.c.stored_at, at)))
    for row in connection.execute(corrections):
        where = f"{row.node} {row.period}" + (f" ({row.organisation})" if row.organisation
                                              else "")
        add(row.stored_at, "correction", row.id,
            f"actual {row.supersedes} ({where}) corrected from {row.old_value:g} to "
            f"{row.value:g} by {row.stored_by}: {row.reason}",
            {"actual_id": row.id, "supersedes": row.supersedes, "node": row.node,
             "period": row.period, "organisation": row.organisation,
             "old_value": row.old_value, "value": row.value, "stored_by": row.stored_by,
             "reason": row.reason})
    for row in connection.execute(sa.select(
            _SNAPSHOTS.c.id, _SNAPSHOTS.c.kind, _SNAPSHOTS.c.reporting_date,
            _SNAPSHOTS.c.bid_version, _SNAPSHOTS.c.created_at).where(
            _SNAPSHOTS.c.bid_id == bid_id, _by(_SNAPSHOTS.c.created_at, at))):
        add(row.created_at, "snapshot", row.id,
            f"{row.kind} snapshot for {row.reporting_date.isoformat()} (version "
            f"{row.bid_version})",
            {"snapshot_id": row.id, "kind": row.kind,
             "reporting_date": row.reporting_date.isoformat(), "version": row.bid_version})
    return [event for *_, event in sorted(events, key=lambda item: item[:3])]
