"""Schema versions: what is not a register, a register from a newer bpv, upgrading an old one."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import bpv
from bpv.engine.identity import bid_hash
from bpv.errors import NotARegisterError, RegisterError, RegisterVersionError
from bpv.register import SCHEMA_VERSION, Register
from bpv.register.schema import APPEND_ONLY, MIGRATIONS, tables

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url if "://" in url else f"sqlite:///{url}")


def _set_meta(url: str, key: str, value: str) -> None:
    # The meta table is not history: a test may change it, as a newer bpv would.
    engine = _engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE meta SET value = :value WHERE key = :key"),
                           {"key": key, "value": value})
    engine.dispose()


def test_init_creates_the_current_schema_once(register_url):
    register = Register(register_url)
    assert register.init() == SCHEMA_VERSION
    assert register.init() == SCHEMA_VERSION  # again: left as it is
    assert register.schema_version() == SCHEMA_VERSION
    engine = _engine(register_url)
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == set(tables(SCHEMA_VERSION).tables)
    assert "checksum" in {column["name"] for column in inspector.get_columns("imports")}
    with engine.connect() as connection:
        meta = dict(connection.execute(sa.text("SELECT key, value FROM meta")).all())
    engine.dispose()
    assert meta["application"] == "bpv-register"
    assert meta["created_by"] == f"bpv {bpv.__version__}"
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert json.loads(meta[f"migration.{SCHEMA_VERSION}"])["bpv"] == bpv.__version__
    register.close()


def test_a_register_from_a_newer_bpv_is_refused(register_url):
    Register(register_url).init()
    _set_meta(register_url, "schema_version", str(SCHEMA_VERSION + 1))
    register = Register(register_url)
    expected = (f"was written by a newer bpv \\(schema {SCHEMA_VERSION + 1}; this bpv reads up "
                f"to {SCHEMA_VERSION}\\): upgrade bpv")
    with pytest.raises(RegisterVersionError, match=expected) as caught:
        register.bids()
    assert (caught.value.found, caught.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    with pytest.raises(RegisterVersionError, match=expected):
        register.upgrade()
    register.close()


def test_a_database_with_other_tables_is_not_a_register(register_url):
    engine = _engine(register_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE patients (id INTEGER PRIMARY KEY)")
    engine.dispose()
    register = Register(register_url)
    for attempt in (register.init, register.bids, register.upgrade):
        with pytest.raises(NotARegisterError, match=r"is not a bpv register: it holds other "
                                                    r"tables \(patients\)"):
            attempt()
    register.close()


def test_a_meta_table_of_something_else_is_not_a_register(register_url):
    engine = _engine(register_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE meta (key VARCHAR(64), value TEXT)")
        connection.exec_driver_sql("INSERT INTO meta VALUES ('application', 'other')")
    engine.dispose()
    with pytest.raises(NotARegisterError, match="its 'meta' table does not say it is one"):
        Register(register_url).bids()


def test_a_text_file_is_not_a_register(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database at all\n" * 100)
    with pytest.raises(NotARegisterError, match=f"{path} is not a bpv register: it is not an "
                                                "SQLite database"):
        Register(path).bids()
    with pytest.raises(NotARegisterError):
        Register(path).init()


def test_an_sqlite_file_of_another_application_is_not_a_register(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER)")
    connection.close()
    with pytest.raises(NotARegisterError, match=r"holds other tables \(orders\)"):
        Register(path).bids()


def test_a_missing_file_says_how_to_create_one(tmp_path):
    path = tmp_path / "nowhere.db"
    with pytest.raises(RegisterError, match=r"no register at .*nowhere\.db: create one with "
                                            r"bpv track init"):
        Register(path).bids()
    assert not path.exists()


def test_an_empty_database_is_not_yet_a_register(register_url):
    if "://" not in register_url:
        sqlite3.connect(register_url).close()  # an empty SQLite file
    with pytest.raises(RegisterError, match="is empty, not a bpv register: create one with "
                                            "bpv track init"):
        Register(register_url).bids()
    with pytest.raises(RegisterError, match="is empty: create a register with bpv track init"):
        Register(register_url).upgrade()


def _write_version_1(url: str) -> None:
    """A register as bpv wrote it at schema 1, with a bid, actuals and a snapshot."""
    engine = _engine(url)
    version_1 = tables(1).tables
    with engine.begin() as connection:
        MIGRATIONS[0](connection)
        stamp = datetime(2026, 5, 1, 12, tzinfo=UTC)
        with open(FRAILTY, encoding="utf-8") as file:
            text = file.read()
        bid = bpv.load(FRAILTY)
        summary = bpv.appraise(bid, n_draws=300, rng=5).to_json()
        connection.execute(version_1["bids"].insert(), {
            "bid_id": bid.id, "version": 1, "bid_hash": bid_hash(bid), "title": bid.title,
            "format": "yaml", "text": text, "approved_by": "board", "approved_at": stamp,
            "recorded_at": stamp, "bpv_version": "0.9"})
        connection.execute(version_1["appraisals"].insert(), {
            "bid_id": bid.id, "version": 1, "entropy": "5", "n_draws": 300, "method": "mc",
            "kernel": "numpy", "bpv_version": "0.9", "summary": summary, "recorded_at": stamp})
        connection.execute(version_1["imports"].insert(), {
            "bid_id": bid.id, "file_name": "q1.csv", "recorded_by": "PMO", "recorded_at": stamp,
            "n_rows": 1})
        connection.execute(version_1["actuals"].insert(), {
            "bid_id": bid.id, "node": "admissions_avoided", "period": "2026/27", "value": 7.0,
            "import_id": 1, "stored_by": "PMO", "stored_at": stamp})
    engine.dispose()


def test_a_version_1_register_is_upgraded_in_place_keeping_its_history(register_url):
    _write_version_1(register_url)
    register = Register(register_url)
    with pytest.raises(RegisterVersionError, match="has schema 1; this bpv writes schema 2: "
                                                   "run bpv track upgrade"):
        register.bids()
    assert register.schema_version() == 1
    assert register.upgrade() == (1, SCHEMA_VERSION)
    assert register.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)  # nothing more to do
    assert [(row.node, row.value) for row in register.actuals("frailty-virtual-ward")] == [
        ("admissions_avoided", 7.0)]
    assert register.history("frailty-virtual-ward")[2].details["checksum"] is None
    again = register.appraisal("frailty-virtual-ward")
    stored = register.bid("frailty-virtual-ward").appraisal.summary
    assert json.loads(again.to_json()) == stored
    engine = _engine(register_url)
    indexes = {index["name"] for table in ("actuals", "snapshots", "imports", "appraisals")
               for index in sa.inspect(engine).get_indexes(table)}
    engine.dispose()
    assert {"ix_actuals_bid", "ix_snapshots_latest", "ix_imports_bid",
            "ix_appraisals_bid"} <= indexes
    register.record_actuals("frailty-virtual-ward", [
        {"node": "admissions_avoided", "period": "2027/28", "value": 9}], recorded_by="PMO")
    assert register.history("frailty-virtual-ward")[-1].details["checksum"] is not None
    register.close()


def test_every_history_table_has_its_triggers(register_url):
    Register(register_url).init()
    engine = _engine(register_url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            names = set(connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
            expected = {f"{t}_no_{a}" for t in APPEND_ONLY for a in ("update", "delete")}
        else:
            names = set(connection.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
            expected = {f"{t}_{s}" for t in APPEND_ONLY for s in ("append_only", "no_truncate")}
    engine.dispose()
    assert expected <= names
