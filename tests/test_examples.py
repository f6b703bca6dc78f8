"""Every script in examples/ runs, as examples/README.md says it does.

See docs/design/architecture.md, "Conventions": the documentation is tested.

The convention: a script runs with no arguments and takes at most one
positional argument, OUT, the path it writes its output to. Each is run here
from a directory outside the repository, with OUT under ``tmp_path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))


def _run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def test_there_are_example_scripts():
    assert ROOT / "examples" / "appraise_bid.py" in SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_example_script_runs_and_writes_its_output(script, tmp_path):
    out = tmp_path / f"{script.stem}.out"
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    completed = _run(script, str(out), cwd=elsewhere)
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    assert out.exists(), f"{script.name} did not write {out}"
    written = [out] if out.is_file() else [p for p in out.rglob("*") if p.is_file()]
    assert written
    assert all(p.stat().st_size > 0 for p in written)
    assert not any(elsewhere.iterdir()), f"{script.name} wrote outside OUT"


def test_appraise_bid_prints_the_summary_and_writes_the_result_json(tmp_path):
    out = tmp_path / "result.json"
    completed = _run(ROOT / "examples" / "appraise_bid.py", str(out), "--draws", "2000",
                     cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "P(NPV > 0) = " in completed.stdout
    assert "North Acute Trust" in completed.stdout
    document = json.loads(out.read_text())
    assert document["bid"] == "frailty-virtual-ward"
    assert document["provenance"]["n_draws"] == 2000
    assert document["provenance"]["entropy"] == 1
    assert set(document["organisations"]) == {"icb", "acute", "community"}


def test_appraise_bid_takes_another_bid_and_writes_nothing_without_out(tmp_path):
    bid = ROOT / "examples" / "bids" / "diabetes_prevention.yaml"
    completed = _run(ROOT / "examples" / "appraise_bid.py", "--bid", str(bid), "--draws", "1000",
                     cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "diabetes-prevention-south" in completed.stdout
    assert not any(tmp_path.iterdir())


def test_appraise_bid_reports_every_problem_of_an_invalid_bid(tmp_path):
    bid = ROOT / "tests" / "data" / "invalid" / "unknown_reference.yaml"
    completed = _run(ROOT / "examples" / "appraise_bid.py", "--bid", str(bid), cwd=tmp_path)
    assert completed.returncode == 1
    assert "admit_rte" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_batch_appraise_gives_the_same_table_on_threads_and_processes(tmp_path):
    import csv

    bids = tmp_path / "bids"
    bids.mkdir()
    for name in ("frailty_virtual_ward.yaml", "diabetes_prevention.yaml"):
        (bids / name).write_text((ROOT / "examples" / "bids" / name).read_text())
    (bids / "broken.yaml").write_text("id: broken\n")
    tables = {}
    for processes in ("0", "2"):
        out = tmp_path / f"table{processes}.csv"
        completed = _run(ROOT / "examples" / "batch_appraise.py", str(out), "--bids", str(bids),
                         "--draws", "150000", "--processes", processes, cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        assert "skipped" in completed.stderr
        assert "broken.yaml" in completed.stderr
        with out.open(newline="") as handle:
            tables[processes] = [{k: v for k, v in row.items() if k != "seconds"}
                                 for row in csv.DictReader(handle)]
    assert [row["bid"] for row in tables["0"]] == [
        "diabetes-prevention-south", "frailty-virtual-ward"]
    assert tables["0"] == tables["2"]  # any executor, the same numbers
    # More draws than the subsample keeps: the means are still exact over all of them.
    direct = bpv.appraise(bpv.load(bids / "frailty_virtual_ward.yaml"), n_draws=150_000, rng=1)
    assert float(tables["0"][1]["mean_npv"]) == pytest.approx(
        direct.summary().rows["npv"]["mean"], rel=1e-12)


def test_batch_appraise_with_the_compiled_kernel_gives_the_numpy_kernels_table(tmp_path):
    import csv

    pytest.importorskip("numba")
    tables = {}
    for kernel in ("numpy", "compiled"):
        out = tmp_path / f"{kernel}.csv"
        completed = _run(ROOT / "examples" / "batch_appraise.py", str(out), "--draws", "20000",
                         "--kernel", kernel, cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        with out.open(newline="") as handle:
            tables[kernel] = list(csv.DictReader(handle))
    assert [row["bid"] for row in tables["compiled"]] == [row["bid"] for row in tables["numpy"]]
    for numpy_row, compiled_row in zip(tables["numpy"], tables["compiled"], strict=True):
        for column in ("mean_npv", "mean_qalys", "mean_cost_pv", "p_npv_positive"):
            assert float(compiled_row[column]) == pytest.approx(float(numpy_row[column]),
                                                                rel=1e-9, abs=1e-9), column
