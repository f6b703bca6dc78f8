"""The benefits register: bids, appraisals, actuals and snapshots, with their whole history.

A :class:`Register` is a SQLite file (the default, ``bpv-register.db`` in the
current folder, or ``$BPV_REGISTER``) or a PostgreSQL database
(``postgresql+psycopg://…``). Nothing in it is ever updated or deleted: a new
text of a bid is a new version, a correction of an actual is a new row that
supersedes the old, and every read can be made "as at" a past moment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, Self

import numpy as np
import sqlalchemy as sa

from bpv._utils.formatting import json_safe
from bpv._utils.validation import check_choice, check_int
from bpv._version import __version__
from bpv.engine.identity import bid_hash
from bpv.engine.monte_carlo import KERNELS, METHODS, Kernel, Method, appraise, chosen_kernel
from bpv.engine.results import Appraisal
from bpv.errors import NotARegisterError, RegisterError, RegisterVersionError, UnknownNameError
from bpv.io import loads
from bpv.register import connection as _connection
from bpv.register.delivery import latest_status, track_stored
from bpv.register.reading import (
    TABLES,
    actual_record,
    bid_version,
    current_actuals,
    every_current_actual,
    history_events,
    latest_bids,
    require_bid,
    snapshot_rows,
)
from bpv.register.records import BidVersion, Event, Snapshot, StoredActual, moment
from bpv.register.rows import (
    actual_rows,
    approval_moment,
    checksum,
    finite_value,
    payload_text,
    reporting_day,
    required_text,
)
from bpv.register.schema import KINDS, SCHEMA_VERSION, schema_version, upgrade
from bpv.spec.bid import Bid
from bpv.tracking.result import Tracking

__all__ = ["Register"]

_BIDS, _APPRAISALS, _ACTUALS = TABLES["bids"], TABLES["appraisals"], TABLES["actuals"]
_IMPORTS, _SNAPSHOTS = TABLES["imports"], TABLES["snapshots"]


class Register:
    """A benefits register that keeps its whole history, in SQLite or PostgreSQL.

    Parameters
    ----------
    url : str or path-like, optional
        A database URL (``sqlite:///reg.db``, ``postgresql+psycopg://user@host/db``)
        or a file path. Default: ``$BPV_REGISTER``, else ``bpv-register.db`` in
        the current folder.

    Notes
    -----
    Each call is one transaction. Several processes may write at once: on
    SQLite they queue (write-ahead log, a busy timeout, ``BEGIN IMMEDIATE``),
    on PostgreSQL the server orders them. An import is recorded whole or not at
    all, even if the process is killed half-way. Rows are never updated or
    deleted, in code and, by triggers, in the database itself.

    Examples
    --------
    >>> import tempfile, pathlib, bpv
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> register = Register(folder / "reg.db")
    >>> register.init()
    2
    >>> path = "examples/bids/frailty_virtual_ward.yaml"
    >>> stored = register.add_bid(bpv.load(path), text=open(path).read(),
    ...                           approved_by="Board", n_draws=1_000, seed=1)
    >>> stored.bid_id, stored.version, stored.appraisal.n_draws
    ('frailty-virtual-ward', 1, 1000)
    >>> register.record_actuals("frailty-virtual-ward", [
    ...     {"node": "admissions_avoided", "period": "2026/27", "value": 40}],
    ...     recorded_by="PMO")
    1
    >>> [(row.node, row.value) for row in register.actuals("frailty-virtual-ward")]
    [('admissions_avoided', 40.0)]
    >>> register.close()
    """

    def __init__(self, url: str | os.PathLike[str] | None = None) -> None:
        self._url = _connection.resolve(url)
        self._where = _connection.display(self._url, url)
        # One engine, shared with the views as_at makes: [engine or None].
        self._shared: list[sa.Engine | None] = [None]
        self._at: datetime | None = None
        self._checked = False

    # ----------------------------------------------------------------- plumbing

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self._url.render_as_string(hide_password=True)

    @property
    def name(self) -> str:
        """How messages name the register: the path as given, or the URL."""
        return self._where

    @property
    def at(self) -> datetime | None:
        """The moment a view made by :meth:`as_at` shows; None for the register as it is."""
        return self._at

    def __repr__(self) -> str:
        at = f", as_at={self._at.isoformat()!r}" if self._at else ""
        return f"Register({self._where!r}{at})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the register's connections (a view shares them with its register)."""
        engine = self._shared[0]
        if engine is not None and self._at is None:
            engine.dispose()
            self._shared[0] = None

    def _get_engine(self, *, create: bool = False) -> sa.Engine:
        engine = self._shared[0]
        if engine is None:
            database = self._url.database
            if (self._url.get_backend_name() == "sqlite" and database
                    and database != ":memory:" and not create and not os.path.exists(database)):
                msg = f"no register at {self._where}: create one with bpv track init"
                raise RegisterError(msg)
            engine = self._shared[0] = _connection.create_engine(self._url)
        return engine

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn the database's own errors into messages that say what to do."""
        try:
            yield
        except sa.exc.DatabaseError as exc:
            text = str(exc.orig) if exc.orig is not None else str(exc)
            if "file is not a database" in text:
                msg = f"{self._where} is not a bpv register: it is not an SQLite database"
                raise NotARegisterError(msg) from None
            if isinstance(exc, sa.exc.OperationalError):
                first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
                msg = f"cannot use the register {self._where}: {first}"
                raise RegisterError(msg) from None
            raise

    @contextmanager
    def _transaction(self, *, write: bool = False, create: bool = False,
                     checked: bool = True) -> Iterator[sa.Connection]:
        if write and self._at is not None:
            msg = (f"{self._where} as at {self._at.isoformat()} is a view of the past: "
                   "it is read-only")
            raise RegisterError(msg)
        engine = self._get_engine(create=create)
        if write:
            engine = engine.execution_options(bpv_write=True)
        with self._errors(), engine.begin() as connection:
            if checked and not self._checked:
                self._check(connection)
            yield connection

    def _check(self, connection: sa.Connection) -> None:
        found = schema_version(connection, where=self._where)
        if found == 0:
            msg = f"{self._where} is empty, not a bpv register: create one with bpv track init"
            raise RegisterError(msg)
        if found < SCHEMA_VERSION:
            msg = (f"{self._where} has schema {found}; this bpv writes schema "
                   f"{SCHEMA_VERSION}: run bpv track upgrade")
            raise RegisterVersionError(msg, found=found, supported=SCHEMA_VERSION)
        self._checked = True

    def _moment(self, as_at: date | datetime | str | None) -> datetime | None:
        at = None if as_at is None else moment(as_at)
        if self._at is not None:
            at = self._at if at is None else min(at, self._at)
        return at

    # ----------------------------------------------------------------- schema

    def init(self) -> int:
        """Create the register if it does not exist; return its schema version.

        A register that exists already is left as it is. The file (or empty
        PostgreSQL database) must not hold anything else.
        """
        with self._transaction(write=True, create=True, checked=False) as connection:
            found = schema_version(connection, where=self._where)
            if found == 0:
                upgrade(connection, where=self._where)
                found = SCHEMA_VERSION
        return found

    def upgrade(self) -> tuple[int, int]:
        """Bring the register to this bpv's schema, in one transaction; return (before, after)."""
        with self._transaction(write=True, checked=False) as connection:
            if schema_version(connection, where=self._where) == 0:
                msg = f"{self._where} is empty: create a register with bpv track init"
                raise RegisterError(msg)
            versions = upgrade(connection, where=self._where)
        self._checked = False
        return versions

    def check(self) -> int:
        """Return the schema version after checking that this bpv can read and write it.

        Raises
        ------
        RegisterError
            No register there, or an empty database.
        NotARegisterError
            Something else is there.
        RegisterVersionError
            The schema is older (run :meth:`upgrade`) or newer (upgrade bpv).
        """
        with self._transaction(checked=False) as connection:
            self._check(connection)
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        """Return the register's schema version."""
        with self._transaction(checked=False) as connection:
            return schema_version(connection, where=self._where)

    def as_at(self, when: date | datetime | str) -> Register:
        """Return a read-only view of the register as it stood at ``when`` (a date: its end).

        Examples
        --------
        >>> Register("reg.db").as_at("2026-09-30").at.isoformat()
        '2026-09-30T23:59:59.999999+00:00'
        """
        view = Register.__new__(Register)
        view.__dict__.update(self.__dict__)
        view._at = self._moment(when)
        return view

    # ----------------------------------------------------------------- bids

    def add_bid(
        self, bid: Bid, *, text: str, approved_by: str,
        approved_at: date | datetime | str | None = None, n_draws: int, seed: int | None = None,
        method: Method = "mc", kernel: Kernel = "auto", summary: Any = None,
        format: str | None = None,
    ) -> BidVersion:
        """Store an approved bid and its appraisal; return the version stored.

        A bid whose meaning (its canonical hash) is that of its latest stored
        version is that version again, and only a new appraisal (different
        seed or draws) is added; a changed bid with the same id is a new
        version.

        Parameters
        ----------
        bid : Bid
            The bid, as ``bpv.load`` read it.
        text : str
            The bid file's text, which must read back as ``bid``.
        approved_by : str
            Who approved it.
        approved_at : date, datetime or ISO text, optional
            When (default now).
        n_draws : int
            Draws of the appraisal.
        seed : int, optional
            Seed; a fresh one is drawn and stored when None.
        method, kernel : str
            As for :func:`bpv.appraise`.
        summary : dict or Appraisal, optional
            The appraisal's ``to_dict()`` (or the Appraisal) when the caller
            has run it with these settings; otherwise the register runs it.
        format : {'yaml', 'json'}, optional
            How ``text`` is written (default: JSON if it starts with ``{``).

        Raises
        ------
        RegisterError
            The text is not the bid, or the summary is of another run.
        """
        function = "Register.add_bid"
        approved_by = required_text(approved_by, name="approved_by", function=function)
        n_draws = check_int(n_draws, name="n_draws", function=function, low=1)
        method = check_choice(method, METHODS, name="method", function=function)
        kernel = chosen_kernel(check_choice(kernel, KERNELS, name="kernel", function=function),
                               n_draws)
        form = format or ("json" if text.lstrip().startswith("{") else "yaml")
        form = check_choice(form, ("yaml", "json"), name="format", function=function)
        identity = bid_hash(bid)
        if bid_hash(loads(text, format=form)) != identity:  # type: ignore[arg-type]
            msg = (f"the text given for bid '{bid.id}' does not read back as the bid: pass "
                   "the bid file's own text")
            raise RegisterError(msg)
        entropy: int | tuple[int, ...] = (
            int(np.random.SeedSequence().entropy) if seed is None  # type: ignore[arg-type]
            else check_int(seed, name="seed", function=function))
        record = self._summary(bid, summary, identity=identity, entropy=entropy,
                               n_draws=n_draws, method=method, kernel=kernel)
        row = {"bid_id": bid.id, "bid_hash": identity, "title": bid.title, "format": form,
               "text": text, "approved_by": approved_by,
               "approved_at": None if approved_at is None else approval_moment(approved_at)}
        settings = {"bid_id": bid.id, "entropy": json.dumps(entropy), "n_draws": n_draws,
                    "method": method, "kernel": kernel}
        attempts = 3
        while True:
            try:
                with self._transaction(write=True) as connection:
                    return self._store_bid(connection, row, settings, record)
            except sa.exc.IntegrityError:  # PostgreSQL: another process added this version
                attempts -= 1
                if not attempts:
                    raise

    @staticmethod
    def _store_bid(connection: sa.Connection, row: dict[str, Any], settings: dict[str, Any],
                   summary: str) -> BidVersion:
        now = datetime.now(UTC)
        latest = connection.execute(
            sa.select(_BIDS.c.version, _BIDS.c.bid_hash).where(_BIDS.c.bid_id == row["bid_id"])
            .order_by(_BIDS.c.version.desc()).limit(1)).first()
        version = 1 if latest is None else latest.version + (latest.bid_hash != row["bid_hash"])
        if latest is None or latest.bid_hash != row["bid_hash"]:
            connection.execute(_BIDS.insert(), {
                **row, "version": version, "approved_at": row["approved_at"] or now,
                "recorded_at": now, "bpv_version": __version__})
        settings = {**settings, "version": version}
        same = connection.execute(sa.select(_APPRAISALS.c.id).where(
            *(_APPRAISALS.c[key] == value for key, value in settings.items()))).first()
        if same is None:
            connection.execute(_APPRAISALS.insert(), {
                **settings, "bpv_version": __version__, "summary": summary,
                "recorded_at": now})
        return bid_version(connection, row["bid_id"], version, None)

    def _summary(self, bid: Bid, summary: Any, *, identity: str,
                 entropy: int | tuple[int, ...], n_draws: int, method: str, kernel: str) -> str:
        if summary is None:
            summary = appraise(bid, n_draws=n_draws, rng=entropy,  # type: ignore[arg-type]
                               method=method, kernel=kernel,  # type: ignore[arg-type]
                               progress=False)
        if isinstance(summary, Appraisal):
            summary = summary.to_dict()
        provenance = summary.get("provenance", {}) if isinstance(summary, dict) else {}
        expected = {"bid_hash": identity, "n_draws": n_draws, "method": method,
                    "entropy": list(entropy) if isinstance(entropy, tuple) else entropy}
        wrong = [f"{key} {provenance[key]!r} (expected {value!r})"
                 for key, value in expected.items()
                 if key in provenance and json_safe(provenance[key]) != value]
        if wrong:
            msg = f"the summary given is of another appraisal: {', '.join(wrong)}"
            raise RegisterError(msg)
        return payload_text(summary)

    def bids(self, as_at: date | datetime | str | None = None) -> list[BidVersion]:
        """Return the latest version of every bid, each with its latest appraisal."""
        with self._transaction() as connection:
            return latest_bids(connection, self._moment(as_at))

    def bid(self, bid_id: str, version: int | None = None,
            as_at: date | datetime | str | None = None) -> BidVersion:
        """Return one version of a bid (default the latest), with its text and appraisal."""
        with self._transaction() as connection:
            return bid_version(connection, bid_id, version, self._moment(as_at))

    def appraisal(self, bid_id: str, version: int | None = None,
                  as_at: date | datetime | str | None = None) -> Appraisal:
        """Re-run a stored bid's appraisal, bit for bit, with its flows and inputs kept.

        Reads the stored text with :func:`bpv.loads` and appraises it with the
        stored seed, draws, method and kernel (``keep_flows=True,
        keep_inputs=True``), so the summary matches the stored one exactly.
        """
        stored = self.bid(bid_id, version, as_at)
        settings = stored.appraisal
        if settings is None:  # pragma: no cover - add_bid always stores one
            msg = f"bid '{bid_id}' version {stored.version} has no appraisal in the register"
            raise RegisterError(msg)
        entropy = settings.entropy
        rng = np.random.SeedSequence(list(entropy)) if isinstance(entropy, tuple) else entropy
        return appraise(loads(stored.text, format=stored.format),  # type: ignore[arg-type]
                        n_draws=settings.n_draws, rng=rng,
                        method=settings.method,  # type: ignore[arg-type]
                        kernel=settings.kernel,  # type: ignore[arg-type]
                        keep_flows=True, keep_inputs=True, progress=False)

    # ----------------------------------------------------------------- actuals

    def record_actuals(self, bid_id: str, rows: Iterable[Any], *, recorded_by: str,
                       file_name: str | None = None) -> int:
        """Record an import of actuals, whole or not at all; return the import's id.

        Parameters
        ----------
        bid_id : str
            A bid in the register.
        rows : iterable of mappings or objects, or a DataFrame
            The fields ``bid`` (optional), ``node``, ``period``, ``value`` and
            optionally ``organisation``, ``source``, ``recorded_by``,
            ``recorded_at``, ``note``, as the actuals reader gives them.
        recorded_by : str
            Who imports them.
        file_name : str, optional
            The file they came from.

        Raises
        ------
        RegisterError
            Any row is wrong (every problem is listed; nothing is recorded).
        UnknownNameError
            No such bid.
        """
        recorded_by = required_text(recorded_by, name="recorded_by",
                                    function="Register.record_actuals")
        found = actual_rows(bid_id, rows)
        now = datetime.now(UTC)
        with self._transaction(write=True) as connection:
            require_bid(connection, bid_id, None)
            result = connection.execute(_IMPORTS.insert(), {
                "bid_id": bid_id, "file_name": file_name, "recorded_by": recorded_by,
                "recorded_at": now, "n_rows": len(found), "checksum": checksum(found)})
            import_id = _new_id(result)
            connection.execute(_ACTUALS.insert(), [
                {**row, "bid_id": bid_id, "import_id": import_id, "supersedes": None,
                 "reason": None, "stored_by": recorded_by, "stored_at": now}
                for row in found])
        return import_id

    def correct_actual(self, actual_id: int, *, value: float, recorded_by: str,
                       reason: str) -> int:
        """Correct an actual: a new row supersedes it, saying who and why; return its id.

        Raises
        ------
        RegisterError
            The actual has been corrected already (correct the newer row).
        UnknownNameError
            No actual has this id.
        """
        function = "Register.correct_actual"
        recorded_by = required_text(recorded_by, name="recorded_by", function=function)
        reason = required_text(reason, name="reason", function=function)
        number = finite_value(value)
        if number is None:
            msg = (f"The 'value' parameter of {function} must be a finite number. "
                   f"Got {value!r} instead.")
            raise RegisterError(msg)
        with self._transaction(write=True) as connection:
            old = connection.execute(sa.select(_ACTUALS).where(_ACTUALS.c.id == actual_id)).first()
            if old is None:
                msg = f"no actual with id {actual_id} in the register"
                raise UnknownNameError(msg)
            self._refuse_second_correction(connection, actual_id)
            row = {name: getattr(old, name) for name in (
                "bid_id", "node", "period", "organisation", "source", "recorded_by",
                "recorded_at", "note")}
            try:
                result = connection.execute(_ACTUALS.insert(), {
                    **row, "value": number, "import_id": None, "supersedes": actual_id,
                    "reason": reason, "stored_by": recorded_by, "stored_at": datetime.now(UTC)})
            except sa.exc.IntegrityError:  # corrected at the same moment by another process
                msg = f"actual {actual_id} was corrected at the same time by someone else"
                raise RegisterError(msg) from None
            return _new_id(result)

    @staticmethod
    def _refuse_second_correction(connection: sa.Connection, actual_id: int) -> None:
        newer = connection.execute(sa.select(_ACTUALS).where(
            _ACTUALS.c.supersedes == actual_id)).first()
        if newer is not None:
            msg = (f"actual {actual_id} was corrected already, by actual {newer.id} "
                   f"({newer.stored_by}, {newer.stored_at:%Y-%m-%d %H:%M} UTC); correct "
                   f"{newer.id} instead")
            raise RegisterError(msg)

    def actuals(self, bid_id: str,
                as_at: date | datetime | str | None = None) -> list[StoredActual]:
        """Return a bid's current actuals as known at ``as_at`` (default now).

        Of each node, period and organisation, the latest row that no
        correction stored by then supersedes.
        """
        at = self._moment(as_at)
        with self._transaction() as connection:
            require_bid(connection, bid_id, at)
            return current_actuals(connection, bid_id, at)

    def all_actuals(self, as_at: date | datetime | str | None = None) -> Iterator[StoredActual]:
        """Yield the current actuals of every bid, bid by bid, as :meth:`actuals` gives each.

        One query, read a batch at a time: the way to bring every bid's status
        up to date without one query a bid, in memory that does not grow with
        the register.
        """
        at = self._moment(as_at)
        with self._transaction() as connection:
            yield from every_current_actual(connection, at)

    def actual(self, actual_id: int) -> StoredActual:
        """Return one row of actuals by id, superseded or not."""
        with self._transaction() as connection:
            row = connection.execute(sa.select(_ACTUALS).where(_ACTUALS.c.id == actual_id)).first()
            if row is None or (self._at is not None and row.stored_at > self._at):
                msg = f"no actual with id {actual_id} in the register"
                raise UnknownNameError(msg)
            return actual_record(row)

    # ----------------------------------------------------------------- snapshots

    def save_snapshot(self, bid_id: str, kind: str, payload: Any, *,
                      reporting_date: date | str, version: int | None = None) -> int:
        """Save a status or re-forecast for a reporting date; return its id.

        Parameters
        ----------
        bid_id : str
        kind : {'status', 'reforecast'}
        payload : JSON text, plain data, or an object with ``to_json()``
        reporting_date : date or ISO text
            The date the snapshot reports on ("as at 2026-09-30").
        version : int, optional
            The bid version it was computed from (default the latest).
        """
        function = "Register.save_snapshot"
        kind = check_choice(kind, KINDS, name="kind", function=function)
        text = payload_text(payload)
        day = reporting_day(reporting_date)
        with self._transaction(write=True) as connection:
            stored = bid_version(connection, bid_id, version, None)
            result = connection.execute(_SNAPSHOTS.insert(), {
                "bid_id": bid_id, "bid_version": stored.version, "kind": kind,
                "reporting_date": day, "payload": text, "created_at": datetime.now(UTC),
                "bpv_version": __version__})
            return _new_id(result)

    def snapshots(self, bid_id: str | None = None, kind: str | None = None,
                  as_at: date | datetime | str | None = None, *,
                  latest: bool = True) -> Iterator[Snapshot]:
        """Yield snapshots: the latest of each bid and kind (or every one), as at ``as_at``.

        Rows are fetched a batch at a time, so memory does not grow with the
        register; read the iterator to the end (or close it) to free its
        connection.
        """
        if kind is not None:
            check_choice(kind, KINDS, name="kind", function="Register.snapshots")
        at = self._moment(as_at)
        with self._transaction() as connection:
            if bid_id is not None:
                require_bid(connection, bid_id, at)
            yield from snapshot_rows(connection, bid_id=bid_id, kind=kind, at=at,
                                     latest=latest)

    # ----------------------------------------------------------------- delivery

    def track(self, bid_id: str, *, as_at: date | datetime | str | None = None) -> Tracking:
        """Return a stored bid's tracking as at a date (default today).

        The appraisal is re-made bit for bit from the stored bid and seed, with
        its flows and inputs, and the actuals are those current at the end of
        that day (:func:`bpv.register.delivery.track_stored`); call
        ``.reforecast()`` on the result for the Bayesian re-forecast.
        """
        return track_stored(self, bid_id, as_at=as_at)

    def status(self, bid_id: str | None = None, *,
               as_at: date | datetime | str | None = None) -> list[dict[str, Any]]:
        """Return the latest status snapshot of every bid (or of one), as at a date.

        Each is plain data: RAG counts, the status table, and the re-forecast's
        NPV, ROI, P(NPV > 0) and failing hypotheses, as stored when the
        actuals were recorded (``bpv track actuals``) or
        :func:`bpv.register.delivery.take_snapshots` last ran. Read from the
        snapshots alone, a batch of rows at a time.
        """
        return list(latest_status(self, bid_id, as_at=as_at))

    # ----------------------------------------------------------------- history

    def history(self, bid_id: str) -> list[Event]:
        """Return every event of a bid in the order stored.

        Versions, appraisals, imports, corrections and snapshots, each with
        when, a one-line summary and its details.
        """
        with self._transaction() as connection:
            return history_events(connection, bid_id, self._at)


def _new_id(result: sa.CursorResult[Any]) -> int:
    """Return the id of the row an INSERT added."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        msg = "the database did not return the new row's id"
        raise RegisterError(msg)
    return int(key[0])
