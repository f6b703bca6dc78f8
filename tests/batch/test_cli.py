"""``bpv batch`` and ``--scheduler``, through the command line in a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import bpv
from bpv.batch.result import SUMMARY_COLUMNS
from bpv.engine.long_form import FRAME_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bids"
FRAILTY = EXAMPLES / "frailty_virtual_ward.yaml"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bpv", *map(str, args)], capture_output=True,
                          text=True, check=False)


def _folder(tmp_path: Path, *, broken: bool) -> Path:
    bids = tmp_path / "bids"
    bids.mkdir()
    for name in ("frailty_virtual_ward.yaml", "diabetes_prevention.yaml"):
        (bids / name).write_text((EXAMPLES / name).read_text())
    if broken:
        (bids / "broken.yaml").write_text("id: broken\ntitle: Broken\nhorizon: -1\n")
    return bids


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_batch_prints_a_row_a_bid_and_writes_the_csv_with_the_stated_columns(tmp_path):
    out = tmp_path / "results.csv"
    result = run("batch", _folder(tmp_path, broken=False), "--draws", 3000, "--seed", 4,
                 "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "2 bids, 3,000 draws each (mc), seed 4; money in present values"
    assert lines[2].startswith("diabetes-prevention-south")
    assert lines[3].startswith("frailty-virtual-ward")
    assert lines[-1] == str(out)
    rows = _rows(out)
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    # The numbers are those of appraising each bid alone on the same seed.
    alone = bpv.appraise(bpv.load(FRAILTY), n_draws=3000, rng=4)
    frailty = next(row for row in rows if row["bid"] == "frailty-virtual-ward")
    assert float(frailty["mean_npv"]) == alone.summary().rows["npv"]["mean"]
    assert float(frailty["mcse_npv"]) == alone.summary().rows["npv"]["mcse"]
    assert float(frailty["p_npv_positive"]) == alone.probability("npv", ">", 0)


def test_an_invalid_bid_is_listed_on_stderr_and_the_others_are_appraised(tmp_path):
    bids = _folder(tmp_path, broken=True)
    result = run("batch", bids, "--draws", 2000, "--seed", 1, "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert list(data["bids"]) == ["diabetes-prevention-south", "frailty-virtual-ward"]
    problems = result.stderr.splitlines()
    assert problems
    assert all(line.startswith(f"{bids / 'broken.yaml'}:") for line in problems)
    assert any("horizon" in line for line in problems)
    assert len(problems) == len(data["problems"])


def test_strict_fails_on_an_invalid_bid_and_writes_nothing(tmp_path):
    bids = _folder(tmp_path, broken=True)
    out = tmp_path / "results.csv"
    result = run("batch", bids, "--draws", 2000, "--strict", "-o", out)
    assert result.returncode == 1
    assert result.stdout == ""
    assert str(bids / "broken.yaml") in result.stderr
    assert not out.exists()


def test_no_valid_bid_exits_1(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\n")
    result = run("batch", tmp_path)
    assert result.returncode == 1
    assert "no valid bid" in result.stderr


def test_the_long_csv_has_one_number_a_row(tmp_path):
    out = tmp_path / "long.csv"
    result = run("batch", FRAILTY, "--draws", 2000, "--seed", 3, "-o", out, "--long")
    assert result.returncode == 0, result.stderr
    rows = _rows(out)
    assert tuple(rows[0]) == FRAME_COLUMNS
    alone = bpv.appraise(bpv.load(FRAILTY), n_draws=2000, rng=3)
    mean = next(r for r in rows if r["scope"] == "acute" and r["metric"] == "npv"
                and r["statistic"] == "mean")
    assert float(mean["value"]) == alone.organisation("acute").summary().rows["npv"]["mean"]
    assert {r["seed"] for r in rows} == {"3"}


def test_json_output_file_holds_the_batch(tmp_path):
    out = tmp_path / "results.json"
    result = run("batch", FRAILTY, "--draws", 2000, "--seed", 3, "-o", out)
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["n_draws"] == 2000
    assert list(data["bids"]) == ["frailty-virtual-ward"]


def test_misused_outputs_are_refused_before_any_work(tmp_path):
    assert run("batch", FRAILTY, "-o", tmp_path / "x.md").returncode == 2
    assert run("batch", FRAILTY, "--long").returncode == 2
    assert run("batch", FRAILTY, "-o", tmp_path / "x.json", "--long").returncode == 2
    refused = run("batch", FRAILTY, "-o", tmp_path)
    assert refused.returncode in (1, 2)
    assert "cannot write" in refused.stderr or "give a file name" in refused.stderr


def test_batch_and_appraise_on_a_dask_scheduler_give_the_local_numbers(tmp_path, dask_client):
    address = dask_client.scheduler.address
    bids = _folder(tmp_path, broken=False)
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    assert run("batch", bids, "--draws", 5000, "--seed", 9, "-o", local).returncode == 0
    result = run("batch", bids, "--draws", 5000, "--seed", 9, "-o", remote,
                 "--scheduler", address)
    assert result.returncode == 0, result.stderr
    assert _rows(remote) == _rows(local)
    appraised = [run("appraise", FRAILTY, "--draws", 70_000, "--seed", 9, "--json", *extra)
                 for extra in ((), ("--scheduler", address))]
    assert appraised[1].returncode == 0, appraised[1].stderr
    assert appraised[1].stdout == appraised[0].stdout


def test_an_unreachable_scheduler_is_a_users_error():
    result = run("appraise", FRAILTY, "--draws", 100, "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 1
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_output_pasted_in_programme_office_md_is_what_bpv_batch_prints():
    text = (ROOT / "docs" / "programme-office.md").read_text(encoding="utf-8")
    block = text.split("```bash\nbpv batch examples/bids ", 1)[1]
    command, _, rest = block.partition("\n")
    expected = rest.split("```text\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([sys.executable, "-m", "bpv", "batch", "examples/bids",
                             *command.split()], capture_output=True, text=True, check=False,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
