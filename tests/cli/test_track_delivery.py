"""``bpv track actuals``, ``status`` and ``report``: a quarter's delivery as a programme office
records it, on SQLite and PostgreSQL, with every figure checked against bpv.track directly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import bpv
from bpv._utils.formatting import format_money
from bpv.register import Register
from tests.register.conftest import postgres, register_url  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
BIDS, ACTUALS = ROOT / "examples" / "bids", ROOT / "examples" / "tracking"
AS_AT = "2026-12-07"
DRAWS, SEED = "4000", "2025"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "BPV_REGISTER"}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bpv", *args], capture_output=True, text=True,
                          check=False, cwd=ROOT, env=environment)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture
def recorded(register_url):  # noqa: F811
    _ok(run("track", "init", "--db", register_url))
    _ok(run("track", "add", str(BIDS / "diabetes_prevention.yaml"), "--approved-by", "ICS",
            "--approved-at", "2025-04-01", "--draws", DRAWS, "--seed", SEED, "--quiet",
            "--db", register_url))
    out = _ok(run("track", "actuals", str(ACTUALS / "diabetes_prevention_actuals.csv"),
                  "--as-at", AS_AT, "--recorded-by", "programme office", "--db", register_url))
    return register_url, out


def _direct():
    bid = bpv.load(BIDS / "diabetes_prevention.yaml")
    result = bpv.appraise(bid, n_draws=int(DRAWS), rng=int(SEED), keep_flows=True,
                          keep_inputs=True, progress=False)
    tracking = bpv.track(result, ACTUALS / "diabetes_prevention_actuals.csv", bid=bid,
                         as_at=AS_AT)
    return tracking, tracking.reforecast(rng=np.random.SeedSequence(int(SEED)))


def test_actuals_are_recorded_then_rated_and_reforecast_as_bpv_track_does(recorded):
    url, out = recorded
    tracking, update = _direct()
    counts = tracking.status().counts()
    lines = out.splitlines()
    assert lines[0].startswith("diabetes-prevention-south: 18 actuals recorded in ")
    assert lines[1] == (f"status as at {AS_AT}: {counts['green']} green, {counts['amber']} "
                        f"amber, {counts['red']} red")
    npv = update.metrics["system"]["npv"]
    assert lines[2].startswith(f"re-forecast ({update.method}): mean NPV "
                               f"{format_money(npv['prior']['mean'])} -> "
                               f"{format_money(npv['posterior']['mean'])}")
    assert "uptake" in lines[2]
    with Register(url) as register:
        assert len(register.actuals("diabetes-prevention-south")) == 18
        [status] = register.status("diabetes-prevention-south")
    assert status["counts"] == counts
    assert status["reforecast"]["failing"][0] == "uptake"


def test_status_of_every_bid_reads_the_snapshots(recorded):
    url, _ = recorded
    table = _ok(run("track", "status", "--db", url)).splitlines()
    assert table[0].split()[:5] == ["bid", "as", "at", "green", "amber"]
    assert table[1].startswith("diabetes-prevention-south  2026-12-07")
    data = json.loads(_ok(run("track", "status", "--json", "--db", url)))
    assert [entry["bid"] for entry in data["bids"]] == ["diabetes-prevention-south"]
    one = _ok(run("track", "status", "diabetes-prevention-south", "--db", url))
    assert one.startswith("Delivery against plan of diabetes-prevention-south, as at 2026-12-07")
    assert "Re-forecast of diabetes-prevention-south" in one
    # As the register stood before anything was recorded: no status yet.
    before = _ok(run("track", "status", "--as-at", "2020-01-01", "--db", url))
    assert "no status recorded yet" in before


def test_a_file_with_problems_records_nothing(recorded, tmp_path):
    url, _ = recorded
    bad = tmp_path / "bad.csv"
    bad.write_text("bid,node,period,value\n"
                   "diabetes-prevention-south,participnts,2026/27 Q3,10\n"
                   "diabetes-prevention-south,referrals,2031/32,x\n", encoding="utf-8")
    result = run("track", "actuals", str(bad), "--as-at", AS_AT, "--db", url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "did you mean 'participants'" in result.stderr
    assert "line 3" in result.stderr
    with Register(url) as register:
        assert len(register.actuals("diabetes-prevention-south")) == 18


def test_the_report_is_written_from_the_register(recorded, tmp_path):
    url, _ = recorded
    page = tmp_path / "tracking.html"
    assert _ok(run("track", "report", "diabetes-prevention-south", "-o", str(page), "--db",
                   url)) == f"{page}\n"
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Which hypotheses the actuals test" in html
    refused = run("track", "report", "diabetes-prevention-south", "-o", str(tmp_path), "--db",
                  url)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
