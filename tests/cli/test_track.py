"""``bpv track`` as a user runs it: a real subprocess on SQLite and PostgreSQL, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import bpv
from bpv._utils.formatting import format_money, json_safe
from bpv.engine.identity import bid_hash
from bpv.register import SCHEMA_VERSION, Register
from tests.register.conftest import postgres, register_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
FRAILTY = ROOT / "examples/bids/frailty_virtual_ward.yaml"
BID_ID = "frailty-virtual-ward"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "BPV_REGISTER"}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False, cwd=cwd or ROOT, env={**environment, **(env or {})})


def _one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result.stderr


def test_init_add_bids_and_history_end_to_end(register_url):  # noqa: F811
    name = Register(register_url).name  # a URL is shown without its password
    init = run("track", "init", "--db", register_url)
    assert init.returncode == 0, init.stderr
    assert init.stdout == f"{name}: created (schema {SCHEMA_VERSION})\n"
    assert run("track", "init", "--db", register_url).stdout == (
        f"{name}: already a bpv register (schema {SCHEMA_VERSION})\n")

    add = run("track", "add", str(FRAILTY), "--approved-by", "ICB board", "--approved-at",
              "2026-04-01", "--draws", "500", "--seed", "11", "--db", register_url)
    assert add.returncode == 0, add.stderr
    bid = bpv.load(FRAILTY)
    expected = bpv.appraise(bid, n_draws=500, rng=11)
    first, second = add.stdout.splitlines()
    assert first == (f"{BID_ID}: version 1 recorded in {name} "
                     f"(hash {bid_hash(bid)[:12]}), approved by ICB board on 2026-04-01")
    assert second == (f"appraisal: 500 draws (mc, numpy), seed 11, mean NPV "
                      f"{format_money(expected.summary().to_dict()['npv']['mean'])}")
    with Register(register_url) as register:
        stored = register.bid(BID_ID)
        assert stored.text == FRAILTY.read_text(encoding="utf-8")
        assert stored.appraisal.summary == json.loads(json.dumps(json_safe(expected.to_dict())))

    again = run("track", "add", str(FRAILTY), "--approved-by", "someone", "--draws", "500",
                "--seed", "11", "--db", register_url, "--quiet")
    assert again.stdout.splitlines()[0].startswith(
        f"{BID_ID}: version 1 is already (the same bid) in {name}")
    assert again.stdout.splitlines()[1].startswith("appraisal (already recorded): 500 draws")

    bids = run("track", "bids", "--json", "--db", register_url)
    listed = json.loads(bids.stdout)["bids"]
    assert [(b["bid"], b["version"], b["approved_by"], b["appraisal"]["entropy"])
            for b in listed] == [(BID_ID, 1, "ICB board", 11)]
    assert json.loads(run("track", "bids", "--json", "--as-at", "2000-01-01", "--db",
                          register_url).stdout)["bids"] == []
    table = run("track", "bids", "--db", register_url).stdout.splitlines()
    assert table[0].split() == ["bid", "version", "approved", "by", "approved", "draws", "mean",
                                "NPV", "title"]
    assert table[1].split()[:4] == [BID_ID, "1", "ICB", "board"]

    history = run("track", "history", BID_ID, "--db", register_url)
    lines = history.stdout.splitlines()
    assert [line.split()[3] for line in lines] == ["bid", "appraisal"]
    events = json.loads(run("track", "history", BID_ID, "--json", "--db", register_url).stdout)
    assert [e["kind"] for e in events["events"]] == ["bid", "appraisal"]
    assert events["events"][1]["details"]["entropy"] == 11


def test_the_register_is_bpv_register_db_here_unless_told_otherwise(tmp_path):
    assert run("track", "init", cwd=tmp_path).stdout == (
        f"bpv-register.db: created (schema {SCHEMA_VERSION})\n")
    assert (tmp_path / "bpv-register.db").exists()
    elsewhere = tmp_path / "elsewhere.db"
    made = run("track", "init", cwd=tmp_path, env={"BPV_REGISTER": str(elsewhere)})
    assert made.stdout == f"{elsewhere}: created (schema {SCHEMA_VERSION})\n"
    assert elsewhere.exists()


def test_a_fresh_seed_is_stored_and_replays_the_appraisal(tmp_path):
    db = str(tmp_path / "reg.db")
    run("track", "init", "--db", db)
    add = run("track", "add", str(FRAILTY), "--approved-by", "board", "--draws", "300",
              "--db", db, "--quiet")
    seed = int(add.stdout.splitlines()[1].split("seed ")[1].split(",")[0])
    with Register(db) as register:
        assert register.bid(BID_ID).appraisal.entropy == seed
        replay = bpv.appraise(bpv.load(FRAILTY), n_draws=300, rng=seed)
        assert (register.appraisal(BID_ID)["npv"] == replay["npv"]).all()


def test_errors_are_one_line_and_exit_1(tmp_path):
    db = str(tmp_path / "reg.db")
    missing = _one_line_error(run("track", "bids", "--db", db))
    assert missing == f"bpv track bids: no register at {db}: create one with bpv track init\n"
    run("track", "init", "--db", db)
    unknown = _one_line_error(run("track", "history", "frailty-virtual-wrd", "--db", db))
    assert unknown == ("bpv track history: no bid 'frailty-virtual-wrd' in the register\n")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 200)
    assert _one_line_error(run("track", "bids", "--db", str(text))) == (
        f"bpv track bids: {text} is not a bpv register: it is not an SQLite database\n")
    invalid = _one_line_error(run("track", "add", str(ROOT / "tests/data/invalid/cycle.yaml"),
                                  "--approved-by", "x", "--db", db))
    assert "cycle: patients -> seen -> patients" in invalid
    bad_date = _one_line_error(run("track", "bids", "--as-at", "soon", "--db", db))
    assert "must be a date or time such as 2026-09-30" in bad_date


def test_a_newer_register_is_refused_before_the_appraisal(tmp_path):
    db = tmp_path / "reg.db"
    run("track", "init", "--db", str(db))
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    engine.dispose()
    error = _one_line_error(run("track", "add", str(FRAILTY), "--approved-by", "x",
                                "--db", str(db)))
    assert error == (f"bpv track add: {db} was written by a newer bpv (schema 3; this bpv "
                     f"reads up to {SCHEMA_VERSION}): upgrade bpv\n")


@pytest.mark.parametrize("args", [["track"], ["track", "add", str(FRAILTY)],
                                  ["track", "bids", "--draws", "3"]])
def test_a_misused_command_line_exits_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: bpv" in result.stderr
    assert "Traceback" not in result.stderr


def test_upgrade_says_when_there_is_nothing_to_do(tmp_path):
    db = str(tmp_path / "reg.db")
    run("track", "init", "--db", db)
    upgraded = run("track", "upgrade", "--db", db)
    assert upgraded.stdout == f"{db}: already at schema {SCHEMA_VERSION}; nothing to do\n"
