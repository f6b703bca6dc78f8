"""Where a register lives and how to connect: a SQLite file (the default) or PostgreSQL.

One code path serves both. For SQLite the connection is set up so that
several processes can share one file safely: write-ahead logging (readers
never block the writer), foreign keys enforced, a busy timeout so that a
writer waits for another instead of failing, and every write transaction
begun with ``BEGIN IMMEDIATE`` so two writers queue at the start rather than
deadlock half-way.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bpv.errors import RegisterError

__all__ = ["DEFAULT_FILE", "ENVIRONMENT", "BUSY_TIMEOUT_S", "resolve", "create_engine",
           "display"]

#: The register used when none is named: a file in the current folder.
DEFAULT_FILE = "bpv-register.db"
#: The environment variable that names the register when none is given.
ENVIRONMENT = "BPV_REGISTER"
#: How long a writer waits for another to finish, in seconds.
BUSY_TIMEOUT_S = 60.0


def resolve(url: str | os.PathLike[str] | None) -> sa.URL:
    """Return the database URL a register argument means: a URL, a file path, or the default.

    Examples
    --------
    >>> resolve("postgresql+psycopg://bpv@db.example/reg").drivername
    'postgresql+psycopg'
    >>> resolve("/tmp/reg.db").render_as_string()
    'sqlite:////tmp/reg.db'
    """
    if url is None:
        url = os.environ.get(ENVIRONMENT) or DEFAULT_FILE
    text = os.fspath(url)
    if "://" in text:
        try:
            return sa.make_url(text)
        except sa.exc.ArgumentError:
            msg = (f"{text!r} is not a database URL: give a file path, or a URL such as "
                   "postgresql+psycopg://user@host/database")
            raise RegisterError(msg) from None
    return sa.URL.create("sqlite", database=str(Path(text).expanduser().absolute()))


def display(url: sa.URL, given: str | os.PathLike[str] | None) -> str:
    """Return how messages name a register: the path as given, or the URL without password.

    Examples
    --------
    >>> display(resolve("reg.db"), "reg.db")
    'reg.db'
    >>> display(resolve("postgresql+psycopg://bpv:secret@db/reg"), "postgresql+psycopg://bpv:secret@db/reg")
    'postgresql+psycopg://bpv:***@db/reg'
    """
    text = os.fspath(given) if given is not None else (
        os.environ.get(ENVIRONMENT) or DEFAULT_FILE)
    return url.render_as_string(hide_password=True) if "://" in text else text


def create_engine(url: sa.URL) -> sa.Engine:
    """Return an engine for the register at ``url``, set up for several writers at once.

    A connection's writes begin with ``BEGIN IMMEDIATE`` on SQLite when it is
    opened with the execution option ``bpv_write=True``.
    """
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        msg = (f"bpv registers live in SQLite or PostgreSQL, not "
               f"{url.get_backend_name()!r}: use a file path or postgresql+psycopg://…")
        raise RegisterError(msg)
    if url.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            msg = (f"the register's database driver is not installed ({exc.name}): "
                   "pip install 'bpv[postgres]' and use a URL beginning postgresql+psycopg://")
            raise RegisterError(msg) from None
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Leave transactions to the "begin" hook below, not to the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("bpv_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
