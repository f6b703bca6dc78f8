"""The register's tables, its schema versions and the migrations between them.

The schema is a short list of migration functions, one per version, each
applied once, in order, inside one transaction (:func:`upgrade`). Version 1
creates the tables and the triggers that keep history append-only; version 2
adds the indexes that the reads use (the latest snapshot of each bid, a bid's
current actuals) and a checksum of each import. A new version appends a
function to :data:`MIGRATIONS`; :data:`SCHEMA_VERSION` follows.

Why not alembic: the schema is six small tables, the migrations are a few
lines of SQLAlchemy Core each, and bpv would otherwise carry alembic, its
Mako templates and a migrations folder for users who never see them. The list
here is applied the same way on SQLite and PostgreSQL, in one transaction,
and a register newer than bpv is refused before anything is written.

The tables, their columns and the guarantees they keep are described in
docs/register.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from bpv._version import __version__
from bpv.errors import NotARegisterError, RegisterVersionError

__all__ = ["APPEND_ONLY", "MIGRATIONS", "SCHEMA_VERSION", "UTCDateTime", "KINDS", "tables",
           "schema_version", "upgrade"]

#: What the ``meta`` table's ``application`` row holds in every bpv register.
APPLICATION = "bpv-register"
#: The tables whose rows are never updated or deleted (triggers refuse it).
APPEND_ONLY = ("bids", "appraisals", "imports", "actuals", "snapshots")
#: The kinds of snapshot a register keeps.
KINDS = ("status", "reforecast")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A moment in UTC: timezone-aware in Python, the same text or timestamp in every database.

    SQLite keeps fixed-width text (``2026-09-30 12:00:00.000000``), which sorts
    as time does; PostgreSQL a ``timestamp with time zone``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return the moment in UTC (without its zone on SQLite, whose text has none)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None,
                             dialect: sa.Dialect) -> datetime | None:
        """Return the moment read back, timezone-aware in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def tables(version: int) -> sa.MetaData:
    """Return the tables as they stand at schema ``version`` (1 up to :data:`SCHEMA_VERSION`).

    Examples
    --------
    >>> sorted(tables(SCHEMA_VERSION).tables)
    ['actuals', 'appraisals', 'bids', 'imports', 'meta', 'snapshots']
    >>> "checksum" in tables(1).tables["imports"].c, "checksum" in tables(2).tables["imports"].c
    (False, True)
    """
    metadata = sa.MetaData()
    sa.Table("meta", metadata,
             sa.Column("key", sa.String(64), primary_key=True),
             sa.Column("value", sa.Text, nullable=False))
    sa.Table("bids", metadata,
             sa.Column("bid_id", sa.String(200), primary_key=True),
             sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("bid_hash", sa.String(64), nullable=False),
             sa.Column("title", sa.Text, nullable=False),
             sa.Column("format", sa.String(8), nullable=False),
             sa.Column("text", sa.Text, nullable=False),
             sa.Column("approved_by", sa.Text, nullable=False),
             sa.Column("approved_at", UTCDateTime, nullable=False),
             sa.Column("recorded_at", UTCDateTime, nullable=False),
             sa.Column("bpv_version", sa.String(32), nullable=False),
             sa.CheckConstraint("version >= 1", name="ck_bids_version"))
    sa.Table("appraisals", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("bid_id", sa.String(200), nullable=False),
             sa.Column("version", sa.Integer, nullable=False),
             sa.Column("entropy", sa.Text, nullable=False),  # JSON: an int or a list of ints
             sa.Column("n_draws", sa.Integer, nullable=False),
             sa.Column("method", sa.String(16), nullable=False),
             sa.Column("kernel", sa.String(16), nullable=False),
             sa.Column("bpv_version", sa.String(32), nullable=False),
             sa.Column("summary", sa.Text, nullable=False),  # JSON: Appraisal.to_dict()
             sa.Column("recorded_at", UTCDateTime, nullable=False),
             sa.ForeignKeyConstraint(["bid_id", "version"], ["bids.bid_id", "bids.version"],
                                     name="fk_appraisals_bid"))
    imports = sa.Table(
        "imports", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bid_id", sa.String(200), nullable=False),
        sa.Column("file_name", sa.Text),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False))
    sa.Table("actuals", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
             sa.Column("bid_id", sa.String(200), nullable=False),
             sa.Column("node", sa.String(200), nullable=False),
             sa.Column("period", sa.String(64), nullable=False),
             sa.Column("value", sa.Double, nullable=False),
             sa.Column("organisation", sa.String(200)),
             sa.Column("source", sa.Text),
             sa.Column("recorded_by", sa.Text),  # as the actuals file says
             sa.Column("recorded_at", sa.Text),  # as the actuals file says (ISO text)
             sa.Column("note", sa.Text),
             sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", name="fk_import")),
             sa.Column("supersedes", sa.Integer,
                       sa.ForeignKey("actuals.id", name="fk_supersedes"), unique=True),
             sa.Column("reason", sa.Text),
             sa.Column("stored_by", sa.Text, nullable=False),
             sa.Column("stored_at", UTCDateTime, nullable=False),
             sa.CheckConstraint("(import_id IS NULL) <> (supersedes IS NULL)",
                                name="ck_actuals_origin"),
             sa.CheckConstraint("(supersedes IS NULL) = (reason IS NULL)",
                                name="ck_actuals_reason"))
    snapshots = sa.Table(
        "snapshots", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bid_id", sa.String(200), nullable=False),
        sa.Column("bid_version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reporting_date", sa.Date, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("bpv_version", sa.String(32), nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in KINDS)})",
                           name="ck_snapshots_kind"),
        sa.ForeignKeyConstraint(["bid_id", "bid_version"], ["bids.bid_id", "bids.version"],
                                name="fk_snapshots_bid"))
    if version >= 2:
        imports.append_column(sa.Column("checksum", sa.String(64)))
        actuals = metadata.tables["actuals"]
        sa.Index("ix_actuals_bid", actuals.c.bid_id, actuals.c.node, actuals.c.period)
        sa.Index("ix_snapshots_latest", snapshots.c.bid_id, snapshots.c.kind,
                 snapshots.c.reporting_date, snapshots.c.id)
        sa.Index("ix_imports_bid", imports.c.bid_id)
        appraisals = metadata.tables["appraisals"]
        sa.Index("ix_appraisals_bid", appraisals.c.bid_id, appraisals.c.version)
    return metadata


def _append_only_triggers(connection: sa.Connection) -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE) on the history tables, in the database itself."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION bpv_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION USING MESSAGE = 'bpv register: ' || TG_TABLE_NAME || "
            "' is append-only: history is never updated or deleted'; END; $$ "
            "LANGUAGE plpgsql")
        for table in APPEND_ONLY:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION bpv_append_only()")
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bpv_append_only()")
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'bpv register: {table} is append-only: history "
                "is never updated or deleted'); END")


def _version_1(connection: sa.Connection) -> None:
    """Create the tables and the append-only triggers."""
    tables(1).create_all(connection)
    _append_only_triggers(connection)
    meta = tables(1).tables["meta"]
    connection.execute(meta.insert(), [
        {"key": "application", "value": APPLICATION},
        {"key": "created_by", "value": f"bpv {__version__}"},
        {"key": "created_at", "value": datetime.now(UTC).isoformat()},
        {"key": "schema_version", "value": "1"},
    ])


def _version_2(connection: sa.Connection) -> None:
    """Add the reading indexes and each import's checksum."""
    connection.exec_driver_sql("ALTER TABLE imports ADD COLUMN checksum VARCHAR(64)")
    for index in sorted(_new_indexes(1, 2), key=lambda index: str(index.name)):
        index.create(connection)


def _new_indexes(old: int, new: int) -> list[sa.Index]:
    before = {index.name for table in tables(old).tables.values() for index in table.indexes}
    return [index for table in tables(new).tables.values() for index in table.indexes
            if index.name not in before]


#: The migrations: ``MIGRATIONS[n - 1]`` brings a register from version n - 1 to n.
MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (_version_1, _version_2)
#: The schema version this bpv reads and writes.
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(connection: sa.Connection, *, where: str) -> int:
    """Return a register's schema version: 0 for an empty database.

    Raises
    ------
    NotARegisterError
        The database holds tables but is not a bpv register.
    RegisterVersionError
        The register was written by a newer bpv.
    """
    names = set(sa.inspect(connection).get_table_names())
    if "meta" not in names:
        if not names:
            return 0
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        msg = (f"{where} is not a bpv register: it holds other tables ({shown}) and no bpv "
               "'meta'")
        raise NotARegisterError(msg)
    rows = {str(row[0]): str(row[1])
            for row in connection.execute(sa.text("SELECT key, value FROM meta"))}
    if rows.get("application") != APPLICATION or not rows.get("schema_version", "").isdigit():
        msg = f"{where} is not a bpv register: its 'meta' table does not say it is one"
        raise NotARegisterError(msg)
    found = int(rows["schema_version"])
    if found > SCHEMA_VERSION:
        msg = (f"{where} was written by a newer bpv (schema {found}; this bpv reads up to "
               f"{SCHEMA_VERSION}): upgrade bpv")
        raise RegisterVersionError(msg, found=found, supported=SCHEMA_VERSION)
    return found


def upgrade(connection: sa.Connection, *, where: str, to: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Apply the migrations a register lacks, up to version ``to``; return (before, after).

    Run it inside a transaction: all the migrations are applied or none.
    On PostgreSQL an advisory lock makes concurrent upgrades wait for each
    other; SQLite's write lock does the same.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0xB9F})
    before = schema_version(connection, where=where)
    for version in range(before + 1, to + 1):
        MIGRATIONS[version - 1](connection)
        meta = tables(version).tables["meta"]
        connection.execute(meta.update().where(meta.c.key == "schema_version"),
                           {"value": str(version)})
        connection.execute(meta.insert(), {"key": f"migration.{version}", "value": json.dumps(
            {"bpv": __version__, "at": datetime.now(UTC).isoformat()})})
    return before, max(before, to)
